package dev.baton.client;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.baton.proto.v1.AccessServiceGrpc;
import dev.baton.proto.v1.ClusterServiceGrpc;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.NotificationServiceGrpc;
import dev.baton.proto.v1.RunServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The client helper programs use to talk to Baton: connects to one coordinator or several (HA), follows the leader
 * (a standby names it; the call goes there), applies a default deadline to every unary call, gives every call that
 * takes a request id a fresh one, and sends a call again after UNAVAILABLE — to the next coordinator, with backoff,
 * within its deadline — only if it cannot act twice ({@link #IDEMPOTENT}, those with their request id included).
 *
 * <pre>{@code
 * try (BatonClient baton = BatonClient.connect("127.0.0.1:7070")) {
 *   Job job = baton.jobs().getJob(GetJobRequest.newBuilder().setName("backup").build());
 * }
 * }</pre>
 */
public final class BatonClient implements AutoCloseable {
  /** Where a client connects when it is told nothing else. */
  public static final String DEFAULT_TARGET = "127.0.0.1:7070";
  /** Environment variable naming the coordinator, host:port. */
  public static final String TARGET_ENV = "BATON_COORDINATOR";
  /** Deadline of a unary call that sets none. */
  public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(30);

  /**
   * Calls that may be sent twice without changing the outcome: reads, writes that set a state rather than add one,
   * and the writes that add one but carry a request id (set by {@link RequestIds}). Only these are retried.
   */
  static final Map<String, List<String>> IDEMPOTENT = Map.of(
      "baton.v1.JobService", List.of("GetJob", "ListJobs", "PauseJob", "ResumeJob", "ExplainSchedule",
          "CreateJob", "TriggerJob", "BackfillJob"),
      "baton.v1.RunService", List.of("GetRun", "ListRuns", "GetWave", "ListWaves", "GetDeadLetter",
          "ListDeadLetters", "RerunRun", "RedriveDeadLetter"),
      "baton.v1.ClusterService", List.of("GetClusterStatus", "ListWorkers", "GetWorker", "DrainWorker",
          "GetDispatchPolicy", "SetDispatchPolicy"),
      "baton.v1.AccessService", List.of("ListTokens", "RevokeToken", "ListAuditRecords", "WhoAmI"),
      "baton.v1.NotificationService", List.of("ListWebhooks", "ListDeliveries"));

  private final LeaderChannel leaderChannel;
  private final Channel channel;
  private final JobServiceGrpc.JobServiceBlockingStub jobs;
  private final RunServiceGrpc.RunServiceBlockingStub runs;
  private final ClusterServiceGrpc.ClusterServiceBlockingStub cluster;
  private final AccessServiceGrpc.AccessServiceBlockingStub access;
  private final NotificationServiceGrpc.NotificationServiceBlockingStub notifications;

  private BatonClient(LeaderChannel leaderChannel, Duration defaultDeadline, Credentials credentials) {
    this.leaderChannel = leaderChannel;
    this.channel = ClientInterceptors.intercept(leaderChannel, credentials.interceptor(),
        new DefaultDeadline(defaultDeadline), new RequestIds());
    this.jobs = JobServiceGrpc.newBlockingStub(channel);
    this.runs = RunServiceGrpc.newBlockingStub(channel);
    this.cluster = ClusterServiceGrpc.newBlockingStub(channel);
    this.access = AccessServiceGrpc.newBlockingStub(channel);
    this.notifications = NotificationServiceGrpc.newBlockingStub(channel);
  }

  /**
   * Connects in plain text, without a token, to {@code targets}: one coordinator ({@code host:port}), or several, comma-separated, in
   * HA mode (any of them will do: calls follow the leader).
   */
  public static BatonClient connect(String targets) {
    return connect(targets, Credentials.plaintext());
  }

  /** As {@link #connect(String)}, over TLS and with a token as {@code credentials} say. */
  public static BatonClient connect(String targets, Credentials credentials) {
    return new BatonClient(new LeaderChannel(LeaderRedirect.targets(targets),
        target -> configure(credentials.channelBuilder(target)), BatonClient::idempotent), DEFAULT_DEADLINE,
        credentials);
  }

  /** The target from {@code BATON_COORDINATOR} in {@code env}, or {@link #DEFAULT_TARGET}. */
  public static String targetFrom(java.util.Map<String, String> env) {
    String fromEnv = env.get(TARGET_ENV);
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_TARGET : fromEnv.trim();
  }

  /** Builds a client on any channel builder (tests pass an in-process one), adding retries and deadlines. */
  public static BatonClient create(ManagedChannelBuilder<?> builder) {
    return create(builder, DEFAULT_DEADLINE);
  }

  /**
   * As {@link #create(ManagedChannelBuilder)}, with another default deadline for unary calls. A leader another
   * coordinator names is dialled in plain text.
   */
  public static BatonClient create(ManagedChannelBuilder<?> builder, Duration defaultDeadline) {
    String first = "given";
    return new BatonClient(new LeaderChannel(List.of(first),
        target -> target.equals(first) ? configure(builder) : plaintext(target), BatonClient::idempotent),
        defaultDeadline, Credentials.plaintext());
  }

  private static ManagedChannel plaintext(String target) {
    return configure(ManagedChannelBuilder.forTarget(target).usePlaintext());
  }

  private static ManagedChannel configure(ManagedChannelBuilder<?> builder) {
    return builder.maxInboundMessageSize(4 << 20).build();
  }

  /** Whether a call may be sent again after UNAVAILABLE ({@link #IDEMPOTENT}). */
  static boolean idempotent(MethodDescriptor<?, ?> method) {
    List<String> methods = IDEMPOTENT.get(method.getServiceName());
    return methods != null && methods.contains(method.getBareMethodName());
  }

  /** The channel the stubs use (it follows the leader): for stubs of other kinds, such as async ones. */
  public Channel channel() {
    return channel;
  }

  /** The coordinator calls go to now: the last one that answered as leader. */
  public String currentCoordinator() {
    return leaderChannel.current();
  }

  public JobServiceGrpc.JobServiceBlockingStub jobs() {
    return jobs;
  }

  public RunServiceGrpc.RunServiceBlockingStub runs() {
    return runs;
  }

  public ClusterServiceGrpc.ClusterServiceBlockingStub cluster() {
    return cluster;
  }

  /** Tokens, the audit log, and who the coordinator takes this client for. */
  public AccessServiceGrpc.AccessServiceBlockingStub access() {
    return access;
  }

  /** Webhooks and their deliveries. */
  public NotificationServiceGrpc.NotificationServiceBlockingStub notifications() {
    return notifications;
  }

  @Override
  public void close() {
    leaderChannel.shutdown();
    try {
      for (ManagedChannel c : leaderChannel.channels()) {
        if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
          c.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      leaderChannel.channels().forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Gives every request that has a {@code request_id} field, and none set, a fresh random one (AIP-155), so that the
   * coordinator answers a retry of it — by gRPC's retry, or by the caller after an error — with the first answer.
   * The id is set once per call, before gRPC's retries, which resend the same bytes.
   */
  static final class RequestIds implements ClientInterceptor {
    static final String FIELD = "request_id";

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void sendMessage(Q message) {
          super.sendMessage(withRequestId(message));
        }
      };
    }

    @SuppressWarnings("unchecked")
    static <Q> Q withRequestId(Q message) {
      if (message instanceof Message m) {
        FieldDescriptor field = m.getDescriptorForType().findFieldByName(FIELD);
        if (field != null && field.getType() == FieldDescriptor.Type.STRING && ((String) m.getField(field)).isEmpty()) {
          return (Q) m.toBuilder().setField(field, UUID.randomUUID().toString()).build();
        }
      }
      return message;
    }
  }

  /** Gives unary calls without a deadline a default one; streams are left alone (they may follow for hours). */
  static final class DefaultDeadline implements ClientInterceptor {
    private final Duration deadline;

    DefaultDeadline(Duration deadline) {
      this.deadline = deadline;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      if (options.getDeadline() == null && method.getType() == MethodDescriptor.MethodType.UNARY) {
        options = options.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
      }
      return next.newCall(method, options);
    }
  }
}
