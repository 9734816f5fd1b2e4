package dev.baton.agent.stream;

import com.google.protobuf.util.Durations;
import dev.baton.client.Times;
import dev.baton.agent.Runs;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.AgentServiceGrpc;
import dev.baton.proto.v1.AssignmentRejected;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.Heartbeat;
import dev.baton.proto.v1.HeldRunDecision;
import dev.baton.proto.v1.Hello;
import dev.baton.proto.v1.RejectReason;
import dev.baton.proto.v1.Welcome;
import io.grpc.ManagedChannel;
import dev.baton.client.Credentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import dev.baton.client.LeaderRedirect;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one stream to the coordinator: says hello with everything it holds, heartbeats, turns instructions
 * into calls on {@link Runs}, and reconnects with capped exponential backoff and jitter when the stream drops.
 *
 * <p>It also fences the agent off: when no coordinator has been heard for {@code worker_ttl} minus the fence
 * margin, the coordinator is about to declare this worker dead and hand its runs to others, so the runs whose job
 * says {@code on_disconnect: KILL} are killed here first.
 */
public final class CoordinatorLink implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorLink.class);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  /**
   * Wait after the coordinator refused the agent's credentials or name (a certificate or token to fix, a token
   * revoked): long, so that a misconfigured agent neither floods the coordinator's audit log nor its own.
   */
  static final Duration REFUSED_BACKOFF = Duration.ofSeconds(30);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration FENCE_CHECK = Duration.ofMillis(100);
  /** Until a coordinator says otherwise (its Welcome), the defaults of DESIGN.md section 6. */
  private static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
  private static final Duration DEFAULT_MARGIN = Duration.ofSeconds(3);

  /** The coordinators the agent was given; it tries them in turn until one leads or names the leader. */
  private final List<String> targets;
  /** The coordinator the agent talks to now (or will next). */
  private volatile String target;
  /** Set when a standby named the leader: the next stream goes there at once. */
  private volatile String redirect;
  /** Set when a coordinator said no leader is elected: an election is under way, the next try comes soon. */
  private volatile boolean electing;
  /** The coordinator refused this agent's credentials or name: nothing changes by asking again soon. */
  private volatile boolean refused;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Hello identity;
  private final Runs runs;
  private final Clock clock;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-heartbeat");
    t.setDaemon(true);
    return t;
  });
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong highestEpoch = new AtomicLong();
  private final AtomicLong heartbeatSequence = new AtomicLong();
  /** Welcomes received over the agent's life: a stream that was welcomed resets the reconnect backoff. */
  private final AtomicLong welcomes = new AtomicLong();
  private final Object sendLock = new Object();
  private volatile ClientCallStreamObserver<AgentMessage> stream; // guarded by sendLock for sends
  private volatile boolean welcomed;
  private volatile Instant lastHeard;
  private volatile boolean fenced;
  private volatile Runnable reconnects = () -> {};
  private volatile Duration heartbeatInterval = Duration.ofSeconds(1);
  private volatile Duration workerTtl = DEFAULT_TTL;
  private volatile Duration fenceMargin = DEFAULT_MARGIN;
  private Thread connector;
  /** Output and results, sent as fast as the stream takes them. */
  private final OutputPump pump = new OutputPump(new OutputPump.Sink() {
    @Override
    public boolean ready() {
      ClientCallStreamObserver<AgentMessage> s = stream;
      return s != null && s.isReady();
    }

    @Override
    public void send(AgentMessage message) {
      sendNow(message);
    }

    @Override
    public boolean connected() {
      return welcomed;
    }
  });

  /**
   * @param targets one or more coordinators, {@code host:port[,host:port...]}: in HA mode any of them, since a standby
   *     names the leader
   * @param identity the hello without held runs (id, name, labels, slots, version); held runs are added at each
   *     connect
   */
  private final Credentials credentials;

  /**
   * @param credentials TLS (the cluster's CA, and the agent's certificate: with auth on, its name is the one
   *     the agent must say hello with) or plain text, and an agent token if it proves itself with one instead
   */
  public CoordinatorLink(String targets, Credentials credentials, Hello identity, Runs runs, Clock clock) {
    this.credentials = credentials;
    this.targets = LeaderRedirect.targets(targets);
    this.target = this.targets.get(0);
    this.identity = identity;
    this.runs = runs;
    this.clock = clock;
    this.lastHeard = clock.instant();
    runs.outbox(this::send);
  }

  public void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    connector = new Thread(this::connectLoop, "baton-link");
    connector.setDaemon(true);
    connector.start();
    timer.scheduleWithFixedDelay(this::tick, FENCE_CHECK.toMillis(), FENCE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether a coordinator has welcomed the current stream. */
  public boolean connected() {
    return welcomed;
  }

  /** Hears each reconnect after a stream ended (for the agent's metrics). */
  public void onReconnect(Runnable listener) {
    this.reconnects = listener;
  }

  private void connectLoop() {
    int failures = 0;
    while (running.get()) {
      CountDownLatch ended = new CountDownLatch(1);
      welcomed = false;
      long welcomesBefore = welcomes.get();
      redirect = null;
      electing = false;
      refused = false;
      try {
        ManagedChannel channel = channel(target);
        // The channel keeps its own reconnect backoff (up to 2 minutes); ours below is the one that should count.
        channel.resetConnectBackoff();
        AgentServiceGrpc.newStub(channel).withInterceptors(credentials.interceptor()).connect(new Responses(ended));
        send(AgentMessage.newBuilder()
            .setHello(identity.toBuilder().addAllHeldRuns(runs.held()).setHighestEpoch(highestEpoch.get()))
            .build());
        ended.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.warn("cannot open a stream to {}: {}", target, e.getMessage());
      }
      if (!running.get()) {
        return;
      }
      String leader = redirect;
      if (leader != null) {
        // A standby named the leader: go there now (a short pause, in case standbys disagree for a moment).
        log.info("{} is a standby; the leader is {}", target, leader);
        target = leader;
        failures = 0;
        try {
          Thread.sleep(FIRST_BACKOFF.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        continue;
      }
      failures = welcomes.get() > welcomesBefore ? 0 : failures + 1;
      if (failures > 0) {
        target = nextTarget(target);
      }
      // During an election the coordinators answer at once: ask again soon, not after an ever longer backoff, so
      // that the agent is back well inside its fence time.
      Duration backoff = electing ? FIRST_BACKOFF.multipliedBy(2)
          : refused ? REFUSED_BACKOFF
          : backoff(failures, backoffCap(workerTtl.minus(fenceMargin)));
      log.info("stream to {} ended; reconnecting in {} ms", target, backoff.toMillis());
      reconnects.run();
      try {
        Thread.sleep(backoff.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static boolean refusedCredentials(Throwable t) {
    io.grpc.Status.Code code = io.grpc.Status.fromThrowable(t).getCode();
    return code == io.grpc.Status.Code.UNAUTHENTICATED || code == io.grpc.Status.Code.PERMISSION_DENIED;
  }

  /** The coordinator to try after {@code current} failed: the next one given, round the list. */
  private String nextTarget(String current) {
    int at = targets.indexOf(current);
    return targets.get((at + 1) % targets.size());
  }

  /**
   * The channel to one coordinator. Its callbacks run on the transport's own thread ({@code directExecutor}), not
   * handed to a pool thread per message: they only queue work (a spawn, a timer task) or do short local I/O (an
   * acknowledgement's journal record), and the stream is this channel's only call.
   */
  private ManagedChannel channel(String address) {
    return channels.computeIfAbsent(address,
        a -> credentials.channelBuilder(a).maxInboundMessageSize(4 << 20).directExecutor().build());
  }

  /** Capped exponential backoff with jitter: a random wait between half and all of min(cap, first * 2^n). */
  static Duration backoff(int failures, Duration cap) {
    long ceiling = Math.min(cap.toMillis(), FIRST_BACKOFF.toMillis() << Math.min(failures, 16));
    return Duration.ofMillis(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
  }

  /**
   * A quarter of the time after which the agent fences itself off, at most {@link #MAX_BACKOFF}: after a
   * coordinator restart the agent tries again several times before its runs would be killed (1.75 s by default).
   */
  static Duration backoffCap(Duration fenceAfter) {
    Duration quarter = fenceAfter.dividedBy(4);
    return quarter.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF
        : quarter.compareTo(FIRST_BACKOFF) < 0 ? FIRST_BACKOFF : quarter;
  }

  /** Heartbeats while welcomed, and fences the agent off when the coordinator has been silent too long. */
  private void tick() {
    try {
      Instant now = clock.instant();
      Duration silence = Duration.between(lastHeard, now);
      if (silence.compareTo(workerTtl.minus(fenceMargin)) > 0) {
        if (!fenced) {
          fenced = true;
          runs.fence("no coordinator heard for " + silence.toMillis() + " ms");
        }
      } else {
        fenced = false;
      }
      if (welcomed && heartbeatDue(now)) {
        send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder()
            .setSequence(heartbeatSequence.incrementAndGet())
            .setFreeSlots(Math.max(0, runs.freeSlots()))
            .setRunning(runs.running())
            .setLoadAverage(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage())
            .setTime(Times.toProto(now))
            .setDraining(runs.draining())).build());
      }
    } catch (RuntimeException e) {
      log.warn("heartbeat failed: {}", e.getMessage());
    }
  }

  private volatile Instant lastHeartbeat = Instant.EPOCH;

  private boolean heartbeatDue(Instant now) {
    if (Duration.between(lastHeartbeat, now).compareTo(heartbeatInterval) >= 0) {
      lastHeartbeat = now;
      return true;
    }
    return false;
  }

  /**
   * What {@link Runs} reports: output and results go through the {@link OutputPump} (flow control, a result after
   * its output); everything else is small and goes out at once.
   */
  private void send(AgentMessage message) {
    if (message.hasOutput()) {
      pump.output(message.getOutput());
    } else if (message.hasFinished()) {
      pump.finished(message.getFinished());
    } else {
      sendNow(message);
    }
  }

  /** Sends on the current stream; while disconnected, messages are dropped (results wait in the journal). */
  private void sendNow(AgentMessage message) {
    synchronized (sendLock) {
      ClientCallStreamObserver<AgentMessage> s = stream;
      if (s == null) {
        return;
      }
      try {
        s.onNext(message);
      } catch (RuntimeException e) {
        log.debug("send failed: {}", e.getMessage());
      }
    }
  }

  private void onWelcome(Welcome welcome) {
    if (welcome.getEpoch() < highestEpoch.get()) {
      log.warn("coordinator at {} is in epoch {}, older than {} already seen: ignoring it", target,
          welcome.getEpoch(), highestEpoch.get());
      closeStream();
      return;
    }
    highestEpoch.set(welcome.getEpoch());
    heartbeatInterval = Duration.ofMillis(Math.max(100, Durations.toMillis(welcome.getHeartbeatInterval())));
    workerTtl = Duration.ofMillis(Durations.toMillis(welcome.getWorkerTtl()));
    fenceMargin = Duration.ofMillis(Durations.toMillis(welcome.getFenceMargin()));
    for (HeldRunDecision decision : welcome.getHeldRunDecisionsList()) {
      if (!decision.getKeep()) {
        runs.kill(decision.getRunId(), decision.getAttempt(), "the coordinator has moved on from this attempt");
      }
    }
    welcomed = true;
    welcomes.incrementAndGet();
    pump.wake();
    log.info("connected to {} (epoch {}, worker id {})", target, welcome.getEpoch(), welcome.getWorkerId());
  }

  /** Whether an instruction comes from a coordinator no older than the newest one seen. */
  private boolean current(long epoch) {
    return epoch >= highestEpoch.get();
  }

  private void closeStream() {
    synchronized (sendLock) {
      if (stream != null) {
        stream.cancel("stale coordinator", null);
      }
    }
  }

  /** What the coordinator sends. */
  private final class Responses implements ClientResponseObserver<AgentMessage, CoordinatorMessage> {
    private final CountDownLatch ended;

    Responses(CountDownLatch ended) {
      this.ended = ended;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<AgentMessage> requests) {
      synchronized (sendLock) {
        stream = requests;
      }
      requests.setOnReadyHandler(pump::wake);
    }

    @Override
    public void onNext(CoordinatorMessage message) {
      lastHeard = clock.instant();
      switch (message.getKindCase()) {
        case WELCOME -> onWelcome(message.getWelcome());
        case ASSIGN -> {
          var assign = message.getAssign();
          if (!current(assign.getEpoch())) {
            send(AgentMessage.newBuilder().setRejected(AssignmentRejected.newBuilder().setRunId(assign.getRunId())
                .setAttempt(assign.getAttempt()).setReason(RejectReason.REJECT_REASON_STALE_EPOCH)
                .setMessage("epoch " + assign.getEpoch() + " < " + highestEpoch.get())).build());
            return;
          }
          pump.window(assign.getMaxOutputBytes());
          runs.assign(assign);
        }
        case CANCEL -> {
          var cancel = message.getCancel();
          if (current(cancel.getEpoch())) {
            runs.cancel(cancel.getRunId(), cancel.getAttempt(), cancel.getReason(),
                Duration.ofMillis(Durations.toMillis(cancel.getKillGrace())));
          }
        }
        case ACK -> runs.acknowledged(message.getAck().getRunId(), message.getAck().getAttempt());
        case DRAIN -> {
          log.info("drained by the coordinator: {}", message.getDrain().getReason());
          runs.drain();
        }
        case HEARTBEAT_ACK -> { }
        default -> log.warn("unexpected message from the coordinator: {}", message.getKindCase());
      }
    }

    @Override
    public void onError(Throwable t) {
      Optional<String> leader = LeaderRedirect.leaderOf(t);
      if (leader.isPresent()) {
        redirect = leader.get();
      } else if (LeaderRedirect.noLeader(t)) {
        electing = true;
      } else if (refusedCredentials(t)) {
        refused = true;
        log.error("{} refused this agent: {} (asking again every {} s)", target, t.getMessage(),
            REFUSED_BACKOFF.toSeconds());
      } else if (Credentials.tlsFailure(t).isPresent()) {
        refused = true;
        log.error("TLS with {} failed: {} (is this agent's certificate from the cluster's CA, and --tls-ca that "
            + "CA? asking again every {} s)", target, Credentials.tlsFailure(t).get(), REFUSED_BACKOFF.toSeconds());
      } else {
        log.info("stream to {} broke: {}", target, t.getMessage());
      }
      end();
    }

    @Override
    public void onCompleted() {
      end();
    }

    private void end() {
      synchronized (sendLock) {
        stream = null;
      }
      welcomed = false;
      pump.disconnected();
      ended.countDown();
    }
  }

  @Override
  public void close() {
    if (!running.compareAndSet(true, false)) {
      return;
    }
    timer.shutdownNow();
    pump.close();
    synchronized (sendLock) {
      if (stream != null) {
        stream.onCompleted();
        stream = null;
      }
    }
    if (connector != null) {
      connector.interrupt();
    }
    channels.values().forEach(ManagedChannel::shutdown);
    try {
      for (ManagedChannel channel : channels.values()) {
        if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      }
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      channels.values().forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
  }
}
