package dev.baton.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's side of replication: its log read by sequence number, applied in order, and checkpoints. */
class StoreReplicationTest {
  @TempDir Path dir;

  private static void write(Store store, String key, String value) {
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.JOBS, bytes(key), bytes(value));
      batch.put(ColumnFamily.META, bytes("last"), bytes(key));
      store.commit(batch);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<String> read(Store store, ColumnFamily cf, String key) {
    return store.get(cf, bytes(key)).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  /** Applies everything the leader has after the replica's latest sequence number. */
  private static int catchUp(Store leader, Store replica) {
    int applied = 0;
    while (replica.latestSequence() < leader.latestSequence()) {
      for (WalBatch batch : leader.updatesSince(replica.latestSequence() + 1, 10)) {
        applied += replica.applyReplicated(batch) ? 1 : 0;
      }
    }
    return applied;
  }

  @Test
  void aReplicaFromACheckpointThenTheLogHasTheSameChangesAtTheSameSequenceNumbers() {
    try (Store leader = Store.open(dir.resolve("leader"), true)) {
      for (int i = 0; i < 5; i++) {
        write(leader, "job-" + i, "v" + i);
      }
      long atCheckpoint = leader.checkpoint(dir.resolve("copy"));
      assertEquals(leader.latestSequence(), atCheckpoint);
      try (Store replica = Store.open(dir.resolve("replica"), true)) {
        assertEquals(atCheckpoint, replica.replaceWith(dir.resolve("copy")));
        assertFalse(dir.resolve("copy").toFile().exists());
        assertEquals(Optional.of("v4"), read(replica, ColumnFamily.JOBS, "job-4"));

        for (int i = 5; i < 30; i++) {
          write(leader, "job-" + i, "v" + i);
          try (Batch delete = leader.batch()) {
            delete.delete(ColumnFamily.JOBS, bytes("job-" + (i - 5)));
            leader.commit(delete);
          }
        }
        assertEquals(50, catchUp(leader, replica));
        assertEquals(leader.latestSequence(), replica.latestSequence());
        for (int i = 0; i < 30; i++) {
          assertEquals(read(leader, ColumnFamily.JOBS, "job-" + i), read(replica, ColumnFamily.JOBS, "job-" + i));
        }
        assertEquals(Optional.of("job-29"), read(replica, ColumnFamily.META, "last"));
      }
    }
  }

  @Test
  void aBatchAlreadyAppliedIsSkippedAndOneThatLeavesAGapIsRefused() {
    try (Store leader = Store.open(dir.resolve("leader"), true);
        Store replica = Store.open(dir.resolve("replica"), true)) {
      replica.replaceWith(checkpointOf(leader));
      write(leader, "a", "1");
      write(leader, "b", "2");
      List<WalBatch> batches = leader.updatesSince(replica.latestSequence() + 1, 10);
      assertEquals(2, batches.size());
      assertEquals(2, batches.get(0).count(), "a put into jobs and one into meta");

      WalGapException gap = assertThrows(WalGapException.class, () -> replica.applyReplicated(batches.get(1)));
      assertTrue(gap.getMessage().contains("does not follow"), gap.getMessage());
      assertTrue(replica.applyReplicated(batches.get(0)));
      assertFalse(replica.applyReplicated(batches.get(0)), "applied twice: skipped");
      assertTrue(replica.applyReplicated(batches.get(1)));
      assertEquals(Optional.of("2"), read(replica, ColumnFamily.JOBS, "b"));
    }
  }

  private Path checkpointOf(Store store) {
    Path copy = dir.resolve("copy-" + System.nanoTime());
    store.checkpoint(copy);
    return copy;
  }

  @Test
  void theLogReadFromASequenceInsideABatchStartsWithThatBatch() {
    try (Store leader = Store.open(dir.resolve("leader"), true)) {
      write(leader, "a", "1");
      long first = leader.latestSequence() - 1; // the batch's two changes: first, first + 1
      List<WalBatch> batches = leader.updatesSince(first + 1, 10);
      assertEquals(first, batches.get(0).sequence());
      assertEquals(List.of(), leader.updatesSince(leader.latestSequence() + 1, 10), "nothing written yet");
    }
  }

  @Test
  void aLogWhoseOldFilesWereRemovedSaysSoInsteadOfSkippingAhead() {
    // Not replicated: flushed log files are deleted at once.
    try (Store leader = Store.open(dir.resolve("leader"), false)) {
      write(leader, "a", "1");
      leader.flush();
      write(leader, "b", "2");
      leader.flush();
      write(leader, "c", "3");
      assertThrows(WalGapException.class, () -> leader.updatesSince(1, 10));
    }
  }

  @Test
  void aReplicatedStoreKeepsFlushedLogFilesForStandbys() {
    try (Store leader = Store.open(dir.resolve("leader"), true)) {
      write(leader, "a", "1");
      leader.flush();
      write(leader, "b", "2");
      leader.flush();
      write(leader, "c", "3");
      List<WalBatch> batches = leader.updatesSince(1, 100);
      assertEquals(1, batches.get(0).sequence());
      assertEquals(leader.latestSequence(), batches.get(batches.size() - 1).last());
    }
  }

  @Test
  void aSyncedCommitWaitsForReplicationBeforeItsAfterCommitActions() {
    try (Store leader = Store.open(dir.resolve("leader"), true)) {
      AtomicLong awaited = new AtomicLong();
      List<String> order = new ArrayList<>();
      leader.replication(sequence -> {
        awaited.set(sequence);
        order.add("replicated");
      });
      try (Batch batch = leader.batch()) {
        batch.put(ColumnFamily.JOBS, bytes("a"), bytes("1"));
        batch.afterCommit(() -> order.add("after commit"));
        leader.commit(batch);
      }
      assertEquals(leader.latestSequence(), awaited.get());
      assertEquals(List.of("replicated", "after commit"), order);

      leader.replication(sequence -> {
        throw new StoreException("no standby has it");
      });
      try (Batch batch = leader.batch()) {
        batch.put(ColumnFamily.JOBS, bytes("b"), bytes("2"));
        batch.afterCommit(() -> order.add("never"));
        assertThrows(StoreException.class, () -> leader.commit(batch));
      }
      assertEquals(2, order.size());
      assertArrayEquals(bytes("2"), leader.get(ColumnFamily.JOBS, bytes("b")).orElseThrow(),
          "written here, but never acknowledged: a leader that cannot replicate steps down");
    }
  }
}
