package dev.baton.coordinator;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.access.AuditLog;
import dev.baton.coordinator.access.Tokens;
import dev.baton.coordinator.api.AccessServiceImpl;
import dev.baton.coordinator.api.ClusterServiceImpl;
import dev.baton.coordinator.api.ErrorMapper;
import dev.baton.coordinator.api.JobServiceImpl;
import dev.baton.coordinator.api.NotificationServiceImpl;
import dev.baton.coordinator.api.Refusing;
import dev.baton.coordinator.api.RequestChecks;
import dev.baton.coordinator.api.RunServiceImpl;
import dev.baton.coordinator.config.CoordinatorConfig;
import dev.baton.coordinator.dispatch.DispatchSettingsStore;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.coordinator.dispatch.ReadyQueue;
import dev.baton.coordinator.error.FatalHandler;
import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.job.TickLoop;
import dev.baton.coordinator.metrics.CoordinatorMetrics;
import dev.baton.coordinator.notify.Deliverer;
import dev.baton.coordinator.notify.Outbox;
import dev.baton.coordinator.notify.Webhooks;
import dev.baton.coordinator.request.RequestLog;
import dev.baton.coordinator.run.ActiveRuns;
import dev.baton.coordinator.run.BackfillQueue;
import dev.baton.coordinator.run.DeadLetters;
import dev.baton.coordinator.run.OutputStore;
import dev.baton.coordinator.run.RetryQueue;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.run.RunRetention;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.worker.AgentStreamService;
import dev.baton.proto.v1.CoordinatorInfo;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.ErrorReason;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Everything a leader holds in memory, rebuilt from the store: the indexes, the tick loop, the dispatcher, and the
 * services that use them. Built when a coordinator starts leading (at start when standalone; when elected in HA),
 * through the same code either way, and closed as a whole when it stops.
 */
final class LeaderState implements AutoCloseable {
  /** How often request records and audit records past their retention are removed. */
  private static final Duration SWEEP_INTERVAL = Duration.ofMinutes(10);

  final long epoch;
  final JobRegistry jobs;
  final Dispatcher dispatcher;
  final RunEventHub events;
  private final TickLoop ticker;
  private final RequestLog requests;
  private final RunRetention retention;
  private final Webhooks webhooks;
  private final Outbox outbox;
  private final Deliverer deliverer;
  final AuditLog audit;
  private Sweeps sweeps;
  private final List<ServerServiceDefinition> services;
  private final Store store;
  private final DeadLetters deadLetters;
  private final Supplier<List<CoordinatorInfo>> standbys;

