package dev.baton.coordinator.dispatch;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Run;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The persistent queue of runs waiting for a worker ({@link ColumnFamily#READY}), keyed so that RocksDB's order is
 * the PRIORITY policy's order: priority, then ready time, then run id. Keeps a count per priority in memory,
 * rebuilt from the store at start.
 */
public final class ReadyQueue {
  private static final byte[] EMPTY = new byte[0];

  private final Store store;
  /** Queued runs per {@link Priority} number (index 0 unused). */
  private final AtomicLongArray depth = new AtomicLongArray(Priority.values().length);

  public ReadyQueue(Store store) {
    this.store = store;
  }

  /** Counts what the store holds; call once at start, before anything is added. */
  public void load() {
    store.scan(ColumnFamily.READY, null, null, false, (key, value) -> {
      depth.incrementAndGet(Keys.readyPriority(key));
      return true;
    });
  }

  /** Adds {@code run} to the queue as part of {@code batch}. */
  public void add(Batch batch, Run run, Instant readyTime) {
    int priority = run.getPriority().getNumber();
    batch.put(ColumnFamily.READY, Keys.ready(priority, readyTime, Long.parseLong(run.getId())), EMPTY);
    batch.afterCommit(() -> depth.incrementAndGet(priority));
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
