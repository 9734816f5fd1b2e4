package dev.baton.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import org.junit.jupiter.api.Test;

class RunStateMachineTest {
  private static Run in(RunState state) {
    return Run.newBuilder().setId("42").setJob("backup").setState(state).setReason(RunReason.RUN_REASON_SCHEDULE)
        .build();
  }

  private static RunState move(RunState from, RunTransition t) {
    return RunStateMachine.next(in(from), t);
  }

  @Test
  void theHappyPath() {
    assertEquals(RunState.RUN_STATE_QUEUED, move(RunState.RUN_STATE_PENDING, RunTransition.QUEUE));
    assertEquals(RunState.RUN_STATE_ASSIGNED, move(RunState.RUN_STATE_QUEUED, RunTransition.ASSIGN));
    assertEquals(RunState.RUN_STATE_RUNNING, move(RunState.RUN_STATE_ASSIGNED, RunTransition.START));
    assertEquals(RunState.RUN_STATE_SUCCEEDED, move(RunState.RUN_STATE_RUNNING, RunTransition.SUCCEED));
  }

  @Test
  void failuresRetryOrDeadLetter() {
    assertEquals(RunState.RUN_STATE_FAILED, move(RunState.RUN_STATE_RUNNING, RunTransition.FAIL));
    assertEquals(RunState.RUN_STATE_TIMED_OUT, move(RunState.RUN_STATE_RUNNING, RunTransition.TIME_OUT));
    assertEquals(RunState.RUN_STATE_QUEUED, move(RunState.RUN_STATE_FAILED, RunTransition.RETRY));
    assertEquals(RunState.RUN_STATE_QUEUED, move(RunState.RUN_STATE_TIMED_OUT, RunTransition.RETRY));
    assertEquals(RunState.RUN_STATE_DEAD_LETTERED, move(RunState.RUN_STATE_FAILED, RunTransition.DEAD_LETTER));
    assertEquals(RunState.RUN_STATE_QUEUED, move(RunState.RUN_STATE_DEAD_LETTERED, RunTransition.REDRIVE));
    assertEquals(RunState.RUN_STATE_FAILED, move(RunState.RUN_STATE_ASSIGNED, RunTransition.FAIL));
  }

  @Test
  void aLostWorkerRequeues() {
    assertEquals(RunState.RUN_STATE_QUEUED, move(RunState.RUN_STATE_ASSIGNED, RunTransition.REQUEUE));
    assertEquals(RunState.RUN_STATE_QUEUED, move(RunState.RUN_STATE_RUNNING, RunTransition.REQUEUE));
  }

  @Test
  void cancelFromEveryNonFinalStateOnly() {
    for (RunState s : new RunState[] {RunState.RUN_STATE_PENDING, RunState.RUN_STATE_QUEUED,
        RunState.RUN_STATE_ASSIGNED, RunState.RUN_STATE_RUNNING, RunState.RUN_STATE_FAILED,
        RunState.RUN_STATE_TIMED_OUT}) {
      assertEquals(RunState.RUN_STATE_CANCELLED, move(s, RunTransition.CANCEL), s.name());
    }
    for (RunState s : new RunState[] {RunState.RUN_STATE_SUCCEEDED, RunState.RUN_STATE_SKIPPED,
        RunState.RUN_STATE_CANCELLED}) {
      assertFalse(RunStateMachine.allows(s, RunTransition.CANCEL), s.name());
    }
  }

  @Test
  void finalStatesHaveNoWayOut() {
    for (RunTransition t : RunTransition.values()) {
      assertFalse(RunStateMachine.allows(RunState.RUN_STATE_SUCCEEDED, t));
      assertFalse(RunStateMachine.allows(RunState.RUN_STATE_SKIPPED, t));
      assertFalse(RunStateMachine.allows(RunState.RUN_STATE_CANCELLED, t));
    }
  }

  @Test
  void anIllegalMoveThrowsWithTheRunsHistory() {
    Run run = in(RunState.RUN_STATE_SUCCEEDED).toBuilder()
        .addAttempts(Attempt.newBuilder().setNumber(1).setWorkerName("w1").setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED))
        .build();
    IllegalRunTransitionException e =
        assertThrows(IllegalRunTransitionException.class, () -> RunStateMachine.next(run, RunTransition.START));
    assertTrue(e.getMessage().contains("run 42 of job backup: no move START from RUN_STATE_SUCCEEDED"),
        e.getMessage());
    assertTrue(e.getMessage().contains("attempt 1 on w1 ATTEMPT_OUTCOME_SUCCEEDED"), e.getMessage());
  }

  @Test
  void skipOnlyBeforeExecution() {
    assertEquals(RunState.RUN_STATE_SKIPPED, move(RunState.RUN_STATE_PENDING, RunTransition.SKIP));
    assertEquals(RunState.RUN_STATE_SKIPPED, move(RunState.RUN_STATE_QUEUED, RunTransition.SKIP));
    assertFalse(RunStateMachine.allows(RunState.RUN_STATE_RUNNING, RunTransition.SKIP));
    assertTrue(RunStateMachine.isActive(RunState.RUN_STATE_RUNNING));
    assertFalse(RunStateMachine.isActive(RunState.RUN_STATE_FAILED));
  }
}
