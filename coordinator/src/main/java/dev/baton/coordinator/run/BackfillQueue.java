package dev.baton.coordinator.run;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Backfill runs waiting (PENDING) to be released into the ready queue, per job, oldest first: a durable index
 * ({@link ColumnFamily#BACKFILL}) with an in-memory copy rebuilt at start. Dispatch releases them a few at a time,
 * honoring the job's overlap policy, so a backfill of a year never floods the queue.
 */
public final class BackfillQueue {
  private static final byte[] EMPTY = new byte[0];

  private final Store store;
  private final Map<String, NavigableSet<Long>> pending = new ConcurrentHashMap<>();

  public BackfillQueue(Store store) {
    this.store = store;
  }

  public void load() {
    store.scan(ColumnFamily.BACKFILL, null, null, false, (key, value) -> {
      int sep = indexOfSeparator(key);
      String job = new String(key, 0, sep, StandardCharsets.UTF_8);
      pending.computeIfAbsent(job, j -> new ConcurrentSkipListSet<>()).add(Keys.runIdOfJobKey(key));
      return true;
    });
  }

  public void add(Batch batch, String job, long runId) {
    batch.put(ColumnFamily.BACKFILL, Keys.runOfJob(job, runId), EMPTY);
    batch.afterCommit(() -> pending.computeIfAbsent(job, j -> new ConcurrentSkipListSet<>()).add(runId));
  }

  public void remove(Batch batch, String job, long runId) {
    batch.delete(ColumnFamily.BACKFILL, Keys.runOfJob(job, runId));
    batch.afterCommit(() -> {
      NavigableSet<Long> runs = pending.get(job);
      if (runs != null) {
        runs.remove(runId);
      }
    });
  }

  /** How many backfill runs are pending, of all jobs. */
  public long pendingCount() {
    return pending.values().stream().mapToLong(NavigableSet::size).sum();
  }

  /** Jobs with pending backfill runs. */
  public List<String> jobs() {
    return pending.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).sorted()
        .toList();
  }

  /** The oldest pending runs of a job, at most {@code limit}. */
  public List<Long> oldest(String job, int limit) {
    NavigableSet<Long> runs = pending.get(job);
    return runs == null ? List.of() : runs.stream().limit(limit).toList();
  }

  private static int indexOfSeparator(byte[] key) {
    for (int i = 0; i < key.length; i++) {
      if (key[i] == 0) {
        return i;
      }
    }
    throw new IllegalStateException("backfill key without separator: " + Arrays.toString(key));
  }
}
