package dev.baton.client;

import dev.baton.proto.v1.ClusterServiceGrpc;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.RunServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The client helper programs use to talk to Baton: builds a channel from a target, applies a default deadline to
 * every unary call, and retries only idempotent calls, only on UNAVAILABLE (through gRPC's own retry support, so
 * a retry is never sent after the server may have acted on a non-idempotent call).
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
   * Calls that may be sent twice without changing the outcome: reads, and writes that set a state rather than
   * add one. Only these are retried.
   */
  static final Map<String, List<String>> IDEMPOTENT = Map.of(
      "baton.v1.JobService", List.of("GetJob", "ListJobs", "PauseJob", "ResumeJob", "ExplainSchedule"),
      "baton.v1.RunService", List.of("GetRun", "ListRuns", "GetWave", "ListDeadLetters"),
      "baton.v1.ClusterService",
      List.of("GetClusterStatus", "ListWorkers", "DrainWorker", "GetDispatchPolicy", "SetDispatchPolicy"));

  private final ManagedChannel channel;
  private final JobServiceGrpc.JobServiceBlockingStub jobs;
  private final RunServiceGrpc.RunServiceBlockingStub runs;
  private final ClusterServiceGrpc.ClusterServiceBlockingStub cluster;

  private BatonClient(ManagedChannel channel) {
    this.channel = channel;
    this.jobs = JobServiceGrpc.newBlockingStub(channel);
    this.runs = RunServiceGrpc.newBlockingStub(channel);
    this.cluster = ClusterServiceGrpc.newBlockingStub(channel);
  }

  /** Connects to {@code target} ({@code host:port}) in plain text. */
  public static BatonClient connect(String target) {
    return create(ManagedChannelBuilder.forTarget(target).usePlaintext());
  }

  /** The target from {@code BATON_COORDINATOR}, or {@link #DEFAULT_TARGET}. */
  public static String targetFromEnvironment() {
    String fromEnv = System.getenv(TARGET_ENV);
    return fromEnv == null || fromEnv.isBlank() ? DEFAULT_TARGET : fromEnv.trim();
  }

  /** Builds a client on any channel builder (tests pass an in-process one), adding retries and deadlines. */
  public static BatonClient create(ManagedChannelBuilder<?> builder) {
    return create(builder, DEFAULT_DEADLINE);
  }

  /** As {@link #create(ManagedChannelBuilder)}, with another default deadline for unary calls. */
  public static BatonClient create(ManagedChannelBuilder<?> builder, Duration defaultDeadline) {
    return new BatonClient(builder
        .defaultServiceConfig(serviceConfig())
        .enableRetry()
        .maxInboundMessageSize(4 << 20)
        .intercept(new DefaultDeadline(defaultDeadline))
        .build());
  }

  /** The gRPC service config: a retry policy for the idempotent methods, on UNAVAILABLE only. */
  static Map<String, Object> serviceConfig() {
    List<Map<String, Object>> names = IDEMPOTENT.entrySet().stream()
        .flatMap(e -> e.getValue().stream().map(m -> Map.<String, Object>of("service", e.getKey(), "method", m)))
        .toList();
    Map<String, Object> retryPolicy = Map.of(
        "maxAttempts", 4.0,
        "initialBackoff", "0.1s",
        "maxBackoff", "1s",
        "backoffMultiplier", 2.0,
        "retryableStatusCodes", List.of("UNAVAILABLE"));
    return Map.of("methodConfig", List.of(Map.of("name", names, "retryPolicy", retryPolicy)));
  }

  public ManagedChannel channel() {
    return channel;
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

  @Override
  public void close() {
    channel.shutdown();
    try {
      if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
        channel.shutdownNow();
      }
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
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
