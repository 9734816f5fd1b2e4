package dev.baton.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.coordinator.testing.SmallDisk;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The coordinator's disk fills up: writes are refused clearly, reads go on, and writes come back by themselves. */
class DiskFullTest {
  @TempDir Path dir;

  @Test
  void aFullDiskRefusesWritesWithResourceExhaustedKeepsReadsAndRecoversWhenSpaceIsBack() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(dir, "160m");
        InProcessCoordinator coordinator = new InProcessCoordinator(disk.path().resolve("data"),
            FakeClock.at("2026-11-22T10:00:00Z"))) {
      var jobs = coordinator.client().jobs();
      jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("before")).build());
      disk.fill();

      // RocksDB preallocates its write-ahead log, so writes go on into that space for a while: write until refused.
      StatusRuntimeException refused = null;
      int acknowledged = 0;
      String description = "x".repeat(4000);
      for (int i = 0; i < 50_000 && refused == null; i++) {
        try {
          jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("during-" + i)
              .setDescription(description)).build());
          acknowledged++;
        } catch (StatusRuntimeException e) {
          refused = e;
        }
      }
      assertTrue(refused != null, "writes on a full disk went on: " + acknowledged + " acknowledged");
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.toString());
      assertTrue(refused.getStatus().getDescription().contains("disk is full"), refused.toString());
      assertEquals("before", jobs.getJob(GetJobRequest.newBuilder().setName("before").build()).getName());
      String refusedJob = "during-" + acknowledged;
      assertEquals(Status.Code.NOT_FOUND, assertRefused(() -> jobs.getJob(GetJobRequest.newBuilder()
          .setName(refusedJob).build())), "the refused job was not stored");

      disk.free();
      long end = System.nanoTime() + 30_000_000_000L;
      while (true) {
        try {
          jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("after")).build());
          break;
        } catch (StatusRuntimeException e) {
          if (System.nanoTime() > end) {
            throw new AssertionError("writes did not resume within 30 s of freeing space", e);
          }
          Thread.sleep(100);
        }
      }
      assertEquals("after", jobs.getJob(GetJobRequest.newBuilder().setName("after").build()).getName());
      // Every write acknowledged before the disk filled is still there after the store was reopened.
      for (int i = 0; i < acknowledged; i += Math.max(1, acknowledged / 50)) {
        jobs.getJob(GetJobRequest.newBuilder().setName("during-" + i).build());
      }
      jobs.getJob(GetJobRequest.newBuilder().setName("during-" + (acknowledged - 1)).build());
    }
  }

  private static Status.Code assertRefused(Runnable call) {
    try {
      call.run();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    throw new AssertionError("the call succeeded");
  }
}
