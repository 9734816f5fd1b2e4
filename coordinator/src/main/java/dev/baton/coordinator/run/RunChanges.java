package dev.baton.coordinator.run;

import com.google.protobuf.Timestamp;
import dev.baton.client.Times;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunFinished;
import dev.baton.proto.v1.RunState;
import java.time.Instant;

/**
 * How each event changes a run: pure functions from a run to its next version. Every state change goes through
 * {@link RunStateMachine#next}, so an illegal move throws instead of overwriting. The caller persists the result.
 */
public final class RunChanges {
  private RunChanges() {}

  /** The attempt the run is on (the last one). */
  public static Attempt current(Run run) {
    if (run.getAttemptsCount() == 0) {
      throw new IllegalStateException("run " + run.getId() + " has no attempt");
    }
    return run.getAttempts(run.getAttemptsCount() - 1);
  }

  /** Whether {@code attempt} is the run's current attempt. */
  public static boolean isCurrent(Run run, int attempt) {
    return run.getAttemptsCount() > 0 && current(run).getNumber() == attempt;
  }

  /** Whether {@code attempt} is the run's current attempt, assigned or running on {@code workerId}. */
  public static boolean isCurrentOn(Run run, int attempt, String workerId) {
    return (run.getState() == RunState.RUN_STATE_ASSIGNED || run.getState() == RunState.RUN_STATE_RUNNING)
        && isCurrent(run, attempt)
        && current(run).getWorkerId().equals(workerId);
  }

