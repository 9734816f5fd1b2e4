package dev.baton.coordinator.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.Job;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
  @TempDir Path dir;

  @Test
  void aSecondOpenOfTheSameDataDirSaysWhoHasIt() {
    try (Store first = Store.open(dir)) {
      StoreException e = org.junit.jupiter.api.Assertions.assertThrows(StoreException.class, () -> Store.open(dir));
      org.junit.jupiter.api.Assertions.assertEquals("data dir " + dir + " is in use by another coordinator (pid "
          + ProcessHandle.current().pid() + "); stop it first, or give this one its own --data-dir", e.getMessage());
    }
  }

  @Test
  void committedValuesSurviveAReopen() {
    try (Store store = Store.open(dir)) {
      try (Batch batch = store.batch()) {
        batch.put(ColumnFamily.JOBS, Keys.job("a"), Jobs.shell("a").build());
        batch.put(ColumnFamily.RUNS, Keys.run(7), new byte[] {1});
        store.commit(batch);
      }
    }
    try (Store store = Store.open(dir)) {
      assertEquals("a", store.get(ColumnFamily.JOBS, Keys.job("a"), Job.parser()).orElseThrow().getName());
      assertArrayEquals(new byte[] {1}, store.get(ColumnFamily.RUNS, Keys.run(7)).orElseThrow());
    }
  }

  @Test
  void afterCommitActionsRunOnlyOnceDurable() {
    try (Store store = Store.open(dir)) {
      List<String> seen = new ArrayList<>();
      Batch batch = store.batch();
      batch.put(ColumnFamily.META, Keys.meta("x"), new byte[] {1});
      batch.afterCommit(() -> seen.add(store.contains(ColumnFamily.META, Keys.meta("x")) ? "visible" : "missing"));
      assertTrue(seen.isEmpty());
      store.commit(batch);
      assertEquals(List.of("visible"), seen);
    }
  }

  @Test
  void aBatchIsAllOrNothing() {
    try (Store store = Store.open(dir)) {
      Batch batch = store.batch();
      batch.put(ColumnFamily.JOBS, Keys.job("a"), new byte[] {1});
      batch.close(); // abandoned: never committed
      assertFalse(store.contains(ColumnFamily.JOBS, Keys.job("a")));
    }
  }

  @Test
  void refusesAStoreOfAnotherSchemaVersion() {
    try (Store store = Store.open(dir)) {
      try (Batch batch = store.batch()) {
        batch.put(ColumnFamily.META, Keys.meta("schema_version"), ByteBuffer.allocate(4).putInt(99).array());
        store.commit(batch);
      }
    }
    StoreException e = assertThrows(StoreException.class, () -> Store.open(dir));
    assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
  }

  @Test
  void keysSortNumericallyAndByTime() {
    try (Store store = Store.open(dir)) {
      try (Batch batch = store.batch()) {
        for (long id : new long[] {300, 2, 1_000_000, 45}) {
          batch.put(ColumnFamily.RUNS, Keys.run(id), new byte[0]);
        }
        batch.put(ColumnFamily.SCHEDULE, Keys.schedule(Instant.parse("2026-01-02T00:00:00Z"), "b"), new byte[0]);
        batch.put(ColumnFamily.SCHEDULE, Keys.schedule(Instant.parse("2026-01-01T00:00:00Z"), "z"), new byte[0]);
        store.commit(batch);
      }
      List<Long> ids = new ArrayList<>();
      store.scan(ColumnFamily.RUNS, null, null, false, (k, v) -> ids.add(Keys.runId(k)));
      assertEquals(List.of(2L, 45L, 300L, 1_000_000L), ids);
      assertEquals(1_000_000L, Keys.runId(store.lastKey(ColumnFamily.RUNS).orElseThrow()));
      List<String> jobs = new ArrayList<>();
      store.scan(ColumnFamily.SCHEDULE, null, null, false, (k, v) -> jobs.add(Keys.scheduleJob(k)));
      assertEquals(List.of("z", "b"), jobs);
    }
  }

  @Test
  void prefixScansStayWithinTheJob() {
    try (Store store = Store.open(dir)) {
      try (Batch batch = store.batch()) {
        batch.put(ColumnFamily.RUNS_BY_JOB, Keys.runOfJob("a", 1), new byte[0]);
        batch.put(ColumnFamily.RUNS_BY_JOB, Keys.runOfJob("a", 3), new byte[0]);
        batch.put(ColumnFamily.RUNS_BY_JOB, Keys.runOfJob("a.b", 2), new byte[0]);
        batch.put(ColumnFamily.RUNS_BY_JOB, Keys.runOfJob("ab", 4), new byte[0]);
        store.commit(batch);
      }
      List<Long> ids = new ArrayList<>();
      store.scanPrefix(ColumnFamily.RUNS_BY_JOB, Keys.runsOfJobPrefix("a"), true, (k, v) ->
          ids.add(Keys.runIdOfJobKey(k)));
      assertEquals(List.of(3L, 1L), ids);
    }
  }

  @Test
  void readyKeysOrderByPriorityThenTime() {
    byte[] highLate = Keys.ready(1, Instant.ofEpochMilli(2000), 9);
    byte[] mediumEarly = Keys.ready(2, Instant.ofEpochMilli(1000), 1);
    byte[] highEarly = Keys.ready(1, Instant.ofEpochMilli(1000), 10);
    assertTrue(java.util.Arrays.compareUnsigned(highEarly, highLate) < 0);
    assertTrue(java.util.Arrays.compareUnsigned(highLate, mediumEarly) < 0);
    assertEquals(10L, Keys.readyRunId(highEarly));
    assertEquals(1, Keys.readyPriority(highEarly));
  }
}