  /** Restores the state from {@code store}; nothing runs until {@link #start}. */
  LeaderState(Store store, CoordinatorConfig config, Clock clock, long epoch, Supplier<String> address,
      CoordinatorRole role, Supplier<List<CoordinatorInfo>> standbys, BooleanSupplier stillLeads, Tokens tokens,
      CoordinatorMetrics metrics) {
    this.epoch = epoch;
    this.store = store;
    this.standbys = standbys;
    ReadyQueue readyQueue = new ReadyQueue(store);
    readyQueue.load();
    events = new RunEventHub();
    RunStore runs = new RunStore(store, readyQueue, events, clock);
    webhooks = new Webhooks(store, clock);
    ActiveRuns active = new ActiveRuns();
    active.load(store);
    events.subscribe(active);
    TickLoop[] tickerRef = new TickLoop[1];
    BackfillQueue backfills = new BackfillQueue(store);
    backfills.load();
    jobs = new JobRegistry(store, runs, active, backfills, clock, config.misfireGrace(), () -> tickerRef[0].wake());
    jobs.load();
    events.subscribe(metrics.listener(jobs::find));
    outbox = new Outbox(store, clock, webhooks, jobs::find);
    runs.onWrite(outbox);
    deliverer = new Deliverer(outbox, webhooks, clock);
    ticker = new TickLoop(jobs, clock);
    tickerRef[0] = ticker;
    OutputStore output = new OutputStore(store, runs, events, config.maxOutputBytes());
    DispatchSettingsStore dispatchSettings = new DispatchSettingsStore(store);
    RetryQueue retries = new RetryQueue(store);
    retries.load();
    deadLetters = new DeadLetters(store);
    dispatcher = new Dispatcher(store, runs, readyQueue, output, events, retries, deadLetters, dispatchSettings,
        jobs, active, backfills, clock, new java.util.Random(), new Dispatcher.Timing(
        config.heartbeatInterval(), config.workerTtl(), Coordinator.fenceMargin(config.workerTtl()),
        config.maxOutputBytes()),
        epoch);
    dispatcher.load();
    jobs.canceller(dispatcher::cancel);
    retention = new RunRetention(store, clock, config.retention(), jobs::names, dispatcher::forget);
    requests = new RequestLog(store, clock);
    audit = new AuditLog(store, clock, epoch);
    store.beforeCommit(audit::addCallRecord);

    ClusterServiceImpl.Identity identity = new ClusterServiceImpl.Identity(CoordinatorConfig.localHostName(),
        address, role, epoch, Timestamps.fromMillis(clock.millis()), Coordinator.VERSION, standbys);
    ServerInterceptor whileLeading = new WhileLeading(stillLeads);
    services = List.of(
        RequestChecks.around(new JobServiceImpl(jobs, requests, clock)),
        RequestChecks.around(new RunServiceImpl(runs, dispatcher, output, events, deadLetters, jobs.graph(),
            name -> jobs.find(name).isPresent(), requests)),
        RequestChecks.around(new ClusterServiceImpl(identity, jobs, readyQueue, dispatcher, dispatchSettings)),
        RequestChecks.around(new AccessServiceImpl(tokens, audit, config.authOn())),
        RequestChecks.around(new NotificationServiceImpl(webhooks, outbox)),
        new AgentStreamService(dispatcher, output, clock, config.authOn()).withAddresses())
        .stream().map(service -> ServerInterceptors.intercept(service, whileLeading)).toList();
  }

  /**
   * Refuses every call once the leader's lease may have run out, even before the election loop has switched the
   * services off: from that moment this coordinator answers nothing as leader, reads included.
   */
  private static final class WhileLeading implements ServerInterceptor {
    private final BooleanSupplier stillLeads;

    WhileLeading(BooleanSupplier stillLeads) {
      this.stillLeads = stillLeads;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
        ServerCallHandler<Q, R> next) {
      if (!stillLeads.getAsBoolean()) {
        return Refusing.refuse(call, ErrorMapper.status(com.google.rpc.Code.UNAVAILABLE,
            ErrorReason.ERROR_REASON_NOT_LEADER, "this coordinator is stepping down: its lease may have run out"));
      }
      return next.startCall(call, headers);
    }
  }

  /**
   * What the metrics report of this leader; empty if the dispatcher does not answer within a second (a scrape must
   * not hang on a busy coordinator: it then shows the leader's gauges absent for one scrape).
   */
  Optional<CoordinatorMetrics.LeaderGauges> gauges() {
    try {
      Dispatcher.Gauges dispatch = dispatcher.gauges().get(1, TimeUnit.SECONDS);
      return Optional.of(new CoordinatorMetrics.LeaderGauges(epoch, jobs.count(), dispatch, deadLetters.count(),
          standbys.get(), store.sizeBytes(Optional.of(ColumnFamily.OUTPUT))));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (ExecutionException | TimeoutException e) {
      return Optional.empty();
    }
  }

  /** The gRPC services a leader serves (JobService, RunService, ClusterService, AccessService, AgentService). */
  List<ServerServiceDefinition> services() {
    return services;
  }

  /** Starts ticking and dispatching. */
  void start(FatalHandler fatal) {
    ticker.onFatal(fatal);
    dispatcher.onFatal(fatal);
    sweeps = new Sweeps(SWEEP_INTERVAL, Map.of("request records", requests::sweep, "audit records", audit::sweep,
        "finished runs", retention::sweep, "webhook deliveries", outbox::sweep));
    ticker.start();
    dispatcher.start();
    deliverer.start();
  }

  /** Stops ticking and dispatching and ends the agent streams and the watchers; the store stays open. */
  @Override
  public void close() {
    store.beforeCommit(null);
    deliverer.close();
    ticker.close();
    dispatcher.close();
    if (sweeps != null) {
      sweeps.close();
    }
    events.endAll();
  }
}
