package dev.baton.agent.exec;

import dev.baton.proto.v1.AttemptOutcome;
import java.time.Instant;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How an attempt ended.
 *
 * @param outcome SUCCEEDED (exit 0), FAILED (non-zero exit, or could not start), TIMED_OUT or
 *     CANCELLED (stopped by the runner, through {@link RunningProcess#cancel} or {@link
 *     RunningProcess#kill})
 * @param exitCode the exit status; absent if the process never started or the runner's signal
 *     ended it. Java reports a death by signal N as 128+N, so a process killed by a signal the
 *     runner did not send (say SIGSEGV, or the OOM killer's SIGKILL) shows as exit code 128+N.
 * @param signal the signal the runner sent that ended the process, if one did
 * @param error why it could not start or was stopped; empty otherwise
 * @param startTime agent clock at the spawn (at the failed attempt, if it never started)
 * @param finishTime agent clock when the result was made
 * @param outputBytes every byte read from stdout and stderr
 * @param outputTail the last {@code min(maxOutputBytes, 64 KiB)} bytes of the combined output
 */
public record ExecResult(
    AttemptOutcome outcome,
    OptionalInt exitCode,
    OptionalInt signal,
    String error,
    Instant startTime,
    Instant finishTime,
    long outputBytes,
    byte[] outputTail) {

  public ExecResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(signal, "signal");
    Objects.requireNonNull(error, "error");
    Objects.requireNonNull(startTime, "startTime");
    Objects.requireNonNull(finishTime, "finishTime");
    Objects.requireNonNull(outputTail, "outputTail");
  }

  /** The result of a command that could not start. */
  public static ExecResult notStarted(String error, Instant at) {
    return new ExecResult(
        AttemptOutcome.ATTEMPT_OUTCOME_FAILED,
        OptionalInt.empty(),
        OptionalInt.empty(),
        error,
        at,
        at,
        0,
        new byte[0]);
  }

  @Override
  public String toString() {
    return "ExecResult[outcome=" + outcome
        + ", exitCode=" + exitCode
        + ", signal=" + signal
        + ", error=" + error
        + ", startTime=" + startTime
        + ", finishTime=" + finishTime
        + ", outputBytes=" + outputBytes
        + ", outputTail=" + outputTail.length + " bytes]";
  }
}
