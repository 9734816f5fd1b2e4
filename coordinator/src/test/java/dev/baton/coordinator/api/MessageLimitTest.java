package dev.baton.coordinator.api;

import static dev.baton.coordinator.testing.GrpcAssertions.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.client.BatonClient;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.config.CoordinatorConfig;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.ListJobsRequest;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over a real socket (the in-process transport does not enforce sizes): requests over 4 MiB are refused. */
class MessageLimitTest {
  @TempDir Path dir;

  @Test
  void aRequestOverFourMebibytesIsResourceExhaustedAndChangesNothing() throws Exception {
    CoordinatorConfig config = new CoordinatorConfig("127.0.0.1:0", "", dir, false, Duration.ofSeconds(60),
        Duration.ofSeconds(10), Duration.ofSeconds(1), 1L << 20, CoordinatorConfig.Ha.STANDALONE,
        CoordinatorConfig.Security.NONE, dev.baton.coordinator.run.RunRetention.Settings.DEFAULT);
    try (Coordinator coordinator = new Coordinator(config,
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)), FakeClock.at("2026-11-22T10:00:00Z"))
            .start();
        BatonClient client = BatonClient.connect("127.0.0.1:" + coordinator.port())) {
      assertStatus(Status.Code.RESOURCE_EXHAUSTED, () -> client.jobs().createJob(CreateJobRequest.newBuilder()
          .setJob(Jobs.shell("big").setDescription("x".repeat(5 << 20))).build()));
      assertEquals(0, client.jobs().listJobs(ListJobsRequest.getDefaultInstance()).getJobsCount());
    }
  }
}
