package dev.baton.coordinator.api;

import static dev.baton.coordinator.testing.GrpcAssertions.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunServiceGrpc.RunServiceBlockingStub;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.WatchRunEventsRequest;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunServiceTest {
  @TempDir Path dir;
  private InProcessCoordinator coordinator;
  private RunServiceBlockingStub runs;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:00Z"));
    runs = coordinator.client().runs();
    for (String name : List.of("a", "b")) {
      coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
          .setJob(Jobs.shell(name).setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
    }
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private Run trigger(String job) {
    return coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName(job).build()).getRun();
  }

  private static List<String> ids(ListRunsResponse response) {
    return response.getRunsList().stream().map(Run::getId).toList();
  }

  @Test
  void getReturnsTheRunWithItsAttempts() {
    Run run = trigger("a");
    Run read = runs.getRun(GetRunRequest.newBuilder().setId(run.getId()).build());
    // The dispatcher may meanwhile have said why the run waits (no worker): the rest is as created.
    assertEquals(run, read.toBuilder().setStateReason(run.getStateReason()).setUpdateTime(run.getUpdateTime()).build());
    assertEquals(1, read.getAttempts(0).getNumber());
    assertTrue(read.getAttempts(0).hasQueueTime());
  }

  @Test
  void getErrors() {
    assertStatus(Status.Code.NOT_FOUND, () -> runs.getRun(GetRunRequest.newBuilder().setId("999").build()));
    assertStatus(Status.Code.NOT_FOUND, () -> runs.getRun(GetRunRequest.newBuilder().setId("abc").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> runs.getRun(GetRunRequest.getDefaultInstance()));
  }

  @Test
  void listIsNewestFirstAndFiltersByJobAndState() {
    Run a1 = trigger("a");
    Run b1 = trigger("b");
    Run a2 = trigger("a");
    assertEquals(List.of(a2.getId(), b1.getId(), a1.getId()), ids(runs.listRuns(ListRunsRequest.getDefaultInstance())));
    assertEquals(List.of(a2.getId(), a1.getId()), ids(runs.listRuns(ListRunsRequest.newBuilder().setJob("a").build())));
    assertEquals(3, runs.listRuns(ListRunsRequest.newBuilder().addStates(RunState.RUN_STATE_QUEUED).build())
        .getRunsCount());
    assertEquals(0, runs.listRuns(ListRunsRequest.newBuilder().addStates(RunState.RUN_STATE_RUNNING).build())
        .getRunsCount());
    assertEquals(List.of(b1.getId()), ids(runs.listRuns(ListRunsRequest.newBuilder().setWaveId(b1.getId()).build())));
  }

  @Test
  void listPagesByJobAndOverall() {
    for (int i = 0; i < 7; i++) {
      trigger("a");
      trigger("b");
    }
    for (String job : List.of("", "a")) {
      List<String> seen = new ArrayList<>();
      String token = "";
      do {
        ListRunsResponse page = runs.listRuns(
            ListRunsRequest.newBuilder().setJob(job).setPageSize(3).setPageToken(token).build());
        seen.addAll(ids(page));
        token = page.getNextPageToken();
      } while (!token.isEmpty());
      assertEquals(job.isEmpty() ? 14 : 7, seen.size(), "job '" + job + "'");
      assertEquals(seen.size(), seen.stream().distinct().count());
    }
  }

  @Test
  void listRefusesABadPageSize() {
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> runs.listRuns(ListRunsRequest.newBuilder().setPageSize(-1).build()));
  }

  @Test
  void cancelOfAQueuedRunIsFinalAtOnceAndLeavesTheQueue() {
    Run run = trigger("a");
    Run cancelled = runs.cancelRun(CancelRunRequest.newBuilder().setId(run.getId()).setReason("not today").build());
    assertEquals(RunState.RUN_STATE_CANCELLED, cancelled.getState());
    assertEquals("not today", cancelled.getStateReason());
    assertEquals(cancelled, runs.getRun(GetRunRequest.newBuilder().setId(run.getId()).build()));
    assertEquals(0, coordinator.client().cluster()
        .getClusterStatus(dev.baton.proto.v1.GetClusterStatusRequest.getDefaultInstance()).getActiveRuns());
  }

  @Test
  void cancelErrors() {
    Run run = trigger("a");
    runs.cancelRun(CancelRunRequest.newBuilder().setId(run.getId()).build());
    var e = assertStatus(Status.Code.FAILED_PRECONDITION,
        () -> runs.cancelRun(CancelRunRequest.newBuilder().setId(run.getId()).build()));
    assertTrue(e.getStatus().getDescription().contains("already CANCELLED"), e.getStatus().getDescription());
    assertStatus(Status.Code.NOT_FOUND, () -> runs.cancelRun(CancelRunRequest.newBuilder().setId("999").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> runs.cancelRun(CancelRunRequest.getDefaultInstance()));
  }

  @Test
  void watchingOneRunSendsItAsItIsFirstAndEndsWhenItIsAtRest() throws Exception {
    Run run = trigger("a");
    java.util.concurrent.BlockingQueue<Object> got = new java.util.concurrent.LinkedBlockingQueue<>();
    dev.baton.proto.v1.RunServiceGrpc.newStub(coordinator.client().channel()).watchRunEvents(
        WatchRunEventsRequest.newBuilder().setRunId(run.getId()).build(), new io.grpc.stub.StreamObserver<>() {
          @Override
          public void onNext(RunEvent event) {
            got.add(event.getRun().getState());
          }

          @Override
          public void onError(Throwable t) {
            got.add(t);
          }

          @Override
          public void onCompleted() {
            got.add("completed");
          }
        });
    assertEquals(RunState.RUN_STATE_QUEUED, got.poll(10, java.util.concurrent.TimeUnit.SECONDS));
    runs.cancelRun(CancelRunRequest.newBuilder().setId(run.getId()).build());
    // The queued run may change before it is cancelled (the dispatcher writes why it waits: no worker): those
    // changes come too, still QUEUED.
    Object next = got.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    while (next == RunState.RUN_STATE_QUEUED) {
      next = got.poll(10, java.util.concurrent.TimeUnit.SECONDS);
    }
    assertEquals(RunState.RUN_STATE_CANCELLED, next);
    assertEquals("completed", got.poll(10, java.util.concurrent.TimeUnit.SECONDS));

    // A run already at rest: its state, then the end.
    java.util.Iterator<RunEvent> again = coordinator.client().runs().watchRunEvents(
        WatchRunEventsRequest.newBuilder().setRunId(run.getId()).build());
    assertEquals(RunState.RUN_STATE_CANCELLED, again.next().getRun().getState());
    assertFalse(again.hasNext());
  }

  @Test
  void watchingAnUnknownRunOrJobIsNotFound() {
    assertStatus(Status.Code.NOT_FOUND, () -> runs.watchRunEvents(WatchRunEventsRequest.newBuilder()
        .setRunId("404").build()).hasNext());
    assertStatus(Status.Code.NOT_FOUND, () -> runs.watchRunEvents(WatchRunEventsRequest.newBuilder()
        .setJob("nope").build()).hasNext());
  }
}
