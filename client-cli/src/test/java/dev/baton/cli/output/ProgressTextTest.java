package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress lines of a followed run, ages and sizes as people read them. */
class ProgressTextTest {
  private static final Instant NOW = Instant.parse("2026-11-23T09:00:00Z");

  private static Timestamp before(long millis) {
    Instant t = NOW.minusMillis(millis);
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  private static Run.Builder run(RunState state) {
    return Run.newBuilder().setId("12").setState(state);
  }

  @Test
  void everyStateHasItsLine() {
    Attempt running = Attempt.newBuilder().setNumber(2).setWorkerId("3f2a9c1e").setPid(77).build();
    assertEquals("run 12 pending (next attempt at 2026-11-23 09:00:00 UTC)", RunProgress.line(
        run(RunState.RUN_STATE_PENDING).setNextAttemptTime(before(0)).build()));
    assertEquals("run 12 queued (no worker matches selector gpu=true)", RunProgress.line(
        run(RunState.RUN_STATE_QUEUED).setStateReason("no worker matches selector gpu=true").build()));
    assertEquals("run 12 assigned to 3f2a9c1e (attempt 2)", RunProgress.line(
        run(RunState.RUN_STATE_ASSIGNED).addAttempts(running).build()));
    assertEquals("run 12 running", RunProgress.line(run(RunState.RUN_STATE_RUNNING).build()));
    assertEquals("run 12 cancelling: its agent is stopping it", RunProgress.line(
        run(RunState.RUN_STATE_RUNNING).addAttempts(running).setCancelRequested(true).build()));
    assertEquals("run 12 failed (signal 9: killed by signal 9)", RunProgress.line(
        run(RunState.RUN_STATE_FAILED).addAttempts(running.toBuilder().setSignal(9).setError("killed by signal 9"))
            .build()));
    assertEquals("run 12 cancelled (alice: wrong input)", RunProgress.line(
        run(RunState.RUN_STATE_CANCELLED).setCancelReason("alice: wrong input").build()));
    assertEquals("run 12 dead-lettered (exit 2: exit code 2 after 3 retries)", RunProgress.line(
        run(RunState.RUN_STATE_DEAD_LETTERED).setStateReason("exit code 2 after 3 retries")
            .addAttempts(running.toBuilder().setExitCode(2)).build()));
  }

  @Test
  void failureLinesSayWhy() {
    assertEquals("run 12 failed: no such file: /bin/nope", RunProgress.failure(run(RunState.RUN_STATE_FAILED)
        .addAttempts(Attempt.newBuilder().setNumber(1).setError("no such file: /bin/nope")).build()));
    assertEquals("run 12 failed: exit 4", RunProgress.failure(run(RunState.RUN_STATE_FAILED)
        .addAttempts(Attempt.newBuilder().setNumber(1).setExitCode(4)).build()));
    assertEquals("run 12 cancelled", RunProgress.failure(run(RunState.RUN_STATE_CANCELLED).build()));
  }

  @Test
  void aWaiterStopsAtEveryStateThatEndsTheRunForNow() {
    for (RunState s : RunState.values()) {
      if (s == RunState.UNRECOGNIZED) {
        continue;
      }
      boolean over = s == RunState.RUN_STATE_SUCCEEDED || s == RunState.RUN_STATE_FAILED
          || s == RunState.RUN_STATE_TIMED_OUT || s == RunState.RUN_STATE_SKIPPED
          || s == RunState.RUN_STATE_CANCELLED || s == RunState.RUN_STATE_DEAD_LETTERED;
      assertEquals(over, RunProgress.isOver(run(s).build()), s.name());
    }
    assertFalse(RunProgress.isOver(run(RunState.RUN_STATE_UNSPECIFIED).build()));
    assertTrue(RunProgress.isOver(run(RunState.RUN_STATE_FAILED).build()));
  }

  @Test
  void aFailedAttemptWithARetryToComeIsNotTheEnd() {
    for (RunState s : List.of(RunState.RUN_STATE_FAILED, RunState.RUN_STATE_TIMED_OUT)) {
      Run retrying = run(s).setNextAttemptTime(Timestamp.newBuilder().setSeconds(1_764_000_000))
          .build();
      assertFalse(RunProgress.isOver(retrying), s.name());
      assertTrue(RunProgress.line(retrying).contains("will be retried at"), RunProgress.line(retrying));
    }
  }

  @Test
  void agesAndElapsedTimes() {
    assertEquals("0.4s ago", TimeText.age(before(400), NOW));
    assertEquals("0.9s ago", TimeText.age(before(999), NOW));
    assertEquals("59.9s ago", TimeText.age(before(59_950), NOW));
    assertEquals("1m15s ago", TimeText.age(before(75_400), NOW));
    assertEquals("2h5m ago", TimeText.age(before((2 * 3600 + 5 * 60 + 30) * 1000L), NOW));
    assertEquals("3d4h ago", TimeText.age(before(((3 * 24 + 4) * 3600 + 120) * 1000L), NOW));
    assertEquals("0.0s ago", TimeText.age(before(-1500), NOW), "a heartbeat from a clock ahead of ours");
    assertEquals("-", TimeText.age(Timestamp.getDefaultInstance(), NOW));

    assertEquals("0.12 s", TimeText.elapsed(before(120), before(0)));
    assertEquals("1m30s", TimeText.elapsed(before(90_500), before(0)));
    assertEquals("", TimeText.elapsed(before(120), Timestamp.getDefaultInstance()));
  }

  @Test
  void sizes() {
    assertEquals("0 B", RunView.bytes(0));
    assertEquals("1023 B", RunView.bytes(1023));
    assertEquals("1.0 KiB", RunView.bytes(1024));
    assertEquals("1.0 MiB", RunView.bytes(1 << 20));
    assertEquals("16.0 EiB", RunView.bytes(-1));
  }
}
