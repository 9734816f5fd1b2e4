package dev.baton.coordinator.run;

import static dev.baton.proto.v1.RunState.RUN_STATE_ASSIGNED;
import static dev.baton.proto.v1.RunState.RUN_STATE_CANCELLED;
import static dev.baton.proto.v1.RunState.RUN_STATE_DEAD_LETTERED;
import static dev.baton.proto.v1.RunState.RUN_STATE_FAILED;
import static dev.baton.proto.v1.RunState.RUN_STATE_PENDING;
import static dev.baton.proto.v1.RunState.RUN_STATE_QUEUED;
import static dev.baton.proto.v1.RunState.RUN_STATE_RUNNING;
import static dev.baton.proto.v1.RunState.RUN_STATE_SKIPPED;
import static dev.baton.proto.v1.RunState.RUN_STATE_SUCCEEDED;
import static dev.baton.proto.v1.RunState.RUN_STATE_TIMED_OUT;

import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;

/**
 * The one table of legal run state moves (DESIGN.md section 2). Every state change of a run goes through
 * {@link #next}; a move not in the table throws with the run's history, instead of silently overwriting a state.
 *
 * <pre>
 * PENDING ──► QUEUED ──► ASSIGNED ──► RUNNING ──► SUCCEEDED
 *    │           │           │           ├──────► FAILED ──► (retry) QUEUED
 *    │           │           │           ├──────► TIMED_OUT ─► (retry) QUEUED
 *    │           │           └──► (worker lost) QUEUED, next attempt
 *    ├──► SKIPPED (overlap, misfire, upstream failed, start deadline)
 *    └──► CANCELLED (from any non-final state)
 * FAILED / TIMED_OUT with retries exhausted ──► DEAD_LETTERED (in the DLQ)
 * </pre>
 */
public final class RunStateMachine {
  private static final Map<RunState, Map<RunTransition, RunState>> TABLE = new EnumMap<>(RunState.class);

  static {
    allow(RUN_STATE_PENDING, RunTransition.QUEUE, RUN_STATE_QUEUED);
    allow(RUN_STATE_PENDING, RunTransition.SKIP, RUN_STATE_SKIPPED);
    allow(RUN_STATE_PENDING, RunTransition.CANCEL, RUN_STATE_CANCELLED);

    allow(RUN_STATE_QUEUED, RunTransition.ASSIGN, RUN_STATE_ASSIGNED);
    // A queued run can miss its start deadline, or lose to an overlap policy before it starts.
    allow(RUN_STATE_QUEUED, RunTransition.SKIP, RUN_STATE_SKIPPED);
    allow(RUN_STATE_QUEUED, RunTransition.CANCEL, RUN_STATE_CANCELLED);
    // A run the coordinator cannot dispatch (a stored value it cannot use) fails with the reason instead of stalling.
    allow(RUN_STATE_QUEUED, RunTransition.FAIL, RUN_STATE_FAILED);
    // A worker declared lost that comes back before the replacement attempt left the queue keeps its attempt.
    allow(RUN_STATE_QUEUED, RunTransition.RECLAIM, RUN_STATE_RUNNING);

    allow(RUN_STATE_ASSIGNED, RunTransition.START, RUN_STATE_RUNNING);
    allow(RUN_STATE_ASSIGNED, RunTransition.REQUEUE, RUN_STATE_QUEUED);
    // A command that cannot start (missing binary, bad working dir) fails without ever running.
    allow(RUN_STATE_ASSIGNED, RunTransition.FAIL, RUN_STATE_FAILED);
    allow(RUN_STATE_ASSIGNED, RunTransition.CANCEL, RUN_STATE_CANCELLED);

    allow(RUN_STATE_RUNNING, RunTransition.SUCCEED, RUN_STATE_SUCCEEDED);
    allow(RUN_STATE_RUNNING, RunTransition.FAIL, RUN_STATE_FAILED);
    allow(RUN_STATE_RUNNING, RunTransition.TIME_OUT, RUN_STATE_TIMED_OUT);
    allow(RUN_STATE_RUNNING, RunTransition.REQUEUE, RUN_STATE_QUEUED);
    allow(RUN_STATE_RUNNING, RunTransition.CANCEL, RUN_STATE_CANCELLED);

    // While a retry waits out its delay the run stays FAILED / TIMED_OUT, and may still be cancelled.
    for (RunState failed : Set.of(RUN_STATE_FAILED, RUN_STATE_TIMED_OUT)) {
      allow(failed, RunTransition.RETRY, RUN_STATE_QUEUED);
      allow(failed, RunTransition.DEAD_LETTER, RUN_STATE_DEAD_LETTERED);
      allow(failed, RunTransition.CANCEL, RUN_STATE_CANCELLED);
      allow(failed, RunTransition.RERUN, RUN_STATE_QUEUED);
    }

    allow(RUN_STATE_DEAD_LETTERED, RunTransition.REDRIVE, RUN_STATE_QUEUED);
  }

  private RunStateMachine() {}

  private static void allow(RunState from, RunTransition transition, RunState to) {
    TABLE.computeIfAbsent(from, s -> new EnumMap<>(RunTransition.class)).put(transition, to);
  }

  /** Whether {@code transition} is legal from {@code state}. */
  public static boolean allows(RunState state, RunTransition transition) {
    return TABLE.getOrDefault(state, Map.of()).containsKey(transition);
  }

  /**
   * The state {@code run} moves to on {@code transition}.
   *
   * @throws IllegalRunTransitionException if the table has no such move; the message carries the run's history
   */
  public static RunState next(Run run, RunTransition transition) {
    RunState to = TABLE.getOrDefault(run.getState(), Map.of()).get(transition);
    if (to == null) {
      throw new IllegalRunTransitionException(
          "run " + run.getId() + " of job " + run.getJob() + ": no move " + transition + " from "
              + run.getState() + "; history: " + history(run));
    }
    return to;
  }

  /** States a run can still leave by executing (not counting redrive or a pending retry). */
  public static boolean isActive(RunState state) {
    return state == RUN_STATE_PENDING
        || state == RUN_STATE_QUEUED
        || state == RUN_STATE_ASSIGNED
        || state == RUN_STATE_RUNNING;
  }

  private static String history(Run run) {
    StringBuilder out = new StringBuilder("created ").append(run.getReason());
    for (Attempt attempt : run.getAttemptsList()) {
      out.append(", attempt ").append(attempt.getNumber());
      if (!attempt.getWorkerName().isEmpty()) {
        out.append(" on ").append(attempt.getWorkerName());
      }
      if (attempt.getOutcome().getNumber() != 0) {
        out.append(" ").append(attempt.getOutcome());
      }
    }
    return out.append(", now ").append(run.getState()).toString();
  }
}
