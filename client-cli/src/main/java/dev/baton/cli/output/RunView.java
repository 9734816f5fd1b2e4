package dev.baton.cli.output;

import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Run;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Runs as people read them. Runs belong to no time zone, so their times are shown in UTC. */
public final class RunView {
  private static final ZoneId ZONE = TimeText.UTC;

  private RunView() {}

  /** ID, JOB, STATE, REASON (why the run exists), SCHEDULED, CREATED, ATTEMPTS, then the state's reason. */
  public static void table(List<Run> runs, PrintWriter out) {
    table(runs).print(out);
  }

  /** The table of {@link #table(List, PrintWriter)}, to print, and then to add rows to ({@link #row}). */
  public static Table table(List<Run> runs) {
    Table t = new Table("ID", "JOB", "STATE", "REASON", "SCHEDULED", "CREATED", "ATTEMPTS", "DETAIL");
    for (Run r : runs) {
      row(t, r);
    }
    return t;
  }

  /** Adds a run's row to a table of runs. */
  public static void row(Table t, Run r) {
    t.row(r.getId(), r.getJob(), EnumText.name(r.getState()), EnumText.name(r.getReason()),
        TimeText.format(r.getScheduledTime(), ZONE), TimeText.format(r.getCreateTime(), ZONE),
        Integer.toString(r.getAttemptsCount()), r.getStateReason());
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
    d.add("Params", WorkerView.labels(r.getParamsMap()));
    d.add("Scheduled", r.hasScheduledTime() ? TimeText.format(r.getScheduledTime(), ZONE) : "");
    d.add("Wave", r.getWaveId());
    d.add("Priority", EnumText.name(r.getPriority()));
    d.add("Job version", r.getJobVersion() == 0 ? "" : Long.toUnsignedString(r.getJobVersion()));
    d.add("Missed ticks", r.getMissedTicks() == 0 ? "" : Integer.toUnsignedString(r.getMissedTicks()));
    d.add("Lost attempts", r.getLostAttempts() == 0 ? "" : Integer.toUnsignedString(r.getLostAttempts()));
    d.add("Next attempt", r.hasNextAttemptTime() ? TimeText.format(r.getNextAttemptTime(), ZONE) : "");
    d.add("Cancel requested", r.getCancelRequested() ? "yes" : "");
    d.add("Cancel reason", r.getCancelReason());
    d.add("Created", r.hasCreateTime() ? TimeText.format(r.getCreateTime(), ZONE) : "");
    d.add("Updated", r.hasUpdateTime() ? TimeText.format(r.getUpdateTime(), ZONE) : "");
    d.always("Attempts", Integer.toString(r.getAttemptsCount()));
    d.print(out);
    if (r.getAttemptsCount() > 0) {
      out.println();
      attempts(r.getAttemptsList(), out);
    }
  }

  /**
   * One row per attempt. PID and OUTPUT are shown only when some attempt has them (an attempt that never started
   * has neither).
   */
  private static void attempts(List<Attempt> attempts, PrintWriter out) {
    boolean pids = attempts.stream().anyMatch(a -> a.getPid() != 0);
    boolean output = attempts.stream().anyMatch(a -> a.getOutputBytes() != 0 || a.getOutputTruncated());
    List<String> header = new ArrayList<>(List.of("#", "WORKER", "EPOCH"));
    if (pids) {
      header.add("PID");
    }
    header.addAll(List.of("OUTCOME", "EXIT", "QUEUED", "STARTED", "FINISHED"));
    if (output) {
      header.add("OUTPUT");
    }
    header.add("ERROR");
    Table t = new Table(header.toArray(String[]::new));
    for (Attempt a : attempts) {
      List<String> row = new ArrayList<>(List.of(Integer.toUnsignedString(a.getNumber()),
          a.getWorkerName().isEmpty() ? a.getWorkerId() : a.getWorkerName(),
          a.getEpoch() == 0 ? "" : Long.toUnsignedString(a.getEpoch())));
      if (pids) {
        row.add(a.getPid() == 0 ? "" : Long.toString(a.getPid()));
      }
      row.addAll(List.of(outcome(a), exit(a), TimeText.format(a.getQueueTime(), ZONE),
          TimeText.format(a.getStartTime(), ZONE), TimeText.format(a.getFinishTime(), ZONE)));
      if (output) {
        row.add(bytes(a.getOutputBytes()) + (a.getOutputKeptFrom() > 0
            ? " (last " + bytes(a.getOutputBytes() - a.getOutputKeptFrom()) + " kept)"
            : a.getOutputTruncated() ? " (tail kept)" : ""));
      }
      row.add(a.getError());
      t.row(row.toArray(String[]::new));
    }
    t.print(out);
  }

  /** {@code 812 B}, {@code 1.5 KiB}, {@code 3.0 MiB}. */
  static String bytes(long n) {
    if (n >= 0 && n < 1024) {
      return n + " B";
    }
    double value = n >= 0 ? n : n + 0x1p64; // uint64
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int unit = -1;
    do {
      value /= 1024;
      unit++;
    } while (value >= 1024 && unit < units.length - 1);
    return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
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
