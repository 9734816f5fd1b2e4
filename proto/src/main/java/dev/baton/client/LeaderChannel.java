package dev.baton.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A channel over one or more coordinators that follows the leader: each call goes to the coordinator that last
 * answered as leader (at first the first one given). A call a standby answers with the leader's address
 * ({@link LeaderRedirect}) is sent again to the leader, and one answered "no leader elected" is sent again every
 * 200 ms while the election lasts — both always safe, whatever the call: nothing acted on it. A call that finds its
 * coordinator unreachable, or that a leader deposed while answering, ({@code UNAVAILABLE}) is sent again, to the next
 * coordinator given, after a backoff, only if it cannot act twice ({@code idempotent}). All only while its deadline
 * lasts. Calls with one request
 * (unary and server-streaming) are sent again only before any response reached the caller; the others go to the
 * current coordinator as they are.
 */
final class LeaderChannel extends Channel {
  /**
   * Backoff before each further attempt after UNAVAILABLE, with several coordinators: about 10 s in all, the time
   * another coordinator needs to take over.
   */
  static final List<Duration> FAILOVER_BACKOFF = List.of(Duration.ofMillis(100), Duration.ofMillis(200),
      Duration.ofMillis(400), Duration.ofMillis(800), Duration.ofMillis(1600), Duration.ofSeconds(2),
      Duration.ofSeconds(2), Duration.ofSeconds(2));
  /** With one coordinator: a blip is ridden out, a coordinator that is down is said at once (under a second). */
  static final List<Duration> SINGLE_BACKOFF = List.of(Duration.ofMillis(100), Duration.ofMillis(200),
      Duration.ofMillis(400));
  private static final int MAX_REDIRECTS = 5;
  /** While an election is under way, how often a call asks again, and at most how many times (about 20 s). */
  static final Duration ELECTION_WAIT = Duration.ofMillis(200);
  private static final int MAX_ELECTION_WAITS = 100;

