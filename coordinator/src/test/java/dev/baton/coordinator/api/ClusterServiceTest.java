package dev.baton.coordinator.api;

import static dev.baton.coordinator.testing.GrpcAssertions.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.TriggerJobRequest;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterServiceTest {
  @TempDir Path dir;
  private InProcessCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:00Z"));
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  @Test
  void statusShowsTheStandaloneCoordinatorItsEpochJobsAndQueue() throws Exception {
    var jobs = coordinator.client().jobs();
    jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("hi").setPriority(Priority.PRIORITY_HIGH)).build());
    jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("lo").setPriority(Priority.PRIORITY_LOW).setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
    jobs.triggerJob(TriggerJobRequest.newBuilder().setName("hi").build());
    jobs.triggerJob(TriggerJobRequest.newBuilder().setName("lo").build());
    jobs.triggerJob(TriggerJobRequest.newBuilder().setName("lo").build());

    ClusterStatus status = coordinator.client().cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    assertEquals(CoordinatorRole.COORDINATOR_ROLE_STANDALONE, status.getSelf().getRole());
    assertEquals(1, status.getEpoch());
    assertEquals(2, status.getJobs());
    assertEquals(List.of(1L, 0L, 2L), status.getQueueDepthList().stream().map(d -> d.getQueued()).toList());

    coordinator.restart();
    status = coordinator.client().cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    assertEquals(2, status.getEpoch(), "the epoch grows on every start");
    assertEquals(3, status.getActiveRuns(), "queued runs are counted again from the store");
  }

  @Test
  void activeRunsCountPendingBackfillRunsToo() throws Exception {
    var jobs = coordinator.client().jobs();
    jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("nightly").setSchedule("0 3 * * *")).build());
    int created = jobs.backfillJob(dev.baton.proto.v1.BackfillJobRequest.newBuilder().setName("nightly")
        .setFrom(com.google.protobuf.util.Timestamps.parse("2026-11-18T00:00:00Z"))
        .setTo(com.google.protobuf.util.Timestamps.parse("2026-11-22T00:00:00Z")).build()).getRunsCount();
    assertEquals(4, created);
    ClusterStatus status =
        coordinator.client().cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    assertEquals(4, status.getActiveRuns(), "one released into the queue, three pending behind it (overlap forbid)");
  }

  @Test
  void addressesAreTheOnesToDialEvenWithAPickedPort() throws Exception {
    dev.baton.coordinator.config.CoordinatorConfig config = new dev.baton.coordinator.config.CoordinatorConfig(
        "127.0.0.1:0", "", dir.resolve("netty"), false, java.time.Duration.ofSeconds(60),
        java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(1), 1L << 20,
        dev.baton.coordinator.config.CoordinatorConfig.Ha.STANDALONE,
        dev.baton.coordinator.config.CoordinatorConfig.Security.NONE,
        dev.baton.coordinator.run.RunRetention.Settings.DEFAULT);
    try (dev.baton.coordinator.Coordinator real = new dev.baton.coordinator.Coordinator(config,
            io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder.forAddress(
                new java.net.InetSocketAddress("127.0.0.1", 0)), FakeClock.at("2026-11-22T10:00:00Z")).start();
        dev.baton.client.BatonClient client = dev.baton.client.BatonClient.connect("127.0.0.1:" + real.port())) {
      ClusterStatus status = client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
      assertEquals("127.0.0.1:" + real.port(), status.getSelf().getAddress());
      assertEquals("127.0.0.1:" + real.port(), status.getLeaderAddress());
      dev.baton.coordinator.testing.FakeAgent agent = new dev.baton.coordinator.testing.FakeAgent(client.channel(),
          "w1", 1, List.of());
      try {
        agent.next(dev.baton.proto.v1.CoordinatorMessage::hasWelcome);
        String address = client.cluster().listWorkers(dev.baton.proto.v1.ListWorkersRequest.getDefaultInstance())
            .getWorkers(0).getAddress();
        assertTrue(address.matches("127\\.0\\.0\\.1:\\d+"), address);
      } finally {
        agent.close();
      }
    }
  }

  @Test
  void noWorkersYetAndDrainingAnUnknownOneIsNotFound() {
    assertEquals(0, coordinator.client().cluster().listWorkers(ListWorkersRequest.getDefaultInstance())
        .getWorkersCount());
    assertStatus(Status.Code.NOT_FOUND, () -> coordinator.client().cluster().drainWorker(
        dev.baton.proto.v1.DrainWorkerRequest.newBuilder().setWorker("w1").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> coordinator.client().cluster().drainWorker(
        dev.baton.proto.v1.DrainWorkerRequest.getDefaultInstance()));
  }

  @Test
  void theDispatchPolicyIsSwitchableAndSurvivesARestart() throws Exception {
    final var cluster = coordinator.client().cluster();
    assertEquals(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_PRIORITY,
        cluster.getDispatchPolicy(dev.baton.proto.v1.GetDispatchPolicyRequest.getDefaultInstance()).getPolicy());
    var set = cluster.setDispatchPolicy(dev.baton.proto.v1.SetDispatchPolicyRequest.newBuilder()
        .setSettings(dev.baton.proto.v1.DispatchSettings.newBuilder()
            .setPolicy(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN))
        .build());
    assertEquals(com.google.protobuf.util.Durations.fromSeconds(60), set.getAging(), "aging kept when not given");
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> cluster.setDispatchPolicy(
        dev.baton.proto.v1.SetDispatchPolicyRequest.newBuilder().setSettings(dev.baton.proto.v1.DispatchSettings
            .newBuilder().setAging(com.google.protobuf.util.Durations.fromMillis(10))).build()));

    coordinator.restart();
    var restarted = coordinator.client().cluster();
    assertEquals(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN,
        restarted.getDispatchPolicy(dev.baton.proto.v1.GetDispatchPolicyRequest.getDefaultInstance()).getPolicy());
    assertEquals(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN,
        restarted.getClusterStatus(GetClusterStatusRequest.getDefaultInstance()).getDispatch().getPolicy());
  }

  @Test
  void healthAndReflectionAreServed() throws Exception {
    HealthCheckResponse health = HealthGrpc.newBlockingStub(coordinator.client().channel())
        .check(HealthCheckRequest.getDefaultInstance());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());

    CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> request = ServerReflectionGrpc.newStub(coordinator.client().channel())
        .serverReflectionInfo(new StreamObserver<>() {
          public void onNext(ServerReflectionResponse r) {
            answer.complete(r);
          }

          public void onError(Throwable t) {
            answer.completeExceptionally(t);
          }

          public void onCompleted() {}
        });
    request.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> services = answer.get(5, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
        .map(s -> s.getName()).toList();
    request.onCompleted();
    assertTrue(services.containsAll(List.of("baton.v1.JobService", "baton.v1.RunService",
        "baton.v1.ClusterService", "baton.v1.AgentService")), services.toString());
  }
}
