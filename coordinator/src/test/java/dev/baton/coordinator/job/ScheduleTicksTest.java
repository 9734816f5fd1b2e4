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
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
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
 * Due ticks become durable QUEUED runs, exactly once, across restarts and downtime; ticks of the next second whose
 * decision cannot change are decided ahead and held until their time.
 */
class ScheduleTicksTest {
  /** A tick, and half a second before it (within JobRegistry.TICK_LEAD), for the ticks decided ahead. */
  private static final Instant TICK = Instant.parse("2026-11-22T10:01:00Z");
  private static final Instant BEFORE = TICK.minusMillis(500);

  @TempDir Path dir;
  private InProcessCoordinator coordinator;
  private FakeClock clock;

  @BeforeEach
  void start() throws Exception {
    clock = FakeClock.at("2026-11-22T10:00:30Z");
    coordinator = new InProcessCoordinator(dir, clock);
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private void create(Job.Builder job) {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(job).build());
  }

  /** Fires what is due now (the tick loop may have done it already: either way it happens once). */
  private List<Run> fireAndList(String job) {
    coordinator.coordinator().jobs().fireDue(clock.instant());
    return coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setJob(job).build()).getRunsList();
  }

  private Instant nextFire(String job) {
    Job read = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName(job).build());
    return Instant.ofEpochMilli(Timestamps.toMillis(read.getNextFireTime()));
  }

  @Test
  void aDueTickBecomesOneQueuedRunAndTheScheduleMovesOn() {
    create(Jobs.shell("tick").setSchedule("every minute"));
    assertEquals(Instant.parse("2026-11-22T10:01:00Z"), nextFire("tick"));
    assertTrue(fireAndList("tick").isEmpty());

    clock.set(Instant.parse("2026-11-22T10:01:00.002Z"));
    List<Run> runs = fireAndList("tick");
    assertEquals(1, runs.size());
    Run run = runs.get(0);
    assertEquals(RunState.RUN_STATE_QUEUED, run.getState());
    assertEquals(RunReason.RUN_REASON_SCHEDULE, run.getReason());
    assertEquals(Timestamps.parseUnchecked("2026-11-22T10:01:00Z"), run.getScheduledTime());
    assertEquals(0, run.getMissedTicks());
    assertEquals(Instant.parse("2026-11-22T10:02:00Z"), nextFire("tick"));
    assertEquals(1, fireAndList("tick").size(), "firing again at the same time creates nothing");
  }

  @Test
  void ticksMissedWhileDownFoldIntoOneRunThatCountsThem() throws Exception {
    create(Jobs.shell("tick").setSchedule("every minute"));
    coordinator.close();
    clock.set(Instant.parse("2026-11-22T10:10:30Z"));
    coordinator = new InProcessCoordinator(dir, clock);

    List<Run> runs = fireAndList("tick");
    assertEquals(1, runs.size());
    assertEquals(Timestamps.parseUnchecked("2026-11-22T10:10:00Z"), runs.get(0).getScheduledTime());
    assertEquals(9, runs.get(0).getMissedTicks());
    assertEquals(Instant.parse("2026-11-22T10:11:00Z"), nextFire("tick"));
  }

  @Test
  void skipPolicyRecordsMissedTicksAsOneSkippedRun() throws Exception {
    create(Jobs.shell("tick").setSchedule("every minute").setMisfire(MisfirePolicy.MISFIRE_POLICY_SKIP));
    coordinator.close();
    clock.set(Instant.parse("2026-11-22T10:10:30Z"));
    coordinator = new InProcessCoordinator(dir, clock);

    List<Run> runs = fireAndList("tick");
    assertEquals(2, runs.size());
    assertEquals(RunState.RUN_STATE_QUEUED, runs.get(0).getState(), "the on-time tick runs");
    assertEquals(RunState.RUN_STATE_SKIPPED, runs.get(1).getState());
    assertEquals(9, runs.get(1).getMissedTicks());
    assertTrue(runs.get(1).getStateReason().startsWith("misfire: 9 tick(s) missed"), runs.get(1).getStateReason());
  }

  @Test
  void aTickWhileTheLastRunIsStillQueuedIsSkippedUnderForbid() {
    create(Jobs.shell("tick").setSchedule("every minute"));
    clock.set(Instant.parse("2026-11-22T10:01:00.002Z"));
    assertEquals(1, fireAndList("tick").size());
    clock.set(Instant.parse("2026-11-22T10:02:00.002Z"));
    List<Run> runs = fireAndList("tick");
    assertEquals(2, runs.size());
    assertEquals(RunState.RUN_STATE_SKIPPED, runs.get(0).getState());
    assertTrue(runs.get(0).getStateReason().startsWith("overlap: run " + runs.get(1).getId()),
        runs.get(0).getStateReason());
  }

  @Test
  void ticksMissedWhilePausedFollowTheMisfirePolicyOnResume() {
    var jobs = coordinator.client().jobs();
    ticksMissedWhilePaused("p1",
        () -> jobs.pauseJob(dev.baton.proto.v1.PauseJobRequest.newBuilder().setName("p1").build()),
        () -> jobs.resumeJob(dev.baton.proto.v1.ResumeJobRequest.newBuilder().setName("p1").build()));
  }

  @Test
  void pausingAndResumingThroughUpdateIsTheSamePauseAndResume() {
    var jobs = coordinator.client().jobs();
    java.util.function.Function<Boolean, Job> setEnabled = enabled -> jobs.updateJob(
        dev.baton.proto.v1.UpdateJobRequest.newBuilder().setJob(Job.newBuilder().setName("p2").setEnabled(enabled))
            .setUpdateMask(com.google.protobuf.FieldMask.newBuilder().addPaths("enabled")).build());
    ticksMissedWhilePaused("p2", () -> setEnabled.apply(false), () -> setEnabled.apply(true));
    // Mixed: paused by PauseJob, resumed by an update (as `job apply` of the same file with enabled: true does).
    ticksMissedWhilePaused("p3",
        () -> jobs.pauseJob(dev.baton.proto.v1.PauseJobRequest.newBuilder().setName("p3").build()),
        () -> jobs.updateJob(dev.baton.proto.v1.UpdateJobRequest.newBuilder().setJob(job("p3").setEnabled(true))
            .build()));
  }

  private static Job.Builder job(String name) {
    return Jobs.shell(name).setSchedule("every minute").setMisfire(MisfirePolicy.MISFIRE_POLICY_RUN_ALL)
        .setMaxCatchup(3).setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW);
  }

  /** Pauses at 10:00:30 + n, misses 10:01 .. 10:05, resumes at 10:05:30: RUN_ALL with max_catchup 3. */
  private void ticksMissedWhilePaused(String name, Runnable pause, Runnable resume) {
    clock.set(Instant.parse("2026-11-22T10:00:30Z"));
    create(job(name));
    pause.run();
    Job paused = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName(name).build());
    assertEquals(Instant.parse("2026-11-22T10:01:00Z"), dev.baton.client.Times.toInstant(paused.getPausedFireTime()));
    clock.set(Instant.parse("2026-11-22T10:05:30Z"));
    assertTrue(fireAndList(name).isEmpty(), "a paused job does not tick");
    resume.run();
    List<Run> runs = fireAndList(name);
    // Five ticks missed (10:01 .. 10:05): RUN_ALL with max_catchup 3 runs the latest three, records two skipped.
    assertEquals(4, runs.size(), runs.toString());
    assertEquals(3, runs.stream().filter(r -> r.getState() == RunState.RUN_STATE_QUEUED).count());
    Run skipped = runs.stream().filter(r -> r.getState() == RunState.RUN_STATE_SKIPPED).findFirst().orElseThrow();
    assertEquals(2, skipped.getMissedTicks());
    assertEquals(Instant.parse("2026-11-22T10:06:00Z"), nextFire(name));
    Job resumed = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName(name).build());
    assertTrue(!resumed.hasPausedFireTime());
  }

  @Test
  void applyingTheSameRelativeScheduleAgainDoesNotMoveIt() {
    create(Jobs.shell("later").setSchedule("in 10 minutes"));
    clock.advance(Duration.ofMinutes(3));
    Job read = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName("later").build());
    coordinator.client().jobs().updateJob(dev.baton.proto.v1.UpdateJobRequest.newBuilder().setJob(read).build());
    assertEquals(Instant.parse("2026-11-22T10:10:30Z"), nextFire("later"));
    clock.advance(Duration.ofMinutes(7));
    assertEquals(1, fireAndList("later").size());
    // Applied back after it fired: not armed again.
    read = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName("later").build());
    coordinator.client().jobs().updateJob(dev.baton.proto.v1.UpdateJobRequest.newBuilder().setJob(read).build());
    assertTrue(!coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName("later").build())
        .hasNextFireTime());
  }

  @Test
  void aOneTimeScheduleFiresOnceAndThenHasNoNextFire() {
    create(Jobs.shell("once").setSchedule("in 10 minutes"));
    assertEquals(Instant.parse("2026-11-22T10:10:30Z"), nextFire("once"));
    clock.advance(Duration.ofMinutes(10));
    assertEquals(1, fireAndList("once").size());
    Job read = coordinator.client().jobs().getJob(GetJobRequest.newBuilder().setName("once").build());
    assertTrue(!read.hasNextFireTime());
  }

  @Test
  void theNextFireTimeSurvivesARestartUnchanged() throws Exception {
    create(Jobs.shell("daily").setSchedule("daily at 3 AM").setTimezone("Europe/Berlin"));
    Instant before = nextFire("daily");
    coordinator.restart();
    assertEquals(before, nextFire("daily"));
    assertEquals(Instant.parse("2026-11-23T02:00:00Z"), before);
  }

  @Test
  void ticksDueTogetherAreCommittedTogetherNotOneSyncedWriteEach() {
    int jobs = 2_500;
    for (int i = 0; i < jobs; i++) {
      create(Jobs.shell("every-minute-" + i).setSchedule("every minute"));
    }
    long writesBefore = coordinator.coordinator().store().syncedWrites();
    clock.set(Instant.parse("2026-11-22T10:01:00Z"));
    coordinator.coordinator().jobs().fireDue(clock.instant());

    // Batches of 1,000 need 3; the dispatcher adds a few of its own meanwhile (saying why the new runs wait).
    long writes = coordinator.coordinator().store().syncedWrites() - writesBefore;
    assertTrue(writes < 25, jobs + " ticks took " + writes + " synced writes; batches of "
        + JobRegistry.TICK_BATCH + " need 3");
    for (String job : List.of("every-minute-0", "every-minute-1234", "every-minute-2499")) {
      List<Run> runs = coordinator.client().runs().listRuns(ListRunsRequest.newBuilder().setJob(job).build())
          .getRunsList();
      assertEquals(1, runs.size(), job);
      assertEquals(Instant.parse("2026-11-22T10:02:00Z"), nextFire(job));
    }
  }

  // Ticks decided ahead: a tick of the next JobRegistry.TICK_LEAD whose decision cannot change meanwhile is written
  // ahead, QUEUED at its time, and held until then; the others are decided at their time; a pause withdraws it.

  @Test
  void aTickOfAnIdleJobIsQueuedAheadAtItsTimeAndNotAssignedBeforeIt() throws Exception {
    clock.set(BEFORE);
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
    clock.set(BEFORE);
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
    clock.set(BEFORE);
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
