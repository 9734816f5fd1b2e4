package dev.baton.cli;

import static dev.baton.cli.RunCommandsTest.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.TriggerJobResponse;
import dev.baton.proto.v1.WatchRunEventsRequest;
import dev.baton.proto.v1.WaveNode;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code job trigger --wait}: the run followed to its end, one line per change, and the exit code. */
class TriggerWaitTest {
  private static final long T0 = 1795424400L;

  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static Timestamp at(long seconds, int nanos) {
    return Timestamp.newBuilder().setSeconds(seconds).setNanos(nanos).build();
  }

  /** Run 12 at step {@code step} of its life: 1 queued, 2 assigned, 3 running, 4 ended in {@code end}. */
  private static Run run(int step, RunState end, Integer exitCode, String reason) {
    Run.Builder r = Run.newBuilder().setId("12").setJob("etl").setUpdateTime(at(T0 + step, 0));
    Attempt.Builder a = Attempt.newBuilder().setNumber(1).setQueueTime(at(T0 + 1, 0));
    switch (step) {
      case 1 -> r.setState(RunState.RUN_STATE_QUEUED);
      case 2 -> r.setState(RunState.RUN_STATE_ASSIGNED);
      case 3 -> r.setState(RunState.RUN_STATE_RUNNING);
      default -> r.setState(end).setStateReason(reason);
    }
    if (step >= 2) {
      a.setWorkerId("3f2a9c1e-77").setWorkerName("worker-a");
    }
    if (step >= 3) {
      a.setPid(4242).setStartTime(at(T0 + 3, 0));
    }
    if (step >= 4) {
      a.setFinishTime(at(T0 + 3, 120_000_000)).setOutcome(end == RunState.RUN_STATE_SUCCEEDED
          ? AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED : AttemptOutcome.ATTEMPT_OUTCOME_FAILED);
      if (exitCode != null) {
        a.setExitCode(exitCode);
      }
    }
    return r.addAttempts(a).build();
  }

  private static RunEvent event(Run run, RunState previous) {
    return RunEvent.newBuilder().setRun(run).setPreviousState(previous).setTime(run.getUpdateTime()).build();
  }

  private void triggers(Run run) {
    cli.fake.answer("TriggerJob", TriggerJobResponse.newBuilder().setRun(run).build());
  }

  @Test
  void withoutWaitOnlyTheRunIdIsPrinted() {
    triggers(run(1, null, null, ""));

    Result r = cli.run("job", "trigger", "etl");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("12\n", r.out());
    assertTrue(cli.fake.requests("WatchRunEvents").isEmpty());
    assertTrue(cli.fake.requests("GetRun").isEmpty());
  }

