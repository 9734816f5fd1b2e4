package dev.baton.coordinator;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.api.ClusterServiceImpl;
import dev.baton.coordinator.api.JobServiceImpl;
import dev.baton.coordinator.api.RequestChecks;
import dev.baton.coordinator.api.RunServiceImpl;
import dev.baton.coordinator.api.TransportLog;
import dev.baton.coordinator.config.CoordinatorConfig;
import dev.baton.coordinator.config.HostPort;
import dev.baton.coordinator.dispatch.ReadyQueue;
import dev.baton.coordinator.election.StandaloneEpoch;
import dev.baton.coordinator.error.FatalHandler;
import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.job.TickLoop;
import dev.baton.coordinator.request.RequestLog;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.dispatch.DispatchSettingsStore;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.coordinator.run.ActiveRuns;
import dev.baton.coordinator.run.BackfillQueue;
import dev.baton.coordinator.run.DeadLetters;
import dev.baton.coordinator.run.OutputStore;
import dev.baton.coordinator.run.RetryQueue;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.worker.AgentStreamService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.Closeable;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a coordinator process: opens the store, rebuilds the in-memory indexes from it, starts
 * the gRPC server and the tick loop. Standalone for now (no etcd): the epoch is a counter in the store.
 *
 * <p>Takes a {@link ServerBuilder} so that tests can pass an in-process one.
 */
public final class Coordinator implements Closeable {
  public static final String VERSION = "0.1.0";
  /** Largest request or response: DESIGN.md section 9. Bigger ones are RESOURCE_EXHAUSTED. */
  public static final int MAX_MESSAGE_BYTES = 4 << 20;

  /** How often request records older than a day are removed. */
  private static final java.time.Duration REQUEST_SWEEP_INTERVAL = java.time.Duration.ofMinutes(10);

  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);

  private final CoordinatorConfig config;
  private final ServerBuilder<?> serverBuilder;
  private final Clock clock;
  private final Lifecycle lifecycle = new Lifecycle("coordinator");
  private final HealthStatusManager health = new HealthStatusManager();

  private Store store;
  private JobRegistry jobs;
  private RunStore runs;
  private TickLoop ticker;
  private Dispatcher dispatcher;
  private Server server;
  private RequestLog requests;
  private long epoch;
  private FatalHandler fatal = FatalHandler.exitProcess();

  public Coordinator(CoordinatorConfig config, ServerBuilder<?> serverBuilder, Clock clock) {
    this.config = config;
    this.serverBuilder = serverBuilder;
    this.clock = clock;
  }

  /**
   * What the dispatch and tick loops do when they fail beyond one run or job (default: exit the process with status
   * {@link FatalHandler#EXIT_STATUS}). Call before {@link #start}.
   */
  public Coordinator onFatal(FatalHandler handler) {
    this.fatal = handler;
    return this;
  }

  /** Opens the store, restores state, starts serving. */
  public Coordinator start() throws IOException {
    lifecycle.transition(Lifecycle.State.STARTING);
    long started = System.nanoTime();
    store = Store.open(config.dataDir());
    epoch = StandaloneEpoch.advance(store);

    ReadyQueue readyQueue = new ReadyQueue(store);
    readyQueue.load();
    RunEventHub events = new RunEventHub();
    runs = new RunStore(store, readyQueue, events, clock);
    ActiveRuns active = new ActiveRuns();
    active.load(store);
    events.subscribe(active);
    TickLoop[] tickerRef = new TickLoop[1];
    BackfillQueue backfills = new BackfillQueue(store);
    backfills.load();
    jobs = new JobRegistry(store, runs, active, backfills, clock, config.misfireGrace(), () -> tickerRef[0].wake());
    jobs.load();
    ticker = new TickLoop(jobs, clock);
    tickerRef[0] = ticker;
    OutputStore output = new OutputStore(store, runs, events, config.maxOutputBytes());
    DispatchSettingsStore dispatchSettings = new DispatchSettingsStore(store);
    RetryQueue retries = new RetryQueue(store);
    retries.load();
    DeadLetters deadLetters = new DeadLetters(store);
    dispatcher = new Dispatcher(store, runs, readyQueue, output, events, retries, deadLetters, dispatchSettings,
        jobs, active, backfills, clock,
        new java.util.Random(), new Dispatcher.Timing(
        config.heartbeatInterval(), config.workerTtl(), fenceMargin(config.workerTtl()), config.maxOutputBytes()),
        epoch);
    dispatcher.load();
    jobs.canceller(dispatcher::cancel);

    ClusterServiceImpl.Identity identity = new ClusterServiceImpl.Identity(
        CoordinatorConfig.localHostName(), this::address, epoch, Timestamps.fromMillis(clock.millis()), VERSION);
    requests = new RequestLog(store, clock);
    requests.startSweeping(REQUEST_SWEEP_INTERVAL);
    TransportLog.install();
    server = serverBuilder
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .addService(RequestChecks.around(new JobServiceImpl(jobs, requests, clock)))
        .addService(RequestChecks.around(
            new RunServiceImpl(runs, dispatcher, output, events, deadLetters, jobs.graph(),
                name -> jobs.find(name).isPresent(), requests)))
        .addService(RequestChecks.around(
            new ClusterServiceImpl(identity, jobs, readyQueue, dispatcher, dispatchSettings)))
        .addService(new AgentStreamService(dispatcher, output, clock).withAddresses())
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build()
        .start();
    ticker.onFatal(fatal);
    dispatcher.onFatal(fatal);
    ticker.start();
    dispatcher.start();
    health.setStatus("", io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    lifecycle.transition(Lifecycle.State.RUNNING);
    log.info("coordinator standalone on {} (port {}), epoch {}, {} jobs, data in {}, ready in {} ms",
        config.listen(), port(), epoch, jobs.count(), config.dataDir().toAbsolutePath(),
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return this;
  }

  /**
   * How long before its TTL runs out an agent that has lost the coordinator kills its runs, so that they are dead
   * before the coordinator hands them to another worker: a third of the TTL, at most 3 s.
   */
  static java.time.Duration fenceMargin(java.time.Duration workerTtl) {
    java.time.Duration third = workerTtl.dividedBy(3);
    return third.compareTo(java.time.Duration.ofSeconds(3)) < 0 ? third : java.time.Duration.ofSeconds(3);
  }

  /** The port the server listens on (useful with port 0). */
  /** The address clients reach this coordinator at: the listen address with the port it actually has. */
  private String address() {
    HostPort listen = HostPort.parse(config.listen());
    String host = listen.host().contains(":") ? "[" + listen.host() + "]" : listen.host();
    return host + ":" + port();
  }

  public int port() {
    return server.getPort();
  }

  public long epoch() {
    return epoch;
  }

  /** The store (for tests that count its writes). */
  public Store store() {
    return store;
  }

  /** The dispatcher (for tests that drive its loop directly). */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  public JobRegistry jobs() {
    return jobs;
  }

  @Override
  public void close() {
    if (!lifecycle.tryTransition(Lifecycle.State.CLOSING)) {
      return;
    }
    health.enterTerminalState();
    if (server != null) {
      server.shutdown();
    }
    if (ticker != null) {
      ticker.close();
    }
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (requests != null) {
      requests.close();
    }
    if (server != null) {
      try {
        // Watch and follow streams may be open indefinitely: give calls in progress a moment, then end them.
        if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    if (store != null) {
      store.close();
    }
    lifecycle.transition(Lifecycle.State.CLOSED);
    log.info("coordinator stopped");
  }
}
