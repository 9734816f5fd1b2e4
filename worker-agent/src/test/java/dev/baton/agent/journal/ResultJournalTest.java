package dev.baton.agent.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.RunFinished;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The result log: what a new agent process finds after acknowledgements, torn writes, compactions, upgrades. */
class ResultJournalTest {
  @TempDir Path dir;

  private static RunFinished result(String runId, int tailBytes) {
    return RunFinished.newBuilder().setRunId(runId).setAttempt(1).setEpoch(3)
        .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED).setExitCode(0).setOutputBytes(tailBytes)
        .setOutputTail(ByteString.copyFrom(new byte[tailBytes])).build();
  }

  private static List<String> ids(List<RunFinished> results) {
    return results.stream().map(RunFinished::getRunId).toList();
  }

  @Test
  void pendingResultsAreWhatARestartedAgentFindsInOrder() throws Exception {
    try (ResultJournal journal = new ResultJournal(dir)) {
      for (String id : List.of("1", "2", "3")) {
        assertTrue(journal.reserve(id, 1));
        journal.add(result(id, 100));
      }
      journal.remove("2", 1);
      assertEquals(List.of("1", "3"), ids(journal.pending()));
      assertEquals(2, journal.depth());
    }
    assertEquals(List.of("1", "3"), ids(ResultJournal.read(dir)));
    try (ResultJournal restarted = new ResultJournal(dir)) {
      assertEquals(List.of("1", "3"), ids(restarted.pending()));
      assertEquals(100, restarted.pending().get(0).getOutputTail().size(), "kept whole, output tail included");
      restarted.remove("1", 1);
      restarted.add(result("4", 0));
    }
    try (ResultJournal again = new ResultJournal(dir)) {
      assertEquals(List.of("3", "4"), ids(again.pending()));
    }
  }

  @Test
  void aRecordTornByACrashEndsTheLogAndIsWrittenOver() throws Exception {
    long end;
    try (ResultJournal journal = new ResultJournal(dir)) {
      journal.add(result("1", 10));
      journal.add(result("2", 10));
      end = journalEnd();
    }
    // A crash in the middle of the third record: its header and half its body reached the disk.
    byte[] torn = ByteBuffer.allocate(40).putInt(200).putInt(12345).put((byte) 1).array();
    try (var out = java.nio.channels.FileChannel.open(dir.resolve(ResultJournal.LOG), StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(torn), end);
    }
    try (ResultJournal restarted = new ResultJournal(dir)) {
      assertEquals(List.of("1", "2"), ids(restarted.pending()));
      restarted.add(result("3", 10));
    }
    try (ResultJournal again = new ResultJournal(dir)) {
      assertEquals(List.of("1", "2", "3"), ids(again.pending()), "the new record replaced the torn one");
    }
  }

  @Test
  void theLogIsCompactedToThePendingResults() throws Exception {
    try (ResultJournal journal = new ResultJournal(dir)) {
      journal.add(result("kept", 10));
      int n = 0;
      while (n * 2_000L < 2 * ResultJournal.COMPACT_AT) {
        String id = "r" + n++;
        journal.reserve(id, 1);
        journal.add(result(id, 2_000));
        journal.remove(id, 1);
      }
      assertTrue(Files.size(dir.resolve(ResultJournal.LOG)) < ResultJournal.COMPACT_AT + 2 * ResultJournal.GROWTH,
          "compacted: " + Files.size(dir.resolve(ResultJournal.LOG)));
      long syncs = journal.syncs();
      journal.add(result("after", 10));
      assertEquals(syncs + 1, journal.syncs(), "a result added after a compaction is synced like any other");
    }
    try (ResultJournal restarted = new ResultJournal(dir)) {
      assertEquals(List.of("kept", "after"), ids(restarted.pending()));
    }
    assertEquals(List.of(ResultJournal.LOG), files());
  }

  @Test
  void acknowledgingAManyResultsBacklogRewritesTheLogOnlyOnceMostOfItIsDead() throws Exception {
    int backlog = (int) (2 * ResultJournal.COMPACT_AT / 2_000); // a long outage: twice the compaction size pending
    try (ResultJournal journal = new ResultJournal(dir)) {
      for (int i = 0; i < backlog; i++) {
        journal.add(result("r" + i, 2_000));
      }
      for (int i = 0; i < backlog - 1; i++) {
        journal.remove("r" + i, 1);
      }
      assertTrue(journal.compactions() >= 1, "the dead log was compacted");
      assertTrue(journal.compactions() <= 2, "not at every acknowledgement: " + journal.compactions());
    }
    try (ResultJournal restarted = new ResultJournal(dir)) {
      assertEquals(List.of("r" + (backlog - 1)), ids(restarted.pending()));
    }
  }

  @Test
  void resultsFinishingTogetherAreAllKept() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (ResultJournal journal = new ResultJournal(dir)) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(pool.submit(() -> IntStream.range(0, 100).forEach(i -> {
          String id = thread + "." + i;
          journal.reserve(id, 1);
          journal.add(result(id, 50));
          if (i % 2 == 0) {
            journal.remove(id, 1);
          }
        })));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    try (ResultJournal restarted = new ResultJournal(dir)) {
      assertEquals(400, restarted.depth());
    }
  }

  @Test
  void resultsAnOlderAgentKeptOneFileEachAreTakenOver() throws Exception {
    Files.write(dir.resolve("7-1.result"), result("7", 10).toByteArray());
    byte[] compact = result("9", 0).toByteArray();
    Files.write(dir.resolve("9-1.slot"), ByteBuffer.allocate(ResultJournal.SLOT_BYTES).putInt(compact.length)
        .put(compact).array());
    Files.write(dir.resolve("8-1.slot"), new byte[ResultJournal.SLOT_BYTES]); // reserved, never used
    Files.write(dir.resolve("10-1.result.tmp"), new byte[3]);
    try (ResultJournal journal = new ResultJournal(dir)) {
      assertEquals(List.of("7", "9"), ids(journal.pending().stream()
          .sorted(java.util.Comparator.comparing(RunFinished::getRunId)).toList()));
    }
    assertEquals(List.of(ResultJournal.LOG), files());
    try (ResultJournal restarted = new ResultJournal(dir)) {
      assertEquals(2, restarted.depth());
    }
  }

  /** Where the intact records end: the first byte of the allocated zeros. */
  private long journalEnd() throws Exception {
    byte[] all = Files.readAllBytes(dir.resolve(ResultJournal.LOG));
    ByteBuffer log = ByteBuffer.wrap(all);
    while (log.remaining() >= 8) {
      int length = log.getInt(log.position());
      if (length == 0) {
        break;
      }
      log.position(log.position() + 8 + length);
    }
    return log.position();
  }

  private List<String> files() throws Exception {
    try (var list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
