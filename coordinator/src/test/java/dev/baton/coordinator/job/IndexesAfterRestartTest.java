package dev.baton.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The in-memory indexes a restart rebuilds from the stored jobs (read field by field, not parsed whole). */
class IndexesAfterRestartTest {
  @TempDir Path dir;

  private static Status.Code refusal(Executable call) {
    try {
      call.execute();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    } catch (Throwable e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("the call succeeded");
  }

  @Test
  void dependenciesStartDeadlinesAndTheJobCountSurviveARestart() throws Exception {
    try (InProcessCoordinator coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:00Z"))) {
      var jobs = coordinator.client().jobs();
      jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("extract")).build());
      jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("load").addDependencies("extract")
          .setStartDeadline(Durations.fromMinutes(5)).setDescription("x".repeat(1000))).build());
      jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("report").addDependencies("load")
          .addDependencies("extract")).build());
      coordinator.restart();
      var after = coordinator.client().jobs(); // the client of the restarted coordinator

      JobRegistry registry = coordinator.coordinator().jobs();
      assertEquals(3, registry.count());
      assertEquals(List.of("load", "report"), registry.graph().transitiveDependents("extract").stream().sorted()
          .toList());
      assertTrue(registry.hasStartDeadline("load"));
      assertFalse(registry.hasStartDeadline("report"));
      // The graph refuses a cycle and a delete of a job others depend on, as before the restart.
      assertEquals(Status.Code.INVALID_ARGUMENT, refusal(() -> after.updateJob(UpdateJobRequest.newBuilder()
          .setJob(Job.newBuilder().setName("extract").addDependencies("report"))
          .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("dependencies")).build())));
      assertEquals(Status.Code.FAILED_PRECONDITION, refusal(() -> after.deleteJob(DeleteJobRequest.newBuilder()
          .setName("load").build())));
    }
  }
}
