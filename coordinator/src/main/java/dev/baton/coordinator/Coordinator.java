package dev.baton.coordinator;

import com.google.common.base.Suppliers;
import com.google.rpc.Code;
import dev.baton.client.BuildInfo;
import dev.baton.client.Credentials;
import dev.baton.coordinator.access.AccessControl;
import dev.baton.coordinator.access.AccessRules;
import dev.baton.coordinator.access.Tokens;
import dev.baton.coordinator.api.ErrorMapper;
import dev.baton.coordinator.api.Refusing;
import dev.baton.coordinator.api.TransportLog;
import dev.baton.coordinator.config.CoordinatorConfig;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.coordinator.election.StandaloneEpoch;
import dev.baton.coordinator.error.FatalHandler;
import dev.baton.coordinator.ha.EtcdElection;
import dev.baton.coordinator.ha.Follower;
import dev.baton.coordinator.ha.Histories;
import dev.baton.coordinator.ha.ReplicationGate;
import dev.baton.coordinator.ha.ReplicationServer;
import dev.baton.coordinator.http.ApiRoutes;
import dev.baton.coordinator.http.JsonApi;
import dev.baton.coordinator.http.UiFiles;
import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.metrics.CoordinatorMetrics;
import dev.baton.coordinator.store.NotReplicatedException;
import dev.baton.coordinator.store.Store;
import dev.baton.ops.HostPort;
import dev.baton.ops.OpsServer;
import dev.baton.proto.v1.AccessServiceGrpc;
import dev.baton.proto.v1.AgentServiceGrpc;
import dev.baton.proto.v1.ClusterServiceGrpc;
import dev.baton.proto.v1.CoordinatorInfo;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.ErrorReason;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.NotificationServiceGrpc;
import dev.baton.proto.v1.ReplicationServiceGrpc;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.RunServiceGrpc;
import io.etcd.jetcd.Client;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.util.MutableHandlerRegistry;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a coordinator process: opens the store, starts the gRPC server, and leads — at once when
 * standalone (the epoch a counter in the store), or when elected through etcd in HA mode, following the leader as a
 * standby meanwhile. Leading is switched on in one place ({@link #lead}) and off in one place ({@link #stopLeading}):
 * the leader's state is rebuilt from the store on the way in, the same way as at a restart, and dropped on the way out.
 *
 * <p>Takes a {@link ServerBuilder} so that tests can pass an in-process one.
 */
public final class Coordinator implements Closeable {
  public static final String VERSION = BuildInfo.version();
  /** Largest request or response: DESIGN.md section 9. Bigger ones are RESOURCE_EXHAUSTED. */
  public static final int MAX_MESSAGE_BYTES = 4 << 20;

  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
  /** The services only a leader serves; others answer them with an error naming the leader. */
  public static final List<ServiceDescriptor> LEADER_SERVICES = List.of(JobServiceGrpc.getServiceDescriptor(),
      RunServiceGrpc.getServiceDescriptor(), ClusterServiceGrpc.getServiceDescriptor(),
      AccessServiceGrpc.getServiceDescriptor(), NotificationServiceGrpc.getServiceDescriptor(),
      AgentServiceGrpc.getServiceDescriptor(), ReplicationServiceGrpc.getServiceDescriptor());
  /** Where the admin token made on the first start with auth on is written, in the data directory. */
  public static final String ADMIN_TOKEN_FILE = "admin-token";

  private final CoordinatorConfig config;
  private final ServerBuilder<?> serverBuilder;
  private final Clock clock;
  private final Lifecycle lifecycle = new Lifecycle("coordinator");
  private final HealthStatusManager health = new HealthStatusManager();
  private final MutableHandlerRegistry handlers = new MutableHandlerRegistry();

  private Store store;
  private CoordinatorMetrics metrics;
  private AccessControl access;
  /** The HTTP port ({@code --http}): health, readiness, metrics, the JSON API; null when switched off. */
  private OpsServer http;
  /** The same services in-process, for the JSON API: its calls meet the same checks as gRPC ones. */
  private Server inProcess;
  private ManagedChannel inProcessChannel;
  /** The cluster's tokens (in the store): checked on every call, made and revoked by the leader. */
  private Tokens tokens;
  private Server server;
  private FatalHandler fatal = FatalHandler.exitProcess();
  private volatile LeaderState leader;

  // HA only
  private Client etcd;
  private EtcdElection election;
  private Follower follower;
  private ReplicationServer replication;
  private volatile Optional<EtcdElection.LeaderInfo> knownLeader = Optional.empty();
  private final Map<String, ManagedChannel> peers = new ConcurrentHashMap<>();

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

  /** Opens the store and starts serving: as the leader when standalone, as a standby (campaigning) in HA mode. */
  public Coordinator start() throws IOException {
    lifecycle.transition(Lifecycle.State.STARTING);
    long started = System.nanoTime();
    boolean ha = config.ha().enabled();
    store = Store.open(config.dataDir(), ha ? config.ha().walRetention() : Duration.ZERO);
    refuseLeaderServices(() -> ErrorMapper.status(Code.UNAVAILABLE, ErrorReason.ERROR_REASON_NO_LEADER,
        "the coordinator is starting; try again shortly"));
    TransportLog.install();
    tokens = new Tokens(store, clock);
    access = new AccessControl(new AccessRules(LEADER_SERVICES), tokens,
        config.authOn(), () -> Optional.ofNullable(leader).map(state -> state.audit));
    Supplier<Optional<CoordinatorMetrics.LeaderGauges>> gauges = Suppliers.memoizeWithExpiration(
        () -> Optional.ofNullable(leader).flatMap(LeaderState::gauges), 1, TimeUnit.SECONDS)::get;
    metrics = new CoordinatorMetrics(clock, gauges, () -> store.sizeBytes(Optional.empty()));
    server = serverBuilder
        .intercept(access)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .fallbackHandlerRegistry(handlers)
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .build()
        .start();
    if (!config.http().isEmpty()) {
      http = startHttp();
    }
    if (!ha) {
      lead(StandaloneEpoch.advance(store), Store.Replication.NONE, CoordinatorRole.COORDINATOR_ROLE_STANDALONE,
          List::of, () -> true);
      lifecycle.transition(Lifecycle.State.RUNNING);
      log.info("coordinator standalone on {} (port {}), epoch {}, {} jobs, data in {}, ready in {} ms; {}",
          config.listen(), port(), leader.epoch, leader.jobs.count(), config.dataDir().toAbsolutePath(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), securityLine());
      return this;
    }
    startStandby();
    etcd = etcdClient();
    election = new EtcdElection(etcd, config.ha().cluster(), address(), config.ha().leaseTtl(), new Roles());
    election.start();
    lifecycle.transition(Lifecycle.State.RUNNING);
    log.info("coordinator {} in HA mode (etcd {}, cluster '{}', lease TTL {} s), data in {}: a standby until "
        + "elected; {}", address(), String.join(",", config.ha().etcd()), config.ha().cluster(),
        config.ha().leaseTtl().toSeconds(), config.dataDir().toAbsolutePath(), securityLine());
    return this;
  }

  private OpsServer startHttp() throws IOException {
    String name = "baton-http-" + java.util.UUID.randomUUID();
    inProcess = InProcessServerBuilder.forName(name)
        .intercept(access)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES)
        .fallbackHandlerRegistry(handlers)
        .addService(health.getHealthService())
        .build()
        .start();
    inProcessChannel = InProcessChannelBuilder.forName(name).maxInboundMessageSize(MAX_MESSAGE_BYTES).build();
    // Every leader service's RPCs that the .proto files give an HTTP rule (the agent stream and replication have none).
    JsonApi api = new JsonApi(ApiRoutes.of(LEADER_SERVICES.stream()
        .map(s -> ((io.grpc.protobuf.ProtoServiceDescriptorSupplier) s.getSchemaDescriptor()).getServiceDescriptor())
        .toList()), inProcessChannel, MAX_MESSAGE_BYTES);
    try {
      return OpsServer.builder(config.http())
          .tls(config.security().tls())
          .metrics(metrics.registry())
          .readiness(this::notReadyBecause)
          .metricsAccess(this::mayReadMetrics)
          .mount("/api/", api)
          .mount("/", new UiFiles())
          .start();
    } catch (IOException e) {
      throw new IOException("http " + config.http() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Ready ({@code /readyz}) is a leader with its state restored, or a standby following the leader: a load balancer
   * or supervisor can tell the one that answers from the ones that redirect or cannot.
   */
  private Optional<String> notReadyBecause() {
    if (leader != null) {
      return Optional.empty();
    }
    Follower f = follower;
    if (f != null && f.connected()) {
      return Optional.empty();
    }
    return Optional.of(lifecycle.state() != Lifecycle.State.RUNNING ? "the coordinator is " + lifecycle.state()
        .name().toLowerCase(java.util.Locale.ROOT) : "a standby not following a leader yet");
  }

  /** With auth on, {@code /metrics} needs a token of a viewer or more (Prometheus sends it as a bearer token). */
  private Optional<OpsServer.Refusal> mayReadMetrics(com.sun.net.httpserver.HttpExchange exchange) {
    if (!config.authOn()) {
      return Optional.empty();
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization == null) {
      return Optional.of(new OpsServer.Refusal(401, "metrics need a token (Authorization: Bearer TOKEN)"));
    }
    try {
      Role role = access.bearer(authorization).role();
      return AccessRules.allows(role, Role.ROLE_VIEWER) ? Optional.empty()
          : Optional.of(new OpsServer.Refusal(403, "metrics need a viewer's token or more"));
    } catch (StatusRuntimeException e) {
      return Optional.of(new OpsServer.Refusal(401, e.getStatus().getDescription()));
    }
  }

  /** The HTTP port (useful with port 0); -1 when there is none. */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /** One line on how this coordinator guards its port, for its log. */
  private String securityLine() {
    return (config.security().tls().isPresent() ? "TLS (agents by certificate)" : "plain text")
        + (config.authOn() ? ", every call needs a token or certificate" : ", no auth (loopback)");
  }

  /**
   * The etcd client: TLS with this coordinator's certificate when the endpoints are written {@code https://...}
   * (etcd's {@code --client-cert-auth} and {@code --trusted-ca-file} then check it against the same CA).
   */
  private Client etcdClient() {
    io.etcd.jetcd.ClientBuilder builder = Client.builder().endpoints(config.ha().etcd().stream()
        .map(e -> e.contains("://") ? e : "http://" + e).toArray(String[]::new));
    boolean tls = config.ha().etcd().stream().anyMatch(e -> e.startsWith("https://"));
    if (tls) {
      Credentials.TlsFiles files = config.security().tls().get(); // the config refuses https without TLS files
      try {
        builder.sslContext(ssl -> {
          ssl.trustManager(files.ca().toFile());
          files.cert().ifPresent(cert -> ssl.keyManager(cert.toFile(), files.key().get().toFile()));
        });
      } catch (javax.net.ssl.SSLException e) {
        throw new IllegalStateException("cannot set up TLS to etcd: " + e.getMessage(), e);
      }
    }
    return builder.build();
  }

  /** What the election does to this coordinator. */
  private final class Roles implements EtcdElection.Listener {
    @Override
    public void elected(EtcdElection.Leadership leadership) {
      stopStandby();
      long epoch = leadership.epoch();
      store.replication(Store.Replication.NONE); // the era's first change; standbys get it from the log
      Histories.begin(store, epoch);
      ReplicationGate gate = new ReplicationGate(address(), leadership.inSyncSet(),
          config.ha().leaseTtl().dividedBy(3), store, leadership::valid);
      replication = new ReplicationServer(store, epoch, gate);
      ReplicationServer server = replication;
      lead(epoch, sequence -> {
        server.wake();
        gate.awaitReplicated(sequence);
      }, CoordinatorRole.COORDINATOR_ROLE_LEADER, () -> standbys(gate), leadership::valid);
      log.info("leading in epoch {} with {} jobs", epoch, leader.jobs.count());
    }

    @Override
    public void deposed(String why) {
      log.warn("no longer the leader: {}", why);
      stopLeading();
      startStandby();
    }

    @Override
    public void leaderChanged(Optional<EtcdElection.LeaderInfo> now) {
      knownLeader = now;
      log.info("the leader is {}", now.map(l -> l.address() + " (epoch " + l.epoch() + ")").orElse("not elected"));
      Follower f = follower;
      if (f != null && now.isPresent() && !now.get().address().equals(address())) {
        f.follow(new Follower.Leader(now.get().address(), now.get().epoch()));
      }
    }
  }

  /** The standbys as the leader sees them, for the cluster status. */
  private static List<CoordinatorInfo> standbys(ReplicationGate gate) {
    return gate.standings().entrySet().stream().map(e -> CoordinatorInfo.newBuilder()
        .setName(e.getKey())
        .setAddress(e.getKey())
        .setRole(CoordinatorRole.COORDINATOR_ROLE_STANDBY)
        .setReplicationLag(e.getValue().behind())
        .setReplicationLagTime(com.google.protobuf.util.Durations.fromNanos(e.getValue().behindFor().toNanos()))
        .setInSync(e.getValue().inSync())
        .setConnected(e.getValue().connected())
        .build()).toList();
  }

  /** Starts leading in {@code epoch}: the state restored from the store, its services served, then the loops. */
  private void lead(long epoch, Store.Replication replicated, CoordinatorRole role,
      Supplier<List<CoordinatorInfo>> standbys, java.util.function.BooleanSupplier stillLeads) {
    store.replication(replicated);
    LeaderState state = new LeaderState(store, config, clock, epoch, this::address, role, standbys, stillLeads,
        tokens, metrics);
    for (ServerServiceDefinition service : state.services()) {
      handlers.addService(service);
    }
    if (replication != null) {
      handlers.addService(replication);
    }
    if (config.authOn()) {
      bootstrapAdminToken(); // a replicated write: once standbys can follow
    }
    leader = state;
    state.start(fatal);
    health.setStatus("", ServingStatus.SERVING);
  }

  /** On the first start with auth on: an admin token, written 0600 to the data directory (never allowed by default). */
  private void bootstrapAdminToken() {
    Path file = config.dataDir().resolve(ADMIN_TOKEN_FILE);
    try {
      if (tokens.bootstrap(file)) {
        log.warn("auth is on and no token existed: wrote an admin token to {} (mode 0600). Use it to create "
            + "tokens (baton token create NAME --role ROLE), then keep it safe or revoke it", file.toAbsolutePath());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write the admin token to " + file + ": " + e.getMessage(), e);
    }
  }

  /** Stops leading: nothing more is acknowledged, the loops stop, agent streams end, the services refuse. */
  private void stopLeading() {
    store.replication(sequence -> {
      throw new NotReplicatedException("this coordinator no longer leads");
    });
    health.setStatus("", ServingStatus.NOT_SERVING);
    refuseLeaderServices(this::notLeader);
    dropLeaderState();
  }

  /** Closes the leader's state and its replication streams, if it leads. */
  private void dropLeaderState() {
    LeaderState state = leader;
    leader = null;
    if (state != null) {
      state.close();
    }
    if (replication != null) {
      replication.close();
      replication = null;
    }
  }

  private void startStandby() {
    store.replication(sequence -> {
      throw new NotReplicatedException("a standby writes nothing but the leader's log");
    });
    health.setStatus("", ServingStatus.NOT_SERVING);
    refuseLeaderServices(this::notLeader);
    follower = new Follower(store, address(), address(), this::peer);
    knownLeader.filter(l -> !l.address().equals(address()))
        .ifPresent(l -> follower.follow(new Follower.Leader(l.address(), l.epoch())));
  }

  private void stopStandby() {
    if (follower != null) {
      follower.close();
      follower = null;
    }
  }

  private void refuseLeaderServices(Supplier<StatusRuntimeException> answer) {
    for (ServiceDescriptor service : LEADER_SERVICES) {
      handlers.addService(Refusing.service(service, answer));
    }
  }

  /** What a standby answers: the leader's address to ask instead, or that there is none yet. */
  private StatusRuntimeException notLeader() {
    Optional<EtcdElection.LeaderInfo> l = knownLeader;
    if (l.isEmpty() || l.get().address().equals(address())) {
      return ErrorMapper.status(Code.UNAVAILABLE, ErrorReason.ERROR_REASON_NO_LEADER,
          "no leader is elected right now; try again shortly");
    }
    return ErrorMapper.status(Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_NOT_LEADER,
        "this coordinator is a standby; the leader is " + l.get().address() + " (epoch " + l.get().epoch() + ")",
        Map.of("leader", l.get().address(), "epoch", Long.toString(l.get().epoch())));
  }

  private Channel peer(String address) {
    // Coordinators prove themselves to each other with their own certificates (OU=coordinator).
    return peers.computeIfAbsent(address, a -> Credentials.of(config.security().tls()).channelBuilder(a)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES).build());
  }

  /**
   * How long before its TTL runs out an agent that has lost the coordinator kills its runs, so that they are dead
   * before the coordinator hands them to another worker: a third of the TTL, at most 3 s.
   */
  static Duration fenceMargin(Duration workerTtl) {
    Duration third = workerTtl.dividedBy(3);
    return third.compareTo(Duration.ofSeconds(3)) < 0 ? third : Duration.ofSeconds(3);
  }

  /**
   * The address others reach this coordinator at: {@code --advertise}, else the listen address with the port it
   * actually has (a wildcard host replaced by this host's name).
   */
  String address() {
    if (!config.ha().advertise().isEmpty()) {
      return config.ha().advertise();
    }
    HostPort listen = HostPort.parse(config.listen());
    String host = listen.host();
    if (host.equals("0.0.0.0") || host.equals("::")) {
      host = CoordinatorConfig.localHostName();
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
  }

  /** The port the server listens on (useful with port 0). */
  public int port() {
    return server.getPort();
  }

  /** The epoch this coordinator leads in; 0 while it does not lead. */
  public long epoch() {
    LeaderState state = leader;
    return state == null ? 0 : state.epoch;
  }

  /** Whether this coordinator leads now. */
  public boolean leading() {
    return leader != null;
  }

  /** The store (for tests that count its writes). */
  public Store store() {
    return store;
  }

  /** The dispatcher (for tests that drive its loop directly). */
  public Dispatcher dispatcher() {
    return leader.dispatcher;
  }

  public JobRegistry jobs() {
    return leader.jobs;
  }

  @Override
  public void close() {
    if (!lifecycle.tryTransition(Lifecycle.State.CLOSING)) {
      return;
    }
    health.enterTerminalState();
    if (http != null) {
      http.close();
    }
    if (inProcessChannel != null) {
      inProcessChannel.shutdownNow();
      inProcess.shutdownNow();
    }
    if (server != null) {
      server.shutdown();
    }
    if (election != null) {
      election.close(); // deposes this coordinator if it led
    }
    stopStandby();
    dropLeaderState();
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
    peers.values().forEach(ManagedChannel::shutdownNow);
    if (etcd != null) {
      etcd.close();
    }
    if (store != null) {
      store.close();
    }
    lifecycle.transition(Lifecycle.State.CLOSED);
    log.info("coordinator stopped");
  }
}