  private final List<String> targets;
  private final Function<String, ManagedChannel> connect;
  private final Predicate<MethodDescriptor<?, ?>> idempotent;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-client-retry");
    t.setDaemon(true);
    return t;
  });
  private volatile String current;
  private final List<Duration> backoff;

  LeaderChannel(List<String> targets, Function<String, ManagedChannel> connect,
      Predicate<MethodDescriptor<?, ?>> idempotent) {
    this.targets = List.copyOf(targets);
    this.connect = connect;
    this.idempotent = idempotent;
    this.current = this.targets.get(0);
    this.backoff = this.targets.size() > 1 ? FAILOVER_BACKOFF : SINGLE_BACKOFF;
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    if (method.getType().clientSendsOneMessage()) {
      return new FollowingCall<>(method, options);
    }
    return channel(current).newCall(method, options);
  }

  @Override
  public String authority() {
    return channel(current).authority();
  }

  /** The coordinator calls go to now. */
  String current() {
    return current;
  }

  ManagedChannel channel(String target) {
    return channels.computeIfAbsent(target, connect);
  }

  List<ManagedChannel> channels() {
    return List.copyOf(channels.values());
  }

  void shutdown() {
    timer.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdown);
  }

  private String next(String after) {
    int at = targets.indexOf(after);
    return targets.get((at + 1) % targets.size());
  }

  /** One call with one request, sent again to the leader or to the next coordinator as the class comment says. */
  private final class FollowingCall<Q, R> extends ClientCall<Q, R> {
    private final MethodDescriptor<Q, R> method;
    private final CallOptions options;
    private Listener<R> listener;
    private Metadata headers;
    private Q message;
    private int requested;
    private boolean halfClosed;
    private boolean cancelled;
    private int unavailableRetries;
    private int redirects;
    private int electionWaits;
    /** The coordinator last found unreachable: a standby naming it as leader does not know better yet. */
    private volatile String lastUnreachable;
    private ClientCall<Q, R> call;

    FollowingCall(MethodDescriptor<Q, R> method, CallOptions options) {
      this.method = method;
      this.options = options;
    }

    @Override
    public synchronized void start(Listener<R> listener, Metadata headers) {
      this.listener = listener;
      this.headers = headers;
      attempt(current);
    }

    private synchronized void attempt(String target) {
      if (cancelled) {
        return;
      }
      Metadata copy = new Metadata();
      copy.merge(headers);
      call = channel(target).newCall(method, options);
      call.start(new Attempt(target), copy);
      if (requested > 0) {
        call.request(requested);
      }
      if (message != null) {
        call.sendMessage(message);
      }
      if (halfClosed) {
        call.halfClose();
      }
    }

    @Override
    public synchronized void request(int n) {
      requested += n;
      call.request(n);
    }

    @Override
    public synchronized void cancel(String why, Throwable cause) {
      cancelled = true;
      call.cancel(why, cause);
    }

    @Override
    public synchronized void halfClose() {
      halfClosed = true;
      call.halfClose();
    }

    @Override
    public synchronized void sendMessage(Q m) {
      message = m;
      call.sendMessage(m);
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    /** What one attempt hears; headers wait until it is clear the attempt is the one the caller gets. */
    private final class Attempt extends Listener<R> {
      private final String target;
      private Metadata pendingHeaders;
      private boolean delivered;

      Attempt(String target) {
        this.target = target;
      }

      @Override
      public void onHeaders(Metadata h) {
        pendingHeaders = h;
      }

      @Override
      public void onMessage(R m) {
        deliverHeaders();
        delivered = true;
        current = target;
        listener.onMessage(m);
      }

      @Override
      public void onReady() {
        listener.onReady();
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        if (!delivered && !cancelled && again(status, trailers)) {
          return;
        }
        if (status.isOk()) {
          current = target;
        }
        deliverHeaders();
        listener.onClose(status, trailers);
      }

      /** Sends the call again if its answer says where or when; whether it did. */
      private boolean again(Status status, Metadata trailers) {
        Throwable failure = status.asRuntimeException(trailers);
        var leader = LeaderRedirect.leaderOf(failure);
        if (leader.isPresent() && !leader.get().equals(lastUnreachable) && redirects < MAX_REDIRECTS) {
          // A standby named the leader and acted on nothing: ask the leader, whatever the call.
          redirects++;
          current = leader.get();
          attempt(leader.get());
          return true;
        }
        if ((leader.isPresent() || LeaderRedirect.noLeader(failure)) && electionWaits < MAX_ELECTION_WAITS
            && !expiresBefore(ELECTION_WAIT)) {
          // An election is under way (or the leader named is the one found down): nothing was done; ask again soon.
          electionWaits++;
          redirects = 0;
          retryLater(ELECTION_WAIT, next(target));
          return true;
        }
        // UNKNOWN too: a coordinator killed in the middle of a call shows as "channel closed", and coordinators
        // themselves never answer UNKNOWN (their own failures are INTERNAL).
        boolean unreachable = status.getCode() == Status.Code.UNAVAILABLE || status.getCode() == Status.Code.UNKNOWN;
        if (unreachable && !LeaderRedirect.noLeader(failure)
            && idempotent.test(method) && unavailableRetries < backoff.size()
            && !expiresBefore(backoff.get(unavailableRetries))) {
          // Unreachable, or it lost its leadership while answering: only a call that cannot act twice goes again.
          lastUnreachable = target;
          redirects = 0;
          retryLater(backoff.get(unavailableRetries++), next(target));
          return true;
        }
        return false;
      }

      private void retryLater(Duration wait, String next) {
        current = next;
        timer.schedule(() -> attempt(next), wait.toMillis(), TimeUnit.MILLISECONDS);
      }

      private void deliverHeaders() {
        if (pendingHeaders != null) {
          listener.onHeaders(pendingHeaders);
          pendingHeaders = null;
        }
      }
    }

    private boolean expiresBefore(Duration wait) {
      return options.getDeadline() != null
          && options.getDeadline().timeRemaining(TimeUnit.MILLISECONDS) <= wait.toMillis();
    }
  }
}
