package dev.baton.coordinator.dispatch;

import com.google.common.collect.Iterables;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.run.RunChanges;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Run;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The persistent queue of runs waiting for a worker ({@link ColumnFamily#READY}), keyed so that RocksDB's order is
 * the PRIORITY policy's order: priority, then the time the run was queued, then run id. An in-memory copy of the
 * keys, rebuilt from the store at start, lets dispatch walk the queue without reading RocksDB.
 */
public final class ReadyQueue {
  /** A queued run's place in the queue. Ordered as the store orders the keys. */
  public record Entry(int priority, long queuedMillis, long runId) implements Comparable<Entry> {
    @Override
    public int compareTo(Entry o) {
      int c = Integer.compare(priority, o.priority);
      if (c != 0) {
        return c;
      }
      c = Long.compare(queuedMillis, o.queuedMillis);
      return c != 0 ? c : Long.compare(runId, o.runId);
    }

    byte[] key() {
      return Keys.ready(priority, java.time.Instant.ofEpochMilli(queuedMillis), runId);
    }
  }

  private final Store store;
  private final NavigableSet<Entry> entries = new ConcurrentSkipListSet<>();
  /** The job of each queued run (the store keeps it as the entry's value), for policies that look at jobs. */
  private final Map<Long, String> jobs = new java.util.concurrent.ConcurrentHashMap<>();
  /** Queued runs per {@link Priority} number (index 0 unused). */
  private final AtomicLongArray depth = new AtomicLongArray(Priority.values().length);
  private volatile Runnable onAdd = () -> {};

  public ReadyQueue(Store store) {
    this.store = store;
  }

  /** Reads the queue from the store; call once at start, before anything is added. */
  public void load() {
    store.scan(ColumnFamily.READY, null, null, false, (key, value) -> {
      byte[] k = key;
      long queued = java.nio.ByteBuffer.wrap(k, 1, Long.BYTES).getLong();
      entries.add(new Entry(Keys.readyPriority(k), queued, Keys.readyRunId(k)));
      jobs.put(Keys.readyRunId(k), new String(value, java.nio.charset.StandardCharsets.UTF_8));
      depth.incrementAndGet(Keys.readyPriority(k));
      return true;
    });
  }

  /** Called after each commit that added a run (dispatch wakes up). */
  public void onAdd(Runnable listener) {
    this.onAdd = listener;
  }

  /** The queue entry of a QUEUED run: its priority, its current attempt's queue time, its id. */
  public static Entry entryOf(Run run) {
    return new Entry(run.getPriority().getNumber(),
        Timestamps.toMillis(RunChanges.current(run).getQueueTime()), Long.parseLong(run.getId()));
  }

  /** Adds a QUEUED run as part of {@code batch}. */
  public void add(Batch batch, Run run) {
    Entry entry = entryOf(run);
    batch.put(ColumnFamily.READY, entry.key(), run.getJob().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    batch.afterCommit(() -> {
      jobs.put(entry.runId(), run.getJob());
      if (entries.add(entry)) {
        depth.incrementAndGet(entry.priority());
      }
      onAdd.run();
    });
  }

  /** Removes a run that leaves the queue (assigned, cancelled, skipped) as part of {@code batch}. */
  public void remove(Batch batch, Entry entry) {
    batch.delete(ColumnFamily.READY, entry.key());
    batch.afterCommit(() -> {
      if (entries.remove(entry)) {
        depth.decrementAndGet(entry.priority());
      }
      jobs.remove(entry.runId());
    });
  }

  /** The job of a queued run. */
  public String jobOf(Entry entry) {
    return jobs.getOrDefault(entry.runId(), "");
  }

  /** Every queued run in key order, held ones included; a live view. */
  public NavigableSet<Entry> entries() {
    return entries;
  }

  /**
   * The queued runs whose queue time has come, in key order; a live view. A run queued for a later time (a tick
   * decided ahead of its time) is held until then. Within a priority the keys are in queue-time order, so the runs
   * held are the tail of each priority's range.
   */
  public Iterable<Entry> readyAt(Instant now) {
    long limit = now.toEpochMilli();
    List<Iterable<Entry>> levels = new ArrayList<>(4);
    for (Entry first = firstOfLevelFrom(0); first != null; first = firstOfLevelFrom(first.priority() + 1)) {
      levels.add(entries.subSet(new Entry(first.priority(), Long.MIN_VALUE, Long.MIN_VALUE), true,
          new Entry(first.priority(), limit, Long.MAX_VALUE), true));
    }
    return Iterables.concat(levels);
  }

  /** When the first run held by {@link #readyAt} becomes ready; empty if none is held at {@code now}. */
  public Optional<Instant> firstHeldAfter(Instant now) {
    long limit = now.toEpochMilli();
    long first = Long.MAX_VALUE;
    for (Entry level = firstOfLevelFrom(0); level != null; level = firstOfLevelFrom(level.priority() + 1)) {
      Entry held = entries.ceiling(new Entry(level.priority(), limit + 1, Long.MIN_VALUE));
      if (held != null && held.priority() == level.priority()) {
        first = Math.min(first, held.queuedMillis());
      }
    }
    return first == Long.MAX_VALUE ? Optional.empty() : Optional.of(Instant.ofEpochMilli(first));
  }

  /** The first entry of the lowest priority number at or above {@code priority}; null if none. */
  private Entry firstOfLevelFrom(int priority) {
    return entries.ceiling(new Entry(priority, Long.MIN_VALUE, Long.MIN_VALUE));
  }

  /** Queued runs per priority, HIGH first. */
  public Map<Priority, Long> depth() {
    Map<Priority, Long> out = new EnumMap<>(Priority.class);
    for (Priority p : new Priority[] {Priority.PRIORITY_HIGH, Priority.PRIORITY_MEDIUM, Priority.PRIORITY_LOW}) {
      out.put(p, depth.get(p.getNumber()));
    }
    return out;
  }
}
