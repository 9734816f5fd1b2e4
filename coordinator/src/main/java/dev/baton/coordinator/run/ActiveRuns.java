package dev.baton.coordinator.run;

import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The runs of each job that are still active (queued, assigned, running, or waiting out a retry delay) for the
 * overlap policies. Follows every committed run change through the {@link RunEventHub}; rebuilt at start from the
 * store's ready queue, in-flight index and retry index, which together hold every active run.
 */
public final class ActiveRuns implements RunEventHub.Listener {
  private final Map<String, Set<Long>> byJob = new ConcurrentHashMap<>();

  /** Reads the active runs from the store. Call once at start, before runs change. */
  public void load(Store store) {
    store.scan(ColumnFamily.READY, null, null, false, (key, value) -> {
      add(new String(value, StandardCharsets.UTF_8), Keys.readyRunId(key));
      return true;
    });
    for (ColumnFamily cf : List.of(ColumnFamily.IN_FLIGHT, ColumnFamily.RETRIES)) {
      store.scan(cf, null, null, false, (key, value) -> {
        long runId = cf == ColumnFamily.RETRIES ? Keys.retryRunId(key) : Keys.runId(key);
        store.get(ColumnFamily.RUNS, Keys.run(runId), Run.parser()).ifPresent(run -> add(run.getJob(), runId));
        return true;
      });
    }
  }

  /**
   * Whether a run still counts against its job's overlap policy: queued, assigned, running, or waiting for a retry.
   * PENDING backfill runs do not: they are released only when the policy lets them in.
   */
  public static boolean isActive(Run run) {
    return (RunStateMachine.isActive(run.getState()) && run.getState() != RunState.RUN_STATE_PENDING)
        || ((run.getState() == RunState.RUN_STATE_FAILED || run.getState() == RunState.RUN_STATE_TIMED_OUT)
            && run.hasNextAttemptTime());
  }

  @Override
  public void onRun(Run run, RunState previous) {
    long id = Long.parseLong(run.getId());
    if (isActive(run)) {
      add(run.getJob(), id);
    } else {
      Set<Long> runs = byJob.get(run.getJob());
      if (runs != null) {
        runs.remove(id);
      }
    }
  }

  /** The active runs of {@code job}, oldest first. */
  public List<Long> of(String job) {
    Set<Long> runs = byJob.get(job);
    return runs == null ? List.of() : List.copyOf(runs);
  }

  /** How many runs are active, of all jobs. */
  public long count() {
    return byJob.values().stream().mapToLong(Set::size).sum();
  }

  private void add(String job, long runId) {
    byJob.computeIfAbsent(job, j -> new ConcurrentSkipListSet<>()).add(runId);
  }
}
