package dev.baton.agent.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.baton.agent.Runs;
import dev.baton.agent.exec.ProcessRunner;
import dev.baton.agent.exec.RunRecords;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.HeldRun;
import dev.baton.proto.v1.RunFinished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's journal on a disk that really is full: a 256 KiB tmpfs mounted for the test (the tests run as root,
 * as the README's test command requires), filled to the last byte.
 */
class FullDiskTest {
  @TempDir Path base;
  private Path mount;

  @BeforeEach
  void mountSmallDisk() throws Exception {
    mount = Files.createDirectories(base.resolve("disk"));
    run("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mount.toString());
  }

  @AfterEach
  void unmount() throws Exception {
    run("umount", "-l", mount.toString());
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
  }

  /** Writes until the disk refuses another byte. */
  private void fill() throws IOException {
    try (var out = Files.newOutputStream(mount.resolve("filler"))) {
      byte[] block = new byte[4096];
      while (true) {
        out.write(block);
        out.flush();
      }
    } catch (IOException full) {
      assertTrue(full.getMessage().contains("No space left"), full.getMessage());
    }
  }

  private static RunFinished result(String runId, int tailBytes) {
    return RunFinished.newBuilder().setRunId(runId).setAttempt(1).setEpoch(3)
        .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED).setExitCode(0).setOutputBytes(tailBytes)
        .setOutputTail(ByteString.copyFrom(new byte[tailBytes])).build();
  }

  private List<Path> leftovers(Path dir, String suffix) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(suffix)).toList();
    }
  }

  @Test
  void aResultWithReservedSpaceSurvivesAFullDiskAndARestart() throws Exception {
    Path dir = mount.resolve("journal");
    ResultJournal journal = new ResultJournal(dir);
    assertTrue(journal.reserve("7", 1));
    fill();

    journal.add(result("7", 64 * 1024));

    assertEquals(List.of(), leftovers(dir, ".tmp"), "no half-written temporary file is left");
    // A new agent process on the same state directory still has the result (without its output tail).
    ResultJournal restarted = new ResultJournal(dir);
    List<RunFinished> pending = restarted.pending();
    assertEquals(1, pending.size());
    assertEquals("7", pending.get(0).getRunId());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, pending.get(0).getOutcome());
    assertEquals(0, pending.get(0).getExitCode());
    restarted.remove("7", 1);
    assertEquals(List.of(), restarted.pending());
  }

  @Test
  void aResultWithoutReservedSpaceFailsLoudlyAndLeavesNoTemporaryFile() throws Exception {
    Path dir = mount.resolve("journal");
    ResultJournal journal = new ResultJournal(dir);
    fill();
    assertFalse(journal.reserve("8", 1));
    assertThrows(UncheckedIOException.class, () -> journal.add(result("8", 10)));
    assertEquals(List.of(), leftovers(dir, ".tmp"));
    assertEquals(List.of(), journal.pending());
  }

  @Test
  void aRunFinishingOnAFullDiskIsStillReportedAndOfferedAgainAtTheNextHello() throws Exception {
    Path state = mount.resolve("state");
    ResultJournal journal = new ResultJournal(state.resolve("journal"));
    LinkedBlockingQueue<AgentMessage> sent = new LinkedBlockingQueue<>();
    try (ProcessRunner runner = new ProcessRunner(Clock.systemUTC())) {
      Runs runs = new Runs(runner, journal, new RunRecords(base.resolve("running")), base, 2,
          java.time.Clock.systemUTC());
      runs.outbox(sent::add);
      fill(); // no room even for the reservation: the result can live only in memory
      runs.assign(Assignment.newBuilder().setRunId("9").setAttempt(1).setEpoch(3).setJob("full")
          .setCommand(Command.newBuilder().setShell("echo done")).setSlots(1).build());
      RunFinished finished = null;
      for (AgentMessage m; finished == null && (m = sent.poll(10, TimeUnit.SECONDS)) != null; ) {
        if (m.hasFinished()) {
          finished = m.getFinished();
        }
      }
      assertTrue(finished != null, "the finished run was reported");
      assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, finished.getOutcome());
      assertEquals(0, runs.running(), "the run does not hang in the agent");
      List<HeldRun> held = runs.held();
      assertEquals(1, held.size(), held.toString());
      assertFalse(held.get(0).getRunning());
      assertEquals("9", held.get(0).getResult().getRunId());
      runs.acknowledged("9", 1);
      assertEquals(List.of(), runs.held());
      runs.close();
    }
  }
}
