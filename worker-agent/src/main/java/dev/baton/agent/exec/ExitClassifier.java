package dev.baton.agent.exec;

import dev.baton.proto.v1.AttemptOutcome;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/** Turns how a process ended into an outcome, exit code and signal. Pure. */
final class ExitClassifier {

  private ExitClassifier() {}

  /** Why the runner stopped an attempt. */
  enum StopCause {
    TIMEOUT,
    CANCEL,
    /** Given up because this agent lost its coordinator (self-fencing, or the coordinator moved on). */
    LOST
  }

  /** The runner's decision to stop an attempt; the first one made stands. */
  record Stop(StopCause cause, String reason) {
    Stop {
      Objects.requireNonNull(cause, "cause");
      Objects.requireNonNull(reason, "reason");
    }

    static Stop timeout(Duration timeout) {
      return new Stop(StopCause.TIMEOUT, "timed out after " + humanize(timeout));
    }
  }

  /** Outcome, exit code, signal and error of an attempt that ran. */
  record Verdict(AttemptOutcome outcome, OptionalInt exitCode, OptionalInt signal, String error) {}

  /**
   * Classifies an exit.
   *
   * @param exitValue what {@link Process#exitValue()} reports: the exit status, or 128+N for a
   *     death by signal N (Java does not tell the two apart)
   * @param stop the runner's decision to stop the attempt, made before the exit was seen; {@code
   *     null} if there was none
   * @param sent the signals the runner sent to the attempt's group
   */
  static Verdict classify(int exitValue, Stop stop, Set<Signal> sent) {
    if (stop == null) {
      // Nobody here signalled it, so 128+N is reported as the exit code it looks like.
      return exitValue == 0
          ? new Verdict(
              AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, OptionalInt.of(0), OptionalInt.empty(), "")
          : new Verdict(
              AttemptOutcome.ATTEMPT_OUTCOME_FAILED,
              OptionalInt.of(exitValue),
              OptionalInt.empty(),
              "");
    }
    AttemptOutcome outcome = switch (stop.cause()) {
      case TIMEOUT -> AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT;
      case CANCEL -> AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED;
      case LOST -> AttemptOutcome.ATTEMPT_OUTCOME_LOST;
    };
    // KILL is checked first: if both were sent and the status says KILL, KILL ended it.
    for (Signal signal : new Signal[] {Signal.KILL, Signal.TERM}) {
      if (sent.contains(signal) && exitValue == 128 + signal.number()) {
        return new Verdict(outcome, OptionalInt.empty(), OptionalInt.of(signal.number()), stop.reason());
      }
    }
    // It handled the signal and exited by itself (or exited just as it was stopped): its own status.
    return new Verdict(outcome, OptionalInt.of(exitValue), OptionalInt.empty(), stop.reason());
  }

  /** "5s", "0.5s", "1m30s", "2h": a duration as people write it. */
  static String humanize(Duration duration) {
    return duration.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
  }
}
