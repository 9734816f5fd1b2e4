package dev.baton.cli.output;

import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Run;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.List;

/** Runs as people read them. Runs belong to no time zone, so their times are shown in UTC. */
public final class RunView {
  private static final ZoneId ZONE = TimeText.UTC;

  private RunView() {}

  /** ID, JOB, STATE, REASON (why the run exists), SCHEDULED, CREATED, ATTEMPTS, then the state's reason. */
  public static void table(List<Run> runs, PrintWriter out) {
    Table t = new Table("ID", "JOB", "STATE", "REASON", "SCHEDULED", "CREATED", "ATTEMPTS", "DETAIL");
    for (Run r : runs) {
      t.row(r.getId(), r.getJob(), EnumText.name(r.getState()), EnumText.name(r.getReason()),
          TimeText.format(r.getScheduledTime(), ZONE), TimeText.format(r.getCreateTime(), ZONE),
          Integer.toString(r.getAttemptsCount()), r.getStateReason());
    }
    t.print(out);
  }

  /** One run and its attempts. */
  public static void details(Run r, PrintWriter out) {
    Details d = new Details();
    d.always("Id", r.getId());
    d.always("Job", r.getJob());
    d.always("State", EnumText.name(r.getState()));
    d.add("State reason", r.getStateReason());
    d.add("Reason", EnumText.name(r.getReason()));
    d.add("Requested by", r.getRequestedBy());
    d.add("Scheduled", r.hasScheduledTime() ? TimeText.format(r.getScheduledTime(), ZONE) : "");
    d.add("Wave", r.getWaveId());
    d.add("Priority", EnumText.name(r.getPriority()));
    d.add("Job version", r.getJobVersion() == 0 ? "" : Long.toUnsignedString(r.getJobVersion()));
    d.add("Missed ticks", r.getMissedTicks() == 0 ? "" : Integer.toUnsignedString(r.getMissedTicks()));
    d.add("Lost attempts", r.getLostAttempts() == 0 ? "" : Integer.toUnsignedString(r.getLostAttempts()));
    d.add("Next attempt", r.hasNextAttemptTime() ? TimeText.format(r.getNextAttemptTime(), ZONE) : "");
    d.add("Created", r.hasCreateTime() ? TimeText.format(r.getCreateTime(), ZONE) : "");
    d.add("Updated", r.hasUpdateTime() ? TimeText.format(r.getUpdateTime(), ZONE) : "");
    d.always("Attempts", Integer.toString(r.getAttemptsCount()));
    d.print(out);
    if (r.getAttemptsCount() > 0) {
      out.println();
      Table t = new Table("#", "WORKER", "EPOCH", "OUTCOME", "EXIT", "QUEUED", "STARTED", "FINISHED", "ERROR");
      for (Attempt a : r.getAttemptsList()) {
        t.row(Integer.toUnsignedString(a.getNumber()), a.getWorkerName().isEmpty() ? a.getWorkerId()
                : a.getWorkerName(), a.getEpoch() == 0 ? "" : Long.toUnsignedString(a.getEpoch()),
            outcome(a), exit(a), TimeText.format(a.getQueueTime(), ZONE), TimeText.format(a.getStartTime(), ZONE),
            TimeText.format(a.getFinishTime(), ZONE), a.getError());
      }
      t.print(out);
    }
  }

  private static String outcome(Attempt a) {
    String o = EnumText.name(a.getOutcome());
    return o.isEmpty() ? (a.hasStartTime() ? "running" : "") : o;
  }

  private static String exit(Attempt a) {
    if (a.hasExitCode()) {
      return Integer.toString(a.getExitCode());
    }
    return a.hasSignal() ? "signal " + a.getSignal() : "";
  }
}