  /** QUEUED → ASSIGNED: the current attempt goes to {@code workerId} in {@code epoch}. */
  public static Run assign(Run run, String workerId, String workerName, long epoch, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.ASSIGN);
    Attempt attempt = current(run).toBuilder()
        .setWorkerId(workerId)
        .setWorkerName(workerName)
        .setEpoch(epoch)
        .setAssignTime(ts(now))
        .build();
    return withCurrent(run, attempt).setState(next).setStateReason("").setUpdateTime(ts(now)).build();
  }

  /** ASSIGNED → RUNNING: the worker started the process. */
  public static Run start(Run run, long pid, Timestamp startTime, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.START);
    Attempt attempt = current(run).toBuilder().setPid(pid).setStartTime(startTime).build();
    return withCurrent(run, attempt).setState(next).setUpdateTime(ts(now)).build();
  }

  /**
   * The current attempt ended as the worker reports. A run still ASSIGNED is moved through RUNNING first when the
   * process did start (its "started" report may have been lost with a connection).
   */
  public static Run finish(Run run, RunFinished result, long outputKeptFrom, Instant now) {
    RunTransition transition = switch (result.getOutcome()) {
      case ATTEMPT_OUTCOME_SUCCEEDED -> RunTransition.SUCCEED;
      case ATTEMPT_OUTCOME_TIMED_OUT -> RunTransition.TIME_OUT;
      case ATTEMPT_OUTCOME_CANCELLED -> RunTransition.CANCEL;
      default -> RunTransition.FAIL;
    };
    Run from = run;
    boolean started = result.hasStartTime();
    if (run.getState() == RunState.RUN_STATE_ASSIGNED
        && (started || transition == RunTransition.SUCCEED || transition == RunTransition.TIME_OUT)) {
      from = start(run, current(run).getPid(), started ? result.getStartTime() : result.getFinishTime(), now);
    }
    RunState next = RunStateMachine.next(from, transition);
    Attempt.Builder attempt = current(from).toBuilder()
        .setOutcome(result.getOutcome())
        .setFinishTime(result.hasFinishTime() ? result.getFinishTime() : ts(now))
        .setError(result.getError())
        .setOutputBytes(result.getOutputBytes())
        .setOutputKeptFrom(outputKeptFrom)
        .setOutputTruncated(outputKeptFrom > 0);
    if (result.hasStartTime()) {
      attempt.setStartTime(result.getStartTime());
    }
    if (result.hasExitCode()) {
      attempt.setExitCode(result.getExitCode());
    }
    if (result.hasSignal()) {
      attempt.setSignal(result.getSignal());
    }
    String reason = switch (next) {
      case RUN_STATE_FAILED -> failureReason(result);
      case RUN_STATE_TIMED_OUT -> result.getError().isEmpty() ? "timed out" : result.getError();
      case RUN_STATE_CANCELLED -> from.getCancelReason().isEmpty() ? result.getError() : from.getCancelReason();
      default -> "";
    };
    return withCurrent(from, attempt.build()).setState(next).setStateReason(reason).setUpdateTime(ts(now)).build();
  }

  /**
   * ASSIGNED or RUNNING → QUEUED with a new attempt: the worker was lost ({@code LOST}, counted in
   * {@code lost_attempts}) or refused the assignment ({@code REJECTED}). When the lost attempts reach
   * {@code maxLost}, the run FAILS instead.
   */
  public static Run requeue(Run run, AttemptOutcome outcome, String reason, int maxLost, Instant now) {
    Attempt ended = current(run).toBuilder().setOutcome(outcome).setFinishTime(ts(now)).setError(reason).build();
    Run.Builder next = withCurrent(run, ended).setUpdateTime(ts(now));
    if (outcome == AttemptOutcome.ATTEMPT_OUTCOME_LOST) {
      next.setLostAttempts(run.getLostAttempts() + 1);
      if (next.getLostAttempts() >= maxLost) {
        RunState failed = RunStateMachine.next(run, RunTransition.FAIL);
        return next.setState(failed)
            .setStateReason("lost with its worker " + next.getLostAttempts() + " times: " + reason)
            .build();
      }
    }
    RunState queued = RunStateMachine.next(run, RunTransition.REQUEUE);
    return next.setState(queued)
        .setStateReason(reason)
        .addAttempts(Attempt.newBuilder().setNumber(ended.getNumber() + 1).setQueueTime(ts(now)))
        .build();
  }

  /**
   * Whether the run's previous attempt, {@code attempt}, was declared lost on {@code workerId} and the attempt
   * queued in its place has not been given to any worker yet: then the worker, back with the attempt, can reclaim it.
   */
  public static boolean reclaimable(Run run, int attempt, String workerId) {
    if (run.getState() != RunState.RUN_STATE_QUEUED || run.getAttemptsCount() < 2 || run.getCancelRequested()) {
      return false;
    }
    Attempt queued = current(run);
    Attempt lost = run.getAttempts(run.getAttemptsCount() - 2);
    return queued.getWorkerId().isEmpty()
        && lost.getNumber() == attempt
        && lost.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_LOST
        && lost.getWorkerId().equals(workerId);
  }

  /**
   * QUEUED → RUNNING on the attempt that was declared lost ({@link #reclaimable}): the attempt queued in its place
   * never left the queue, so it is dropped rather than kept as an attempt that never was; the lost verdict is
   * undone (and no longer counts against the lost-attempt limit). The reason says what happened.
   */
  public static Run reclaim(Run run, long pid, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.RECLAIM);
    Attempt lost = run.getAttempts(run.getAttemptsCount() - 2);
    Attempt.Builder revived = lost.toBuilder().clearOutcome().clearFinishTime().clearError();
    if (!lost.hasStartTime()) {
      // Lost while ASSIGNED: its "started" report went down with the connection; the process did start.
      revived.setStartTime(lost.getAssignTime());
    }
    if (lost.getPid() == 0 && pid > 0) {
      revived.setPid(pid);
    }
    return run.toBuilder()
        .removeAttempts(run.getAttemptsCount() - 1)
        .setAttempts(run.getAttemptsCount() - 2, revived.build())
        .setLostAttempts(Math.max(0, run.getLostAttempts() - 1))
        .setState(next)
        .setStateReason("worker " + lost.getWorkerName() + " came back with attempt " + lost.getNumber()
            + " after it was declared lost; the attempt is current again")
        .setUpdateTime(ts(now))
        .build();
  }

  /** A cancel of a run that has not started on a worker yet (PENDING or QUEUED): final at once. */
  public static Run cancel(Run run, String reason, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.CANCEL);
    Run.Builder out = run.toBuilder().setState(next).setStateReason(reason).setUpdateTime(ts(now));
    if (run.getAttemptsCount() > 0 && current(run).getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_UNSPECIFIED) {
      Attempt attempt = current(run).toBuilder()
          .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED).setFinishTime(ts(now)).setError(reason).build();
      out = withCurrent(out.build(), attempt);
    }
    return out.build();
  }

  /** A cancel of an assigned or running run: marked, and final once its agent reports the process stopped. */
  public static Run requestCancel(Run run, String reason, Instant now) {
    if (!RunStateMachine.allows(run.getState(), RunTransition.CANCEL)) {
      RunStateMachine.next(run, RunTransition.CANCEL); // throws with the history
    }
    return run.toBuilder().setCancelRequested(true).setCancelReason(reason).setStateReason("cancelling: " + reason)
        .setUpdateTime(ts(now)).build();
  }

  /** PENDING → QUEUED: released into the ready queue, with its first attempt. */
  public static Run release(Run run, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.QUEUE);
    return run.toBuilder().setState(next).setStateReason("").setUpdateTime(ts(now))
        .addAttempts(Attempt.newBuilder().setNumber(run.getAttemptsCount() + 1).setQueueTime(ts(now)))
        .build();
  }

  /** FAILED / TIMED_OUT with a retry pending: the run stays in its state until {@code due}. */
  public static Run awaitRetry(Run run, Instant due, int retryNumber, String why) {
    return run.toBuilder()
        .setNextAttemptTime(ts(due))
        .setStateReason(why + "; retry " + retryNumber + " at " + due)
        .build();
  }

  /** FAILED / TIMED_OUT → QUEUED: the retry is due; a new attempt. */
  public static Run retry(Run run, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.RETRY);
    return run.toBuilder()
        .setState(next)
        .setStateReason("")
        .clearNextAttemptTime()
        .setUpdateTime(ts(now))
        .addAttempts(Attempt.newBuilder().setNumber(current(run).getNumber() + 1).setQueueTime(ts(now)))
        .build();
  }

  /** FAILED / TIMED_OUT → DEAD_LETTERED: retries exhausted. */
  public static Run deadLetter(Run run, String reason, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.DEAD_LETTER);
    return run.toBuilder().setState(next).setStateReason(reason).clearNextAttemptTime().setUpdateTime(ts(now))
        .build();
  }

  /**
   * A fresh series of attempts, recording who asked: DEAD_LETTERED → QUEUED ({@code REDRIVE}), or FAILED /
   * TIMED_OUT at rest → QUEUED ({@code RERUN}).
   */
  public static Run newSeries(Run run, RunTransition transition, String reason, String requestedBy, Instant now) {
    RunState next = RunStateMachine.next(run, transition);
    int attempt = current(run).getNumber() + 1;
    return run.toBuilder()
        .setState(next)
        .setStateReason(reason)
        .setRequestedBy(requestedBy)
        .setRedrives(run.getRedrives() + 1)
        .setSeriesStartAttempt(attempt)
        .setUpdateTime(ts(now))
        .addAttempts(Attempt.newBuilder().setNumber(attempt).setQueueTime(ts(now)))
        .build();
  }

  /** Attempts of the current series that ended FAILED or TIMED_OUT (lost or refused ones do not count). */
  public static int failuresInSeries(Run run) {
    int start = Math.max(1, run.getSeriesStartAttempt());
    int failures = 0;
    for (Attempt a : run.getAttemptsList()) {
      if (a.getNumber() >= start && (a.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_FAILED
          || a.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT)) {
        failures++;
      }
    }
    return failures;
  }

  /**
   * → FAILED: the coordinator cannot handle this run (a bug, or a stored value it cannot use); the reason says why,
   * and no retry is planned, since the same would happen again.
   */
  public static Run failInternally(Run run, String reason, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.FAIL);
    Run.Builder out = run.toBuilder().setState(next).setStateReason(reason).clearNextAttemptTime()
        .setUpdateTime(ts(now));
    if (run.getAttemptsCount() > 0 && current(run).getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_UNSPECIFIED) {
      out = withCurrent(out.build(), current(run).toBuilder().setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
          .setFinishTime(ts(now)).setError(reason).build());
    }
    return out.build();
  }

  /** QUEUED → SKIPPED (its job was deleted before it could run, a start deadline passed). */
  public static Run skip(Run run, String reason, Instant now) {
    RunState next = RunStateMachine.next(run, RunTransition.SKIP);
    return run.toBuilder().setState(next).setStateReason(reason).setUpdateTime(ts(now)).build();
  }

  private static String failureReason(RunFinished result) {
    if (!result.getError().isEmpty()) {
      return result.getError();
    }
    if (result.hasExitCode()) {
      return "exit code " + result.getExitCode();
    }
    return result.hasSignal() ? "killed by signal " + result.getSignal() : "failed";
  }

  private static Run.Builder withCurrent(Run run, Attempt attempt) {
    return run.toBuilder().setAttempts(run.getAttemptsCount() - 1, attempt);
  }

  private static Run.Builder withCurrent(Run.Builder run, Attempt attempt) {
    return run.setAttempts(run.getAttemptsCount() - 1, attempt);
  }

  private static Timestamp ts(Instant t) {
    return Times.toProto(t);
  }
}
