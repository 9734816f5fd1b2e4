package dev.baton.coordinator.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.testing.FakeAgent;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures inside the dispatch and tick loops: one bad run or job never stops the others, and a failure that cannot
 * be confined is reported as fatal (the real process exits) instead of leaving a coordinator that no longer
 * schedules.
 */
class LoopFailureTest {
  @TempDir Path dir;
  private FakeClock clock;
  private InProcessCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    clock = FakeClock.at("2026-11-22T10:00:30Z");
    coordinator = new InProcessCoordinator(dir, clock);
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private FakeAgent agent() throws InterruptedException {
    FakeAgent agent = new FakeAgent(coordinator.client().channel(), "w1", 4, List.of());
    agent.next(CoordinatorMessage::hasWelcome);
    return agent;
  }

  private Run trigger(String job) {
    return coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName(job).build()).getRun();
  }

  private Run awaitState(String id, RunState state) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    Run run = coordinator.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
    while (run.getState() != state && System.nanoTime() < end) {
      Thread.sleep(10);
      run = coordinator.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
    }
    assertEquals(state, run.getState(), run.toString());
    return run;
  }

  /** Rewrites a stored job while the coordinator is down, as an older version (or a bug) might have left it. */
  private void restartWithStoredJob(String name, UnaryOperator<Job> change) throws Exception {
    coordinator.restart(dataDir -> {
      try (Store store = Store.open(dataDir); var batch = store.batch()) {
        Job job = store.get(ColumnFamily.JOBS, Keys.job(name), Job.parser()).orElseThrow();
        batch.put(ColumnFamily.JOBS, Keys.job(name), change.apply(job));
        store.commit(batch);
      }
    });
  }

  @Test
  void aRunDispatchCannotHandleFailsWithTheReasonAndTheOthersAreStillDispatched() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("bad")).build());
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("good")
        .setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
    String bad = trigger("bad").getId();
    String good = trigger("good").getId();
    // seconds and nanos of opposite signs: not a valid Duration, and reading it throws.
    restartWithStoredJob("bad", job -> job.toBuilder()
        .setStartDeadline(Duration.newBuilder().setSeconds(5).setNanos(-1)).build());

    FakeAgent agent = agent();
    Assignment a = agent.next(CoordinatorMessage::hasAssign).getAssign();
    assertEquals(good, a.getRunId());
    Run failed = awaitState(bad, RunState.RUN_STATE_FAILED);
    assertTrue(failed.getStateReason().startsWith("internal error: "), failed.getStateReason());
    // Later runs are not held up either, and nothing was fatal.
    String later = trigger("good").getId();
    assertEquals(later, agent.next(CoordinatorMessage::hasAssign).getAssign().getRunId());
    assertEquals(List.of(), coordinator.fatalFailures());
  }

  @Test
  void aTaskThatThrowsLosesOnlyItsOwnChanges() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("a")).build());
    FakeAgent agent = agent();
    coordinator.coordinator().dispatcher().submit(round -> {
      throw new IllegalStateException("a bug in one task");
    });
    String id = trigger("a").getId();
    assertEquals(id, agent.next(CoordinatorMessage::hasAssign).getAssign().getRunId());
    assertEquals(List.of(), coordinator.fatalFailures());
  }

  @Test
  void aFailureBeyondOneTaskOrRunIsFatalInsteadOfSilentlyStoppingDispatch() throws Exception {
    coordinator.coordinator().dispatcher().submit(round -> {
      throw new OutOfMemoryError("simulated");
    });
    long end = System.nanoTime() + 10_000_000_000L;
    while (coordinator.fatalFailures().isEmpty() && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(1, coordinator.fatalFailures().size());
    assertInstanceOf(OutOfMemoryError.class, coordinator.fatalFailures().get(0));
  }

  @Test
  void aJobWhoseTickCannotBeProcessedIsSkippedWithTheReasonAndTheOthersTick() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("broken").setSchedule("every minute")).build());
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("fine").setSchedule("every minute")).build());
    restartWithStoredJob("broken", job -> job.toBuilder().setResolvedSchedule(job.getResolvedSchedule().toBuilder()
        .setNormalized("not a schedule")).build());

    clock.set(Instant.parse("2026-11-22T10:01:00Z"));
    coordinator.coordinator().jobs().fireDue(clock.instant());
    List<Run> fine = coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setJob("fine").build())
        .getRunsList();
    assertEquals(1, fine.size());
    List<Run> broken = coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setJob("broken").build())
        .getRunsList();
    assertEquals(1, broken.size());
    assertEquals(RunState.RUN_STATE_SKIPPED, broken.get(0).getState());
    assertTrue(broken.get(0).getStateReason().startsWith("internal error: "), broken.get(0).getStateReason());
    assertTrue(coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName("fine").build())
        .hasNextFireTime(), "the other job still ticks");
    assertEquals(List.of(), coordinator.fatalFailures());
  }
}
