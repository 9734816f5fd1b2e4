package dev.baton.cli.output;

import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.Run;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.List;

/** Entries of the dead-letter queue as people read them. Their times are shown in UTC, as runs' are. */
public final class DeadLetterView {
  private static final ZoneId ZONE = TimeText.UTC;

  private DeadLetterView() {}

  /** RUN, JOB, DEAD-LETTERED (when it entered the queue), EXIT (of the last attempt), REASON. */
  public static void table(List<DeadLetter> entries, PrintWriter out) {
    Table t = new Table("RUN", "JOB", "DEAD-LETTERED", "EXIT", "REASON");
    for (DeadLetter d : entries) {
      t.row(d.getRun().getId(), d.getRun().getJob(), TimeText.format(d.getDeadLetterTime(), ZONE), exit(d), reason(d));
    }
    t.print(out);
  }

  /**
   * One entry, without its output tail: the command writes the tail's bytes after this block, unchanged.
   * {@code Output tail} says how many bytes follow, or {@code none}.
   */
  public static void details(DeadLetter d, PrintWriter out) {
    Run r = d.getRun();
    Details details = new Details();
    details.always("Run", r.getId());
    details.always("Job", r.getJob());
    details.always("Dead-lettered", TimeText.format(d.getDeadLetterTime(), ZONE));
    details.always("Reason", reason(d));
    details.always("Last exit", exit(d));
    details.always("Attempts", Integer.toString(r.getAttemptsCount()));
    details.add("Redrives", r.getRedrives() == 0 ? "" : Integer.toUnsignedString(r.getRedrives()));
    details.add("Requested by", r.getRequestedBy());
    details.add("Wave", r.getWaveId());
    details.always("Output tail", d.getOutputTail().isEmpty() ? "none"
        : RunView.bytes(d.getOutputTail().size()) + ", below");
    details.print(out);
  }

  /** The last attempt's exit code, else the signal that ended it; empty if neither is known. */
  static String exit(DeadLetter d) {
    if (d.hasLastExitCode()) {
      return Integer.toString(d.getLastExitCode());
    }
    Run r = d.getRun();
    Attempt last = r.getAttemptsCount() == 0 ? Attempt.getDefaultInstance() : r.getAttempts(r.getAttemptsCount() - 1);
    return last.hasSignal() ? "signal " + last.getSignal() : "";
  }

  /** Why it was dead-lettered, else the run's state reason. */
  private static String reason(DeadLetter d) {
    return d.getReason().isEmpty() ? d.getRun().getStateReason() : d.getReason();
  }
}
