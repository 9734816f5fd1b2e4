package dev.baton.cli.output;

import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.RetryPolicy;
import java.io.PrintWriter;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Jobs as people read them: a table for lists, a key/value block for one job. Times in the job's time zone. */
public final class JobView {
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

  private JobView() {}

  /** NAME, SCHEDULE, NEXT FIRE, PRIORITY, STATE, LAST RUN. */
  public static void table(List<Job> jobs, PrintWriter out) {
    Table t = new Table("NAME", "SCHEDULE", "NEXT FIRE", "PRIORITY", "STATE", "LAST RUN");
    for (Job j : jobs) {
      t.row(j.getName(), j.getSchedule(), TimeText.format(j.getNextFireTime(), zone(j)), priority(j), state(j),
          lastRun(j));
    }
    t.print(out);
  }

  /** Every set field of one job. */
  public static void details(Job j, PrintWriter out) {
    ZoneId zone = zone(j);
    Details d = new Details();
    d.always("Name", j.getName());
    d.add("Description", j.getDescription());
    d.add("Labels", pairs(j.getLabelsMap()));
    d.always("State", state(j));
    d.always("Schedule", j.getSchedule().isEmpty() ? "none (runs by trigger or dependency)" : j.getSchedule());
    if (j.hasResolvedSchedule() && !j.getResolvedSchedule().getNormalized().isEmpty()) {
      var r = j.getResolvedSchedule();
      String desc = r.getDescription().isEmpty() ? "" : " — " + r.getDescription();
      d.add("Resolved", r.getNormalized() + " (" + EnumText.name(r.getKind()) + ")" + desc);
    }
    d.always("Timezone", zone.getId());
    d.add("Next fire", j.hasNextFireTime() ? TimeText.formatWithWeekday(j.getNextFireTime(), zone) : "");
    d.always("Command", command(j.getCommand()));
    d.add("Env", pairs(j.getEnvMap()));
    d.add("Working dir", j.getWorkingDir());
    d.always("Priority", priority(j));
    d.add("Depends on", String.join(", ", j.getDependenciesList()));
    d.add("Retry", j.hasRetry() ? retry(j.getRetry()) : "");
    d.add("Timeout", j.hasTimeout() ? TimeText.format(j.getTimeout()) : "");
    d.add("Kill grace", j.hasKillGrace() ? TimeText.format(j.getKillGrace()) : "");
    d.add("Overlap", EnumText.name(j.getOverlap()));
    d.add("Misfire", EnumText.name(j.getMisfire()));
    d.add("Max catch-up", j.getMaxCatchup() == 0 ? "" : Integer.toUnsignedString(j.getMaxCatchup()));
    d.add("Start deadline", j.hasStartDeadline() ? TimeText.format(j.getStartDeadline()) : "");
    d.add("Selector", j.getSelector());
    d.add("Slots", j.getSlots() == 0 ? "" : Integer.toUnsignedString(j.getSlots()));
    d.add("On disconnect", EnumText.name(j.getOnDisconnect()));
    d.add("Max lost", j.getMaxLostAttempts() == 0 ? "" : Integer.toUnsignedString(j.getMaxLostAttempts()));
    d.add("Version", j.getVersion() == 0 ? "" : Long.toUnsignedString(j.getVersion()));
    d.add("Created", j.hasCreateTime() ? TimeText.format(j.getCreateTime(), zone) : "");
    d.add("Updated", j.hasUpdateTime() ? TimeText.format(j.getUpdateTime(), zone) : "");
    d.add("Last run", j.getLastRunId().isEmpty() ? "" : lastRun(j));
    d.print(out);
  }

  /** A command as a person would type it: the shell string, or the argv quoted for a POSIX shell. */
  public static String command(Command c) {
    return switch (c.getKindCase()) {
      case SHELL -> "sh -c " + quote(c.getShell());
      case ARGV -> c.getArgv().getArgsList().stream().map(JobView::quote).collect(Collectors.joining(" "));
      default -> "";
    };
  }

  static String retry(RetryPolicy r) {
    StringBuilder s = new StringBuilder(EnumText.name(r.getStrategy()).isEmpty() ? "none"
        : EnumText.name(r.getStrategy()));
    if (r.getMaxRetries() != 0) {
      s.append(", max ").append(Integer.toUnsignedString(r.getMaxRetries()));
    }
    if (r.hasInitialDelay()) {
      s.append(", delay ").append(TimeText.format(r.getInitialDelay()));
    }
    if (r.hasMaxDelay()) {
      s.append(", max delay ").append(TimeText.format(r.getMaxDelay()));
    }
    if (r.getMultiplier() != 0) {
      s.append(", x").append(number(r.getMultiplier()));
    }
    if (r.getJitter() != 0) {
      s.append(", jitter ").append(number(r.getJitter()));
    }
    if (r.getRetryOnExitCodesCount() > 0) {
      s.append(", on exit codes ").append(
          r.getRetryOnExitCodesList().stream().map(String::valueOf).collect(Collectors.joining(",")));
    }
    return s.toString();
  }

  static String quote(String arg) {
    if (!arg.isEmpty() && SHELL_SAFE.matcher(arg).matches()) {
      return arg;
    }
    return "'" + arg.replace("'", "'\\''") + "'";
  }

  private static String number(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15 ? Long.toString((long) x) : Double.toString(x);
  }

  private static ZoneId zone(Job j) {
    String tz = j.getTimezone().isEmpty() ? j.getResolvedSchedule().getTimezone() : j.getTimezone();
    return TimeText.zone(tz);
  }

  private static String priority(Job j) {
    String p = EnumText.name(j.getPriority());
    return p.isEmpty() ? "medium" : p;
  }

  private static String state(Job j) {
    return !j.hasEnabled() || j.getEnabled() ? "enabled" : "paused";
  }

  private static String lastRun(Job j) {
    if (j.getLastRunId().isEmpty()) {
      return "";
    }
    String state = EnumText.name(j.getLastRunState());
    return state.isEmpty() ? j.getLastRunId() : state + " " + j.getLastRunId();
  }

  private static String pairs(Map<String, String> map) {
    return new TreeMap<>(map).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", "));
  }
}
