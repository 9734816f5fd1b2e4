package dev.baton.coordinator.run;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * Failed runs waiting out their retry delay: a durable index by due time ({@link ColumnFamily#RETRIES}), with an
 * in-memory copy rebuilt at start. A coordinator restart in the middle of a delay keeps the due time.
 */
public final class RetryQueue {
  /** A pending retry. */
  public record Due(Instant at, long runId) implements Comparable<Due> {
    @Override
    public int compareTo(Due o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(runId, o.runId);
    }
  }

  private static final byte[] EMPTY = new byte[0];

  private final Store store;
  private final NavigableSet<Due> pending = new ConcurrentSkipListSet<>();

  public RetryQueue(Store store) {
    this.store = store;
  }

  public void load() {
    store.scan(ColumnFamily.RETRIES, null, null, false, (key, value) -> {
      pending.add(new Due(Keys.retryDue(key), Keys.retryRunId(key)));
      return true;
    });
  }

  public void add(Batch batch, long runId, Instant at) {
    Due due = new Due(Instant.ofEpochMilli(at.toEpochMilli()), runId);
    batch.put(ColumnFamily.RETRIES, Keys.retry(due.at(), runId), EMPTY);
    batch.afterCommit(() -> pending.add(due));
  }

  public void remove(Batch batch, Due due) {
    batch.delete(ColumnFamily.RETRIES, Keys.retry(due.at(), due.runId()));
    batch.afterCommit(() -> pending.remove(due));
  }

  /** Retries due at {@code now}, earliest first. */
  public List<Due> due(Instant now) {
    List<Due> out = new ArrayList<>();
    for (Due d : pending) {
      if (d.at().isAfter(now)) {
        break;
      }
      out.add(d);
    }
    return out;
  }

  /** How many runs wait out a retry delay. */
  public int size() {
    return pending.size();
  }

  /** The pending retry of a run, if any (for cancel). */
  public java.util.Optional<Due> of(long runId) {
    return pending.stream().filter(d -> d.runId() == runId).findFirst();
  }
}
