package dev.baton.cli.output;

import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.time.ZoneId;

/**
 * A run followed to its end ({@code job trigger --wait}) as people read it: one line per change
 * ({@code run 12 running (pid 4242)}) and, for a run that did not succeed, the one failure line.
 */
public final class RunProgress {
  private static final ZoneId ZONE = TimeText.UTC;

  private RunProgress() {}

  /**
   * Whether a waiter is done with a run: it succeeded, was skipped, cancelled or dead-lettered, or failed or timed
   * out with no retry to come. A failed attempt with a retry scheduled is not the end: the run may still succeed.
   */
  public static boolean isOver(Run run) {
    return switch (run.getState()) {
      case RUN_STATE_SUCCEEDED, RUN_STATE_SKIPPED, RUN_STATE_CANCELLED, RUN_STATE_DEAD_LETTERED -> true;
      case RUN_STATE_FAILED, RUN_STATE_TIMED_OUT -> !run.hasNextAttemptTime();
      default -> false;
    };
  }

  /**
   * The run's state as one line: {@code run 12 queued}, {@code run 12 assigned to worker-a (attempt 1)},
   * {@code run 12 running (pid 4242)}, {@code run 12 succeeded (exit 0, 0.12 s)},
   * {@code run 12 failed (exit 3: exit code 3)}, {@code run 12 cancelling: its agent is stopping it}.
   */
  public static String line(Run run) {
    String head = "run " + run.getId() + " ";
    Attempt attempt = current(run);
    boolean active = run.getState() == RunState.RUN_STATE_ASSIGNED || run.getState() == RunState.RUN_STATE_RUNNING;
    if (active && run.getCancelRequested()) {
      return head + "cancelling: its agent is stopping it";
    }
    return head + switch (run.getState()) {
      case RUN_STATE_PENDING -> "pending" + inParentheses(run.hasNextAttemptTime()
          ? "next attempt at " + TimeText.format(run.getNextAttemptTime(), ZONE) : run.getStateReason());
      case RUN_STATE_QUEUED -> "queued" + inParentheses(run.getStateReason());
      case RUN_STATE_ASSIGNED -> "assigned to " + worker(attempt) + " (attempt " + number(run, attempt) + ")";
      case RUN_STATE_RUNNING -> "running" + inParentheses(attempt.getPid() == 0 ? "" : "pid " + attempt.getPid());
      case RUN_STATE_SUCCEEDED -> "succeeded"
          + inParentheses(join(", ", exit(attempt), TimeText.elapsed(attempt.getStartTime(), attempt.getFinishTime())));
      case RUN_STATE_FAILED, RUN_STATE_TIMED_OUT, RUN_STATE_SKIPPED, RUN_STATE_CANCELLED, RUN_STATE_DEAD_LETTERED ->
          word(run.getState()) + inParentheses(join(": ", exit(attempt), reason(run, attempt)))
              + (isOver(run) ? "" : "; attempt " + number(run, attempt) + " will be retried at "
                  + TimeText.format(run.getNextAttemptTime(), ZONE));
      default -> "in an unknown state";
    };
  }

  /**
   * Why a run that is over did not succeed, without the {@code baton: } prefix: {@code run 12 failed: exit code 3}.
   */
  public static String failure(Run run) {
    Attempt attempt = current(run);
    String why = reason(run, attempt);
    if (why.isEmpty()) {
      why = exit(attempt);
    }
    String state = run.getState() == RunState.RUN_STATE_UNSPECIFIED ? "ended in an unknown state"
        : word(run.getState());
    return "run " + run.getId() + " " + state + (why.isEmpty() ? "" : ": " + why);
  }

  /** The latest attempt, or an empty one. */
  private static Attempt current(Run run) {
    return run.getAttemptsCount() == 0 ? Attempt.getDefaultInstance()
        : run.getAttempts(run.getAttemptsCount() - 1);
  }

  private static String number(Run run, Attempt attempt) {
    return Integer.toUnsignedString(attempt.getNumber() == 0 ? run.getAttemptsCount() : attempt.getNumber());
  }

  private static String worker(Attempt attempt) {
    if (!attempt.getWorkerName().isEmpty()) {
      return attempt.getWorkerName();
    }
    return attempt.getWorkerId().isEmpty() ? "a worker" : attempt.getWorkerId();
  }

  private static String exit(Attempt attempt) {
    if (attempt.hasExitCode()) {
      return "exit " + attempt.getExitCode();
    }
    return attempt.hasSignal() ? "signal " + attempt.getSignal() : "";
  }

  /** The run's state reason, else what the attempt or the cancel recorded. */
  private static String reason(Run run, Attempt attempt) {
    if (!run.getStateReason().isEmpty()) {
      return oneLine(run.getStateReason());
    }
    if (!attempt.getError().isEmpty()) {
      return oneLine(attempt.getError());
    }
    return run.getState() == RunState.RUN_STATE_CANCELLED ? oneLine(run.getCancelReason()) : "";
  }

  private static String word(RunState state) {
    return state == RunState.RUN_STATE_TIMED_OUT ? "timed out" : EnumText.name(state);
  }

  private static String join(String separator, String a, String b) {
    return a.isEmpty() ? b : b.isEmpty() ? a : a + separator + b;
  }

  private static String inParentheses(String detail) {
    return detail.isEmpty() ? "" : " (" + oneLine(detail) + ")";
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
