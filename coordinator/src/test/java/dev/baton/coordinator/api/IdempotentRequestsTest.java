package dev.baton.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.util.Timestamps;
import com.google.rpc.ErrorInfo;
import dev.baton.coordinator.request.RequestLog;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.BackfillJobResponse;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.TriggerJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes that carry a request id (AIP-155) act once: a repeat within 24 hours — after a restart too — returns the
 * first answer; the same id on another request is refused; an action that failed can be repeated.
 */
class IdempotentRequestsTest {
  @TempDir Path dir;
  private InProcessCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:00Z"));
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("a").setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private Run trigger(String job, String requestId) {
    return coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName(job)
        .setRequestId(requestId).build()).getRun();
  }

  private int runCount() {
    return coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setPageSize(1000).build())
        .getRunsCount();
  }

  @Test
  void aRepeatedTriggerReturnsTheFirstRunEvenAfterARestart() throws Exception {
    Run first = trigger("a", "t-1");
    assertEquals(first, trigger("a", "t-1"));
    coordinator.restart();
    assertEquals(first, trigger("a", "t-1"));
    assertEquals(1, runCount());

    Run other = trigger("a", "t-2");
    assertNotEquals(first.getId(), other.getId());
    assertEquals(2, runCount());
  }

  @Test
  void aRepeatedCreateReturnsTheJobInsteadOfAlreadyExists() throws Exception {
    CreateJobRequest create = CreateJobRequest.newBuilder().setRequestId("c-1")
        .setJob(Jobs.shell("b").setSchedule("0 0 3 * * ?")).build();
    Job first = coordinator.client().jobs().createJob(create);
    assertTrue(first.hasNextFireTime());
    coordinator.restart();
    assertEquals(first, coordinator.client().jobs().createJob(create));

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> coordinator.client().jobs()
        .createJob(create.toBuilder().setRequestId("c-2").build()));
    assertEquals(Status.Code.ALREADY_EXISTS, e.getStatus().getCode(), "a new id is a new request");
  }

  @Test
  void aRepeatedBackfillReturnsTheSameRuns() {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("hourly").setSchedule("0 0 * * * ?")).build());
    BackfillJobRequest backfill = BackfillJobRequest.newBuilder().setName("hourly").setRequestId("b-1")
        .setFrom(Timestamps.parseUnchecked("2026-11-22T00:00:00Z"))
        .setTo(Timestamps.parseUnchecked("2026-11-22T02:00:00Z")).build();
    BackfillJobResponse first = coordinator.client().jobs().backfillJob(backfill);
    assertEquals(3, first.getRunsCount());
    assertEquals(first.getRunsList().stream().map(Run::getId).toList(),
        coordinator.client().jobs().backfillJob(backfill).getRunsList().stream().map(Run::getId).toList());
    assertEquals(3, runCount());
  }

  @Test
  void theSameIdOnAnotherRequestIsRefusedAndChangesNothing() {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("b").setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
    trigger("a", "same");
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> trigger("b", "same"));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("request_id: 'same' was already used"),
        e.getStatus().getDescription());
    assertEquals("REQUEST_ID_REUSED", errorInfo(e).getReason());
    assertEquals(1, runCount());

    // Ids are per call: a create may use an id a trigger used.
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setRequestId("same")
        .setJob(Jobs.shell("c")).build());
  }

  @Test
  void aFailedActionRecordsNothingSoItsRepeatActs() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> trigger("later", "t-1"));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("later")).build());
    assertEquals("later", trigger("later", "t-1").getJob());
  }

  @Test
  void aDryRunRecordsNothing() {
    CreateJobRequest create = CreateJobRequest.newBuilder().setRequestId("c-1").setJob(Jobs.shell("b")).build();
    coordinator.client().jobs().createJob(create.toBuilder().setValidateOnly(true).build());
    coordinator.client().jobs().createJob(create);
    assertEquals(0, coordinator.client().jobs().getJob(
        dev.baton.proto.v1.GetJobRequest.newBuilder().setName("b").build()).getVersion() - 1);
  }

  @Test
  void concurrentRepeatsActOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<String>> calls = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        String id = "t-" + (i % 4);
        calls.add(() -> trigger("a", id).getId());
      }
      Set<String> runIds = new java.util.HashSet<>();
      for (Future<String> f : pool.invokeAll(calls)) {
        runIds.add(f.get());
      }
      assertEquals(4, runIds.size());
      assertEquals(4, runCount());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anAnswerIsKeptADayThenTheIdActsAgainAndTheSweepRemovesIt() {
    Run first = trigger("a", "t-1");
    coordinator.clock().advance(Duration.ofHours(23));
    assertEquals(first, trigger("a", "t-1"));
    RequestLog log = new RequestLog(coordinator.coordinator().store(), coordinator.clock());
    assertEquals(0, log.sweep());
    assertEquals(1, triggerRecords());

    coordinator.clock().advance(Duration.ofHours(1));
    assertEquals(2, log.sweep(), "the trigger's, and the create's the client helper gave an id");
    assertEquals(0, triggerRecords());
    Run again = trigger("a", "t-1");
    assertNotEquals(first.getId(), again.getId());
  }

  @Test
  void aMalformedIdIsRefused() {
    for (String id : List.of("has space", "x".repeat(129), "ü")) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> trigger("a", id));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
      assertTrue(e.getStatus().getDescription().startsWith("request_id:"), e.getStatus().getDescription());
    }
    assertEquals(0, runCount());
  }

  private int triggerRecords() {
    AtomicInteger n = new AtomicInteger();
    coordinator.coordinator().store().scanPrefix(ColumnFamily.REQUESTS,
        "TriggerJob\0".getBytes(java.nio.charset.StandardCharsets.UTF_8), false, (k, v) -> {
          n.incrementAndGet();
          return true;
        });
    return n.get();
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) {
    for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(ErrorInfo.class)) {
        try {
          return any.unpack(ErrorInfo.class);
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          throw new AssertionError(ex);
        }
      }
    }
    throw new AssertionError("no ErrorInfo: " + e);
  }
}
