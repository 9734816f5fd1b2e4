package dev.baton.coordinator.metrics;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.run.RunStore;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.CoordinatorInfo;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.Worker;
import dev.baton.proto.v1.WorkerState;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A coordinator's Prometheus metrics (DESIGN.md section 9), served on {@code /metrics} of its HTTP port. Names follow
 * Prometheus conventions: one {@code baton_} prefix, base units as suffixes, counters ending in {@code _total}, label
 * values from small fixed sets — except worker and standby names (as many as the fleet) and, for jobs that opt in
 * with the label {@value #PER_JOB_LABEL}{@code =per-job}, job names, at most {@value #MAX_PER_JOB_JOBS} of them.
 *
 * <p>Counters and histograms follow committed run changes ({@link #listener}); gauges are read at the scrape from
 * the leader's state ({@link LeaderGauges}); a standby reports {@code baton_leader 0} and its store.
 */
public final class CoordinatorMetrics {
  public static final String PER_JOB_LABEL = "baton.dev/metrics";
  public static final String PER_JOB_VALUE = "per-job";
  public static final int MAX_PER_JOB_JOBS = 200;
  private static final Logger log = LoggerFactory.getLogger(CoordinatorMetrics.class);
  private static final double[] LATENCY_BUCKETS = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

  /**
   * What the leader reports at a scrape.
   *
   * @param epoch the epoch it leads in
   * @param jobs jobs defined
   * @param dispatch queue, in-flight runs and workers
   * @param deadLetters entries in the dead-letter queue
   * @param standbys the standbys and their replication lag (HA)
   * @param outputBytes bytes of run output stored
   */
  public record LeaderGauges(long epoch, long jobs, Dispatcher.Gauges dispatch, long deadLetters,
      List<CoordinatorInfo> standbys, long outputBytes) {}

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Clock clock;
  private final Counter runsFinished;
  private final Counter ticks;
  private final Counter jobTicks;
  private final Histogram dispatchLatency;
  private final Histogram scheduleLag;
  private final Set<String> perJobJobs = ConcurrentHashMap.newKeySet();
  private final java.util.concurrent.atomic.AtomicBoolean capWarned = new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * @param leader what the leader reports, read at each scrape; empty while this coordinator does not lead
   * @param storeBytes the size of this coordinator's store
   */
  public CoordinatorMetrics(Clock clock, Supplier<Optional<LeaderGauges>> leader, LongSupplier storeBytes) {
    this.clock = clock;
    JvmMetrics.builder().register(registry);
    runsFinished = Counter.builder().name("baton_runs_finished_total")
        .help("Runs that reached a final state (or the dead-letter queue), by that state")
        .labelNames("outcome").register(registry);
    ticks = Counter.builder().name("baton_ticks_total")
        .help("Schedule ticks by what became of them: ran, skipped (reason overlap, upstream, error) or missed "
            + "(reason misfire)")
        .labelNames("outcome", "reason").register(registry);
    jobTicks = Counter.builder().name("baton_job_ticks_total")
        .help("Schedule ticks of jobs labelled " + PER_JOB_LABEL + "=" + PER_JOB_VALUE + ", by job and outcome")
        .labelNames("job", "outcome").register(registry);
    dispatchLatency = Histogram.builder().name("baton_dispatch_latency_seconds")
        .help("From a run's attempt entering the queue to its process starting on a worker")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);
    scheduleLag = Histogram.builder().name("baton_schedule_lag_seconds")
        .help("From a schedule's tick to its run being queued (catch-up runs excluded)")
        .classicOnly().classicUpperBounds(LATENCY_BUCKETS).register(registry);

    gauge("baton_leader", "1 if this coordinator leads (or runs standalone), else 0",
        () -> leader.get().isPresent() ? 1 : 0);
    gauge("baton_epoch", "The epoch this coordinator leads in (0: not leading)",
        () -> leader.get().map(LeaderGauges::epoch).orElse(0L));
    gauge("baton_store_size_bytes", "Bytes of this coordinator's RocksDB store (SST files and memtables)",
        storeBytes::getAsLong);
    GaugeWithCallback.builder().name("baton_jobs").help("Jobs defined")
        .callback(cb -> leader.get().ifPresent(l -> cb.call(l.jobs()))).register(registry);
    GaugeWithCallback.builder().name("baton_runs").help("Runs not at rest, by state (retrying: waiting out a "
            + "retry delay; pending: backfills held back by their overlap policy)")
        .labelNames("state").callback(cb -> leader.get().ifPresent(l -> {
          Dispatcher.Gauges d = l.dispatch();
          cb.call(d.pending(), "pending");
          cb.call(d.queued().values().stream().mapToLong(Long::longValue).sum(), "queued");
          cb.call(d.assigned(), "assigned");
          cb.call(d.running(), "running");
          cb.call(d.retrying(), "retrying");
        })).register(registry);
    GaugeWithCallback.builder().name("baton_queue_depth").help("QUEUED runs by priority")
        .labelNames("priority").callback(cb -> leader.get().ifPresent(l -> {
          for (Map.Entry<Priority, Long> e : l.dispatch().queued().entrySet()) {
            cb.call(e.getValue(), e.getKey().name().replace("PRIORITY_", "").toLowerCase(Locale.ROOT));
          }
        })).register(registry);
    GaugeWithCallback.builder().name("baton_dead_letters").help("Entries in the dead-letter queue")
        .callback(cb -> leader.get().ifPresent(l -> cb.call(l.deadLetters()))).register(registry);
    GaugeWithCallback.builder().name("baton_output_stored_bytes").help("Bytes of run output kept in the store")
        .callback(cb -> leader.get().ifPresent(l -> cb.call(l.outputBytes()))).register(registry);
    GaugeWithCallback.builder().name("baton_workers")
        .help("Connected workers by state (live, draining, unhealthy: assignments it never started)")
        .labelNames("state").callback(cb -> leader.get().ifPresent(l -> {
          List<Worker> workers = l.dispatch().workers();
          for (WorkerState state : List.of(WorkerState.WORKER_STATE_LIVE, WorkerState.WORKER_STATE_DRAINING,
              WorkerState.WORKER_STATE_UNHEALTHY)) {
            cb.call(workers.stream().filter(w -> w.getState() == state).count(),
                state.name().replace("WORKER_STATE_", "").toLowerCase(Locale.ROOT));
          }
        })).register(registry);
    GaugeWithCallback.builder().name("baton_worker_slots").help("Slots of connected workers")
        .callback(cb -> leader.get().ifPresent(l -> cb.call(
            l.dispatch().workers().stream().mapToLong(Worker::getSlots).sum()))).register(registry);
    GaugeWithCallback.builder().name("baton_worker_slots_free").help("Free slots of connected workers")
        .callback(cb -> leader.get().ifPresent(l -> cb.call(
            l.dispatch().workers().stream().mapToLong(Worker::getFreeSlots).sum()))).register(registry);
    GaugeWithCallback.builder().name("baton_worker_heartbeat_age_seconds")
        .help("Seconds since each connected worker was last heard from")
        .labelNames("worker").callback(cb -> leader.get().ifPresent(l -> {
          long now = clock.millis();
          for (Worker w : l.dispatch().workers()) {
            cb.call(Math.max(0, now - Timestamps.toMillis(w.getLastHeartbeatTime())) / 1000.0, w.getName());
          }
        })).register(registry);
    GaugeWithCallback.builder().name("baton_replication_lag_sequences")
        .help("Store changes each standby has not applied yet (HA, on the leader)")
        .labelNames("standby").callback(cb -> leader.get().ifPresent(l -> l.standbys().forEach(s ->
            cb.call(s.getReplicationLag(), s.getName())))).register(registry);
    GaugeWithCallback.builder().name("baton_replication_lag_seconds")
        .help("How long each standby has been behind (HA, on the leader)")
        .labelNames("standby").callback(cb -> leader.get().ifPresent(l -> l.standbys().forEach(s ->
            cb.call(com.google.protobuf.util.Durations.toMillis(s.getReplicationLagTime()) / 1000.0,
                s.getName())))).register(registry);
    GaugeWithCallback.builder().name("baton_standby_in_sync")
        .help("1 if a standby is in sync (an acknowledged write waits for it), else 0 (HA, on the leader)")
        .labelNames("standby").callback(cb -> leader.get().ifPresent(l -> l.standbys().forEach(s ->
            cb.call(s.getInSync() ? 1 : 0, s.getName())))).register(registry);
  }

  private void gauge(String name, String help, Supplier<Number> value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.get().doubleValue()))
        .register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Follows one leader's committed run changes; {@code jobs} finds a run's job (for the per-job opt-in). */
  public RunEventHub.Listener listener(Function<String, Optional<Job>> jobs) {
    return new RunEventHub.Listener() {
      @Override
      public void onRun(Run run, RunState previous) {
        record(run, previous, jobs);
      }
    };
  }

  private void record(Run run, RunState previous, Function<String, Optional<Job>> jobs) {
    if (previous == RunState.RUN_STATE_UNSPECIFIED) {
      List<TickOutcome> outcomes = TickOutcome.of(run);
      boolean perJob = !outcomes.isEmpty() && perJob(run.getJob(), jobs);
      for (TickOutcome tick : outcomes) {
        ticks.labelValues(tick.outcome(), tick.reason()).inc(tick.ticks());
        if (perJob) {
          jobTicks.labelValues(run.getJob(), tick.outcome()).inc(tick.ticks());
        }
        if (tick.outcome().equals("ran") && !run.getCatchUp()) {
          // A tick decided ahead is queued before its time and held until then: no lag.
          scheduleLag.observe(seconds(Math.max(0, Timestamps.toMillis(run.getCreateTime())
              - Timestamps.toMillis(run.getScheduledTime()))));
        }
      }
    }
    if (previous == RunState.RUN_STATE_ASSIGNED && run.getState() == RunState.RUN_STATE_RUNNING
        && run.getAttemptsCount() > 0) {
      Attempt attempt = run.getAttempts(run.getAttemptsCount() - 1);
      if (attempt.hasQueueTime() && attempt.hasStartTime()) {
        dispatchLatency.observe(seconds(Timestamps.toMillis(attempt.getStartTime())
            - Timestamps.toMillis(attempt.getQueueTime())));
      }
    }
    if (RunStore.atRest(run) && run.getState() != previous) {
      runsFinished.labelValues(run.getState().name().replace("RUN_STATE_", "").toLowerCase(Locale.ROOT)).inc();
    }
  }

  /** Whether the job opted in to per-job series, and fits under the cap (the first ones seen keep their series). */
  private boolean perJob(String job, Function<String, Optional<Job>> jobs) {
    if (perJobJobs.contains(job)) {
      return true;
    }
    boolean optedIn = jobs.apply(job).map(j -> PER_JOB_VALUE.equals(j.getLabelsMap().get(PER_JOB_LABEL)))
        .orElse(false);
    if (!optedIn) {
      return false;
    }
    if (perJobJobs.size() >= MAX_PER_JOB_JOBS) {
      if (capWarned.compareAndSet(false, true)) {
        log.warn("job {} asks for per-job metrics, but {} jobs already have them: its ticks count only in "
            + "baton_ticks_total (so may others after it)", job, MAX_PER_JOB_JOBS);
      }
      return false;
    }
    perJobJobs.add(job);
    return true;
  }

  private static double seconds(long millis) {
    return Math.max(0, millis) / 1000.0;
  }
}
