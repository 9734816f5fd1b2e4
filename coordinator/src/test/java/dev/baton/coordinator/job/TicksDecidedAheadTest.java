package dev.baton.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.testing.FakeAgent;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunStarted;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tick of the next {@link JobRegistry#TICK_LEAD} whose decision cannot change meanwhile is written ahead, QUEUED
 * at its time, and held until then; the others are decided at their time; a pause withdraws a tick decided ahead.
 */
class TicksDecidedAheadTest {
  private static final Instant TICK = Instant.parse("2026-12-01T10:01:00Z");
  private static final Instant BEFORE = TICK.minusMillis(500);

  @TempDir Path dir;
  private final FakeClock clock = new FakeClock(BEFORE);
  private InProcessCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, clock);
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private void create(Job.Builder job) {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(job).build());
  }

  /** Looks for due ticks at the clock's time (the tick loop may have looked already: it happens once either way). */
  private List<Run> fireAndList(String job) {
    coordinator.coordinator().jobs().fireDue(clock.instant());
    return coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setJob(job).build()).getRunsList();
  }

  private Instant nextFire(String job) {
    return Instant.ofEpochMilli(Timestamps.toMillis(coordinator.client().jobs()
        .getJob(GetJobRequest.newBuilder().setName(job).build()).getNextFireTime()));
  }

  @Test
  void aTickOfAnIdleJobIsQueuedAheadAtItsTimeAndNotAssignedBeforeIt() throws Exception {
    create(Jobs.shell("soon").setSchedule("every minute"));
    List<Run> runs = fireAndList("soon");
    assertEquals(1, runs.size(), "decided half a second ahead");
    Run run = runs.get(0);
    assertEquals(RunState.RUN_STATE_QUEUED, run.getState());
    assertEquals(TICK, Instant.ofEpochMilli(Timestamps.toMillis(run.getScheduledTime())));
    assertEquals(TICK, Instant.ofEpochMilli(Timestamps.toMillis(run.getAttempts(0).getQueueTime())),
        "queued at its tick, not when it was written");
    assertEquals(BEFORE, Instant.ofEpochMilli(Timestamps.toMillis(run.getCreateTime())));
    assertEquals(TICK.plusSeconds(60), nextFire("soon"));

    try (FakeAgent agent = new FakeAgent(coordinator.client().channel(), "w1", 4, List.of())) {
      agent.next(CoordinatorMessage::hasWelcome);
      agent.expectNone(CoordinatorMessage::hasAssign, Duration.ofMillis(700));

      clock.set(TICK.plusMillis(1));
      Assignment assigned = agent.next(CoordinatorMessage::hasAssign).getAssign();
      assertEquals(run.getId(), assigned.getRunId(), "held until its tick, then assigned without another wake-up");
      assertEquals(1, fireAndList("soon").size(), "nothing more was made for that tick");
    }
  }

  @Test
  void aHeldRunIsStillHeldAfterARestart() throws Exception {
    create(Jobs.shell("soon").setSchedule("every minute"));
    assertEquals(1, fireAndList("soon").size());
    coordinator.restart();
    try (FakeAgent agent = new FakeAgent(coordinator.client().channel(), "w1", 4, List.of())) {
      agent.next(CoordinatorMessage::hasWelcome);
      agent.expectNone(CoordinatorMessage::hasAssign, Duration.ofMillis(500));
      clock.set(TICK.plusMillis(1));
      agent.next(CoordinatorMessage::hasAssign);
    }
    assertEquals(1, fireAndList("soon").size());
  }

  @Test
  void ticksWhoseDecisionCouldStillChangeWaitForTheirTime() throws Exception {
    clock.set(TICK.minusSeconds(5)); // too early for the tick loop to decide the ticks before the runs start
    create(Jobs.shell("upstream"));
    create(Jobs.shell("downstream").setSchedule("every minute").addDependencies("upstream"));
    create(Jobs.shell("busy").setSchedule("every minute").setOverlap(OverlapPolicy.OVERLAP_POLICY_FORBID));
    create(Jobs.shell("overlapping").setSchedule("every minute").setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW));
    try (FakeAgent agent = new FakeAgent(coordinator.client().channel(), "w1", 4, List.of())) {
      agent.next(CoordinatorMessage::hasWelcome);
      for (String job : List.of("busy", "overlapping")) {
        Run manual = coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName(job).build())
            .getRun();
        Assignment a = agent.next(m -> m.hasAssign() && m.getAssign().getRunId().equals(manual.getId()))
            .getAssign();
        agent.send(AgentMessage.newBuilder().setStarted(RunStarted.newBuilder().setRunId(a.getRunId())
            .setAttempt(a.getAttempt()).setPid(4242).setStartTime(Timestamps.fromMillis(clock.millis()))).build());
      }
      awaitRun("busy", run -> run.getState() == RunState.RUN_STATE_RUNNING);
      awaitRun("overlapping", run -> run.getState() == RunState.RUN_STATE_RUNNING);

      clock.set(BEFORE);

      assertEquals(0, fireAndList("downstream").size(), "its dependencies' latest runs decide at the tick");
      assertEquals(1, fireAndList("busy").size(), "only the manual run: a run is active, FORBID decides at the tick");
      assertEquals(2, fireAndList("overlapping").size(), "ALLOW: an active run changes nothing, decided ahead");

      clock.set(TICK.plusMillis(2));
      assertEquals(1, fireAndList("downstream").size());
      List<Run> busy = fireAndList("busy");
      assertEquals(2, busy.size());
      assertEquals(RunState.RUN_STATE_SKIPPED, busy.get(0).getState(), busy.get(0).toString());
      assertEquals(TICK.plusSeconds(60), nextFire("busy"));
    }
  }

  @Test
  void aPauseBeforeTheTickWithdrawsItsRunAndAResumeBeforeItDecidesItAgain() throws Exception {
    create(Jobs.shell("soon").setSchedule("every minute"));
    Run ahead = fireAndList("soon").get(0);
    coordinator.client().jobs().pauseJob(PauseJobRequest.newBuilder().setName("soon").build());
    Run withdrawn = awaitRun("soon", run -> run.getId().equals(ahead.getId())
        && run.getState() == RunState.RUN_STATE_CANCELLED);
    assertEquals("withdrawn before its tick: the job was paused", withdrawn.getStateReason());
    Job paused = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName("soon").build());
    assertEquals(TICK, Instant.ofEpochMilli(Timestamps.toMillis(paused.getPausedFireTime())),
        "the pause stopped at the withdrawn tick");

    clock.set(TICK.minusMillis(200));
    coordinator.client().jobs().resumeJob(ResumeJobRequest.newBuilder().setName("soon").build());
    List<Run> runs = fireAndList("soon");
    assertEquals(2, runs.size(), runs.toString());
    Run again = runs.get(0);
    assertEquals(RunState.RUN_STATE_QUEUED, again.getState());
    assertEquals(TICK, Instant.ofEpochMilli(Timestamps.toMillis(again.getScheduledTime())));
    assertEquals(0, again.getMissedTicks(), "the tick was not missed: it has not come yet");
  }

  /** The first run of the job that matches, waiting up to 10 s (cancels go through the dispatcher). */
  private Run awaitRun(String job, Predicate<Run> wanted) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      for (Run run : coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setJob(job).build())
          .getRunsList()) {
        if (wanted.test(run)) {
          return run;
        }
      }
      Thread.sleep(10);
    }
    throw new AssertionError("no run of " + job + " as wanted within 10 s");
  }
}
