package dev.baton.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.FieldMask;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Timestamps;
import com.google.rpc.ErrorInfo;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import dev.baton.client.BatonClient;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.ErrorReason;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal carries a stable reason in {@code ErrorInfo}, and what a program needs to act without parsing. */
class ErrorReasonsTest {
  @TempDir Path dir;
  private InProcessCoordinator coordinator;
  private BatonClient client;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:30Z"));
    client = coordinator.client();
    client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("extract").setSchedule("0 3 * * *"))
        .build());
    client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("load").addDependencies("extract"))
        .build());
    client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("report").addDependencies("load"))
        .build());
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  @Test
  void notFoundNamesTheResource() {
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_JOB_NOT_FOUND, "baton.v1.Job", "nope",
        () -> client.jobs().getJob(GetJobRequest.newBuilder().setName("nope").build()));
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_RUN_NOT_FOUND, "baton.v1.Run", "x y",
        () -> client.runs().getRun(GetRunRequest.newBuilder().setId("x y").build()));
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_WAVE_NOT_FOUND, "baton.v1.Wave", "77",
        () -> client.runs().getWave(GetWaveRequest.newBuilder().setId("77").build()));
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_WORKER_NOT_FOUND, "baton.v1.Worker", "w9",
        () -> client.cluster().drainWorker(DrainWorkerRequest.newBuilder().setWorker("w9").build()));
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_DEAD_LETTER_NOT_FOUND, "baton.v1.DeadLetter",
        "5", () -> client.runs().purgeDeadLetter(PurgeDeadLetterRequest.newBuilder().setRunId("5").build()));
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_DEAD_LETTER_NOT_FOUND, "baton.v1.DeadLetter",
        "5", () -> client.runs().getDeadLetter(dev.baton.proto.v1.GetDeadLetterRequest.newBuilder().setRunId("5")
            .build()));
    assertReason(Status.Code.NOT_FOUND, ErrorReason.ERROR_REASON_WORKER_NOT_FOUND, "baton.v1.Worker", "w9",
        () -> client.cluster().getWorker(dev.baton.proto.v1.GetWorkerRequest.newBuilder().setWorker("w9").build()));
    assertReason(Status.Code.ALREADY_EXISTS, ErrorReason.ERROR_REASON_JOB_EXISTS, "baton.v1.Job", "load",
        () -> client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("load")).build()));
  }

  @Test
  void aDeleteBlockedByDependentsListsEachOne() {
    StatusRuntimeException e = assertReason(Status.Code.FAILED_PRECONDITION,
        ErrorReason.ERROR_REASON_HAS_DEPENDENTS, null, null,
        () -> client.jobs().deleteJob(DeleteJobRequest.newBuilder().setName("extract").build()));
    PreconditionFailure failure = detail(e, PreconditionFailure.class).orElseThrow();
    assertEquals(List.of("baton.v1.Job/load", "baton.v1.Job/report"),
        failure.getViolationsList().stream().map(PreconditionFailure.Violation::getSubject).toList());
    assertTrue(failure.getViolationsList().stream().allMatch(v -> v.getType().equals("DEPENDENT")));
  }

  @Test
  void aTriggerRefusedByOverlapNamesTheRunInTheWay() {
    String first = client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName("extract").build())
        .getRun().getId();
    StatusRuntimeException e = assertReason(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RUN_ACTIVE,
        "baton.v1.Run", first, () -> client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName("extract")
            .build()));
    assertEquals("ACTIVE_RUN", detail(e, PreconditionFailure.class).orElseThrow().getViolations(0).getType());

    client.runs().cancelRun(CancelRunRequest.newBuilder().setId(first).build());
    assertReason(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_RUN_FINAL, null, null,
        () -> client.runs().cancelRun(CancelRunRequest.newBuilder().setId(first).build()));
  }

  @Test
  void aStaleUpdateSaysTheCurrentVersion() {
    StatusRuntimeException e = assertReason(Status.Code.ABORTED, ErrorReason.ERROR_REASON_STALE_VERSION,
        "baton.v1.Job", "load", () -> client.jobs().updateJob(UpdateJobRequest.newBuilder()
            .setJob(Job.newBuilder().setName("load").setVersion(7).setDescription("x"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("description")).build()));
    assertEquals("1", detail(e, ErrorInfo.class).orElseThrow().getMetadataOrThrow("current_version"));
  }

  @Test
  void backfillRefusalsHaveTheirReasons() throws Exception {
    assertReason(Status.Code.FAILED_PRECONDITION, ErrorReason.ERROR_REASON_NO_RECURRING_SCHEDULE, null, null,
        () -> client.jobs().backfillJob(BackfillJobRequest.newBuilder().setName("load")
            .setFrom(Timestamps.parse("2026-11-01T00:00:00Z")).setTo(Timestamps.parse("2026-11-02T00:00:00Z"))
            .build()));
    assertReason(Status.Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_TOO_MANY_TICKS, null, null,
        () -> client.jobs().backfillJob(BackfillJobRequest.newBuilder().setName("extract").setMaxRuns(2)
            .setFrom(Timestamps.parse("2026-11-01T00:00:00Z")).setTo(Timestamps.parse("2026-11-20T00:00:00Z"))
            .build()));
    assertReason(Status.Code.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_REQUEST, null, null,
        () -> client.jobs().backfillJob(BackfillJobRequest.newBuilder().setName("extract").build()));
  }

  private static StatusRuntimeException assertReason(Status.Code code, ErrorReason reason, String resourceType,
      String resourceName, Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    ErrorInfo info = detail(e, ErrorInfo.class).orElseThrow(() -> new AssertionError("no ErrorInfo: " + e));
    assertEquals("baton.dev", info.getDomain());
    assertEquals(reason.name().substring("ERROR_REASON_".length()), info.getReason());
    if (resourceType != null) {
      ResourceInfo resource = detail(e, ResourceInfo.class).orElseThrow(() -> new AssertionError("no ResourceInfo"));
      assertEquals(resourceType, resource.getResourceType());
      assertEquals(resourceName, resource.getResourceName());
    }
    return e;
  }

  private static <T extends Message> Optional<T> detail(StatusRuntimeException e, Class<T> type) {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    if (status == null) {
      return Optional.empty();
    }
    for (Any any : status.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    return Optional.empty();
  }
}