  @Test
  void waitPrintsEachChangeAndExitsZeroWhenTheRunSucceeds() {
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(1, null, null, ""));
    cli.fake.answerStream("WatchRunEvents",
        event(run(2, null, null, ""), RunState.RUN_STATE_QUEUED),
        event(run(3, null, null, ""), RunState.RUN_STATE_ASSIGNED),
        event(run(4, RunState.RUN_STATE_SUCCEEDED, 0, ""), RunState.RUN_STATE_RUNNING),
        FakeBaton.HOLD);

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        12
        run 12 queued
        run 12 assigned to worker-a (attempt 1)
        run 12 running (pid 4242)
        run 12 succeeded (exit 0, 0.12 s)
        """, r.out());
    assertEquals("", r.err());
    assertEquals(List.of(TriggerJobRequest.newBuilder().setName("etl").build()), cli.fake.requests("TriggerJob"));
    assertEquals(List.of(WatchRunEventsRequest.newBuilder().setRunId("12").build()),
        cli.fake.requests("WatchRunEvents"));
    assertEquals(List.of(GetRunRequest.newBuilder().setId("12").build()), cli.fake.requests("GetRun"));
    assertTrue(eventually(() -> cli.fake.cancels("WatchRunEvents") == 1), "the watch is closed when the run ends");
  }

  @Test
  void waitExitsOneWithOneLineWhenTheRunFails() {
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(1, null, null, ""));
    cli.fake.answerStream("WatchRunEvents",
        event(run(2, null, null, ""), RunState.RUN_STATE_QUEUED),
        event(run(3, null, null, ""), RunState.RUN_STATE_ASSIGNED),
        event(run(4, RunState.RUN_STATE_FAILED, 3, "exit code 3"), RunState.RUN_STATE_RUNNING),
        FakeBaton.HOLD);

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(1, r.exitCode());
    assertEquals("""
        12
        run 12 queued
        run 12 assigned to worker-a (attempt 1)
        run 12 running (pid 4242)
        run 12 failed (exit 3: exit code 3)
        """, r.out());
    assertEquals("baton: run 12 failed: exit code 3\n", r.err());
  }

  @Test
  void aFailedAttemptWithARetryScheduledIsFollowedToTheRetry() {
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(1, null, null, ""));
    Run failedOnce = run(4, RunState.RUN_STATE_FAILED, 3, "exit code 3").toBuilder()
        .setNextAttemptTime(at(T0 + 10, 0)).build();
    Attempt second = Attempt.newBuilder().setNumber(2).setQueueTime(at(T0 + 10, 0)).setWorkerName("worker-b")
        .setPid(4343).setStartTime(at(T0 + 11, 0)).build();
    Run retried = failedOnce.toBuilder().clearNextAttemptTime().setState(RunState.RUN_STATE_RUNNING)
        .setStateReason("").setUpdateTime(at(T0 + 11, 0)).addAttempts(second).build();
    Run succeeded = retried.toBuilder().setState(RunState.RUN_STATE_SUCCEEDED).setUpdateTime(at(T0 + 12, 0))
        .setAttempts(1, second.toBuilder().setExitCode(0).setFinishTime(at(T0 + 11, 500_000_000))
            .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)).build();
    cli.fake.answerStream("WatchRunEvents",
        event(run(3, null, null, ""), RunState.RUN_STATE_QUEUED),
        event(failedOnce, RunState.RUN_STATE_RUNNING),
        event(retried, RunState.RUN_STATE_QUEUED),
        event(succeeded, RunState.RUN_STATE_RUNNING),
        FakeBaton.HOLD);

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(0, r.exitCode(), r.out() + r.err());
    assertTrue(r.out().contains("run 12 failed (exit 3: exit code 3); attempt 1 will be retried at "),
        r.out());
    assertTrue(r.out().endsWith("run 12 succeeded (exit 0, 0.50 s)\n"), r.out());
  }

  @Test
  void waitTimeoutStopsWaitingAndSaysTheRunGoesOn() {
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(3, null, null, ""), run(3, null, null, ""), run(3, null, null, ""));
    cli.fake.answerStream("WatchRunEvents", FakeBaton.HOLD);

    Result r = cli.run("job", "trigger", "etl", "--wait", "--wait-timeout", "300ms");

    assertEquals(1, r.exitCode());
    assertEquals("baton: stopped waiting after 300ms: run 12 running (pid 4242); the run goes on (follow it with: "
        + "baton run get 12)\n", r.err());
    assertEquals(1, cli.run("job", "trigger", "etl", "--wait-timeout", "1s").exitCode(), "needs --wait");
  }

  @Test
  void waveFollowsEveryJobOfTheWaveToItsEnd() {
    triggers(run(1, null, null, "").toBuilder().setWaveId("12").build());
    java.util.function.BiFunction<dev.baton.proto.v1.WaveState, List<WaveNode>, dev.baton.proto.v1.Wave> wave =
        (state, nodes) -> dev.baton.proto.v1.Wave.newBuilder().setId("12").setRootJob("extract").setState(state)
            .addAllNodes(nodes).build();
    cli.fake.answer("GetWave",
        wave.apply(dev.baton.proto.v1.WaveState.WAVE_STATE_RUNNING, List.of(
            node("extract", RunState.RUN_STATE_RUNNING, "12"), node("load", RunState.RUN_STATE_PENDING, ""))),
        wave.apply(dev.baton.proto.v1.WaveState.WAVE_STATE_RUNNING, List.of(
            node("extract", RunState.RUN_STATE_SUCCEEDED, "12"), node("load", RunState.RUN_STATE_RUNNING, "14"))),
        wave.apply(dev.baton.proto.v1.WaveState.WAVE_STATE_SUCCEEDED, List.of(
            node("extract", RunState.RUN_STATE_SUCCEEDED, "12"), node("load", RunState.RUN_STATE_SUCCEEDED, "14"))));

    Result r = cli.run("job", "trigger", "extract", "--wait", "--wave");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        12
        wave 12: extract running (run 12)
        wave 12: load pending
        wave 12: extract succeeded (run 12)
        wave 12: load running (run 14)
        wave 12: load succeeded (run 14)
        """, r.out());
  }

  private static WaveNode node(String job, RunState state, String runId) {
    return WaveNode.newBuilder().setJob(job).setState(state).setRunId(runId).build();
  }

  @Test
  void aRunAlreadyOverWhenReadEndsTheWaitAtOnce() {
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(4, RunState.RUN_STATE_SUCCEEDED, 0, ""));

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("12\nrun 12 queued\nrun 12 succeeded (exit 0, 0.12 s)\n", r.out());
    assertTrue(eventually(() -> cli.fake.cancels("WatchRunEvents") == 1), "the held watch is closed");

    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(4, RunState.RUN_STATE_TIMED_OUT, null, "timed out after 30s"));
    Result timedOut = cli.run("job", "trigger", "etl", "--wait");
    assertEquals(1, timedOut.exitCode());
    assertEquals("12\nrun 12 queued\nrun 12 timed out (timed out after 30s)\n", timedOut.out());
    assertEquals("baton: run 12 timed out: timed out after 30s\n", timedOut.err());
  }

  @Test
  void eventsOlderThanWhatWasReadAreNotShown() {
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", run(3, null, null, ""));
    cli.fake.answerStream("WatchRunEvents",
        event(run(2, null, null, ""), RunState.RUN_STATE_QUEUED),
        event(run(3, null, null, ""), RunState.RUN_STATE_ASSIGNED),
        event(run(4, RunState.RUN_STATE_SUCCEEDED, 0, ""), RunState.RUN_STATE_RUNNING),
        FakeBaton.HOLD);

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("12\nrun 12 queued\nrun 12 running (pid 4242)\nrun 12 succeeded (exit 0, 0.12 s)\n", r.out());
  }

  @Test
  void aRunSkippedAtOnceIsNotWatched() {
    triggers(Run.newBuilder().setId("12").setJob("etl").setState(RunState.RUN_STATE_SKIPPED)
        .setStateReason("overlap: run 11 is still running").build());

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(1, r.exitCode());
    assertEquals("12\nrun 12 skipped (overlap: run 11 is still running)\n", r.out());
    assertEquals("baton: run 12 skipped: overlap: run 11 is still running\n", r.err());
    assertTrue(cli.fake.requests("WatchRunEvents").isEmpty());
  }

  @Test
  void aBrokenWatchFallsBackToReadingTheRun() {
    triggers(run(1, null, null, ""));
    cli.fake.answerStream("WatchRunEvents", Status.UNAVAILABLE.withDescription("coordinator shutting down"));
    cli.fake.answer("GetRun", run(3, null, null, ""), run(3, null, null, ""),
        run(4, RunState.RUN_STATE_SUCCEEDED, 0, ""));

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("12\nrun 12 queued\nrun 12 running (pid 4242)\nrun 12 succeeded (exit 0, 0.12 s)\n", r.out());
    assertEquals(3, cli.fake.requests("GetRun").size());
  }

  @Test
  void aFailedTriggerIsOneLineAndNothingIsWatched() {
    cli.fake.answer("TriggerJob", Status.NOT_FOUND.withDescription("no job named etl"));

    Result r = cli.run("job", "trigger", "etl", "--wait");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: NOT_FOUND: no job named etl\n", r.err());
    assertTrue(cli.fake.requests("WatchRunEvents").isEmpty());
  }

  @Test
  void waitWithJsonPrintsOnlyTheRunAsItEnded() throws Exception {
    Run failed = run(4, RunState.RUN_STATE_FAILED, 3, "exit code 3");
    triggers(run(1, null, null, ""));
    cli.fake.answer("GetRun", failed);

    Result r = cli.run("job", "trigger", "etl", "--wait", "-o", "json");

    assertEquals(1, r.exitCode());
    Run.Builder parsed = Run.newBuilder();
    JsonFormat.parser().merge(r.out(), parsed);
    assertEquals(failed, parsed.build());
    assertEquals("baton: run 12 failed: exit code 3\n", r.err());
  }
}
