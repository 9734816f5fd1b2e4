package dev.baton.coordinator.job;

import com.google.protobuf.Duration;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.dispatch.LabelSelector;
import dev.baton.coordinator.error.Violations;
import dev.baton.coordinator.schedule.Schedule;
import dev.baton.coordinator.schedule.ScheduleException;
import dev.baton.coordinator.schedule.ParsedSchedules;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.ResolvedSchedule;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.ScheduleKind;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules a job definition must satisfy (DESIGN.md sections 2 and 9), and its defaults. Pure: no store, no clock
 * (the caller passes {@code now}, used only to resolve relative schedules such as "in 10 minutes").
 *
 * <p>Rules that need other jobs (dependencies exist, no cycle) are the registry's.
 */
public final class JobValidator {
  /** What a login name looks like (useradd's default rule, less the trailing '$' of machine accounts). */
  static final java.util.regex.Pattern RUN_AS = java.util.regex.Pattern.compile("[a-z_][a-z0-9_.-]{0,31}");
  public static final int MAX_NAME = 128;
  public static final int MAX_DESCRIPTION_BYTES = 4 * 1024;
  public static final int MAX_LABELS = 64;
  public static final int MAX_LABEL_LENGTH = 256;
  public static final int MAX_SCHEDULE = 256;
  public static final int MAX_COMMAND_BYTES = 64 * 1024;
  public static final int MAX_ARGV = 256;
  public static final int MAX_ENV = 128;
  /** Longest environment variable name. */
  public static final int MAX_ENV_NAME = 256;
  public static final int MAX_DEPENDENCIES = 64;
  public static final int MAX_RETRIES = 100;
  public static final int MAX_SELECTOR = 1024;
  public static final int MAX_SLOTS = 1024;
  public static final int MAX_CATCHUP = 10_000;
  public static final int MAX_LOST_ATTEMPTS = 100;
  public static final java.time.Duration MAX_DURATION = java.time.Duration.ofDays(30);

  public static final String DEFAULT_TIMEZONE = "UTC";
  public static final Duration DEFAULT_KILL_GRACE = Durations.fromSeconds(10);
  public static final Duration DEFAULT_RETRY_DELAY = Durations.fromSeconds(10);
  public static final Duration DEFAULT_MAX_RETRY_DELAY = Durations.fromHours(1);
  public static final double DEFAULT_MULTIPLIER = 2.0;
  public static final int DEFAULT_MAX_CATCHUP = 100;
  public static final int DEFAULT_SLOTS = 1;
  public static final int DEFAULT_MAX_LOST_ATTEMPTS = 3;

  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private JobValidator() {}

  /**
   * Checks every rule and returns the job as it will be stored: defaults filled in, the schedule resolved, output
   * fields cleared.
   *
   * @throws dev.baton.coordinator.error.BatonException INVALID_ARGUMENT listing every violation
   */
  public static Job normalize(Job in, Instant now) {
    Violations v = new Violations();
    Job.Builder out = in.toBuilder()
        .clearVersion()
        .clearCreateTime()
        .clearUpdateTime()
        .clearResolvedSchedule()
        .clearNextFireTime()
        .clearLastRunId()
        .clearLastRunState()
        .clearPausedFireTime();

    checkName(in.getName(), v);
    v.check(utf8Length(in.getDescription()) <= MAX_DESCRIPTION_BYTES, "job.description",
        "at most " + MAX_DESCRIPTION_BYTES + " bytes");
    checkLabels(in.getLabelsMap(), v);
    if (!in.hasEnabled()) {
      out.setEnabled(true);
    }

    String timezone = in.getTimezone().isBlank() ? DEFAULT_TIMEZONE : in.getTimezone().trim();
    out.setTimezone(timezone);
    Optional<ZoneId> zone = zone(timezone, "job.timezone", v);
    String schedule = in.getSchedule().trim();
    out.setSchedule(schedule);
    if (schedule.isEmpty() && !in.getSchedule().isEmpty()) {
      v.add("job.schedule", "blank; leave it out for a job that runs only when triggered or as a dependency");
    } else if (schedule.length() > MAX_SCHEDULE) {
      v.add("job.schedule", "at most " + MAX_SCHEDULE + " characters");
    } else if (!schedule.isEmpty() && zone.isPresent()) {
      try {
        out.setResolvedSchedule(resolve(ParsedSchedules.parse(schedule, zone.get(), now)));
      } catch (ScheduleException e) {
        v.add("job.schedule", e.getMessage());
      }
    }

    checkCommand(in, v);
    checkEnv(in.getEnvMap(), v);
    v.check(in.getWorkingDir().isEmpty() || in.getWorkingDir().startsWith("/"), "job.working_dir",
        "must be an absolute path");
    v.check(in.getRunAs().isEmpty() || RUN_AS.matcher(in.getRunAs()).matches(), "job.run_as",
        "a login name: up to 32 lower-case letters, digits, '_', '.' or '-', not starting with a digit, '.' or '-'");

    if (in.getPriority() == Priority.PRIORITY_UNSPECIFIED) {
      out.setPriority(Priority.PRIORITY_MEDIUM);
    } else {
      v.check(in.getPriority() != Priority.UNRECOGNIZED, "job.priority", "unknown priority");
    }
    checkDependencies(in, v);

    out.setRetry(normalizeRetry(in.getRetry(), v));
    checkDuration(in.getTimeout(), "job.timeout", v);
    if (in.hasKillGrace()) {
      checkDuration(in.getKillGrace(), "job.kill_grace", v);
    } else {
      out.setKillGrace(DEFAULT_KILL_GRACE);
    }
    checkDuration(in.getStartDeadline(), "job.start_deadline", v);
    out.setOverlap(orDefault(in.getOverlap(), OverlapPolicy.OVERLAP_POLICY_UNSPECIFIED,
        OverlapPolicy.OVERLAP_POLICY_FORBID));
    v.check(in.getOverlap() != OverlapPolicy.UNRECOGNIZED, "job.overlap", "unknown overlap policy");
    out.setMisfire(orDefault(in.getMisfire(), MisfirePolicy.MISFIRE_POLICY_UNSPECIFIED,
        MisfirePolicy.MISFIRE_POLICY_RUN_ONCE));
    v.check(in.getMisfire() != MisfirePolicy.UNRECOGNIZED, "job.misfire", "unknown misfire policy");
    out.setOnDisconnect(orDefault(in.getOnDisconnect(), DisconnectPolicy.DISCONNECT_POLICY_UNSPECIFIED,
        DisconnectPolicy.DISCONNECT_POLICY_KILL));
    v.check(in.getOnDisconnect() != DisconnectPolicy.UNRECOGNIZED, "job.on_disconnect",
        "unknown disconnect policy");
    out.setMaxCatchup(bounded(in.hasMaxCatchup(), in.getMaxCatchup(), DEFAULT_MAX_CATCHUP, MAX_CATCHUP,
        "job.max_catchup", v));
    out.setSlots(bounded(in.hasSlots(), in.getSlots(), DEFAULT_SLOTS, MAX_SLOTS, "job.slots", v));
    out.setMaxLostAttempts(bounded(in.hasMaxLostAttempts(), in.getMaxLostAttempts(), DEFAULT_MAX_LOST_ATTEMPTS,
        MAX_LOST_ATTEMPTS, "job.max_lost_attempts", v));

    if (in.getSelector().length() > MAX_SELECTOR) {
      v.add("job.selector", "at most " + MAX_SELECTOR + " characters");
    } else {
      try {
        out.setSelector(LabelSelector.parse(in.getSelector()).toString());
      } catch (IllegalArgumentException e) {
        v.add("job.selector", e.getMessage());
      }
    }

    v.throwIfAny();
    return out.build();
  }

  /** Resolves a schedule for ExplainSchedule, with the same rules as a job's. */
  public static Schedule parseSchedule(String text, String timezone, Instant now) {
    Violations v = new Violations();
    String zoneText = timezone.isBlank() ? DEFAULT_TIMEZONE : timezone.trim();
    Optional<ZoneId> zone = zone(zoneText, "timezone", v);
    v.check(!text.isBlank(), "schedule", "required");
    v.check(text.length() <= MAX_SCHEDULE, "schedule", "at most " + MAX_SCHEDULE + " characters");
    v.throwIfAny();
    try {
      return ParsedSchedules.parse(text.trim(), zone.orElseThrow(), now);
    } catch (ScheduleException e) {
      v.add("schedule", e.getMessage());
      v.throwIfAny();
      throw new AssertionError("unreachable");
    }
  }

  /** The API form of a resolved schedule. */
  public static ResolvedSchedule resolve(Schedule s) {
    ResolvedSchedule.Builder r = ResolvedSchedule.newBuilder()
        .setText(s.text())
        .setKind(ScheduleKind.valueOf("SCHEDULE_KIND_" + s.kind().name()))
        .setNormalized(s.normalized())
        .setDescription(s.description())
        .setTimezone(s.zone().getId());
    if (s instanceof dev.baton.coordinator.schedule.IntervalSchedule interval) {
      r.setInterval(Durations.fromNanos(interval.period().toNanos()));
    }
    if (s instanceof dev.baton.coordinator.schedule.OneTimeSchedule once) {
      r.setInstant(Timestamps.fromMillis(once.instant().toEpochMilli()));
    }
    return r.build();
  }

  static void checkName(String name, Violations v) {
    if (name.isEmpty()) {
      v.add("job.name", "required");
    } else if (name.length() > MAX_NAME) {
      v.add("job.name", "at most " + MAX_NAME + " characters");
    } else if (!NAME.matcher(name).matches()) {
      v.add("job.name", "'" + name + "' is not allowed: use lower-case letters, digits, '.', '_' and '-', "
          + "starting with a letter or digit");
    }
  }

  private static Optional<ZoneId> zone(String timezone, String field, Violations v) {
    try {
      return Optional.of(ZoneId.of(timezone));
    } catch (DateTimeException e) {
      v.add(field, "unknown time zone '" + timezone + "'; use an IANA name such as Europe/Berlin");
      return Optional.empty();
    }
  }

  private static void checkLabels(Map<String, String> labels, Violations v) {
    v.check(labels.size() <= MAX_LABELS, "job.labels", "at most " + MAX_LABELS + " labels");
    for (Map.Entry<String, String> e : labels.entrySet()) {
      String key = e.getKey();
      if (key.length() > MAX_LABEL_LENGTH || e.getValue().length() > MAX_LABEL_LENGTH) {
        v.add("job.labels", "keys and values at most " + MAX_LABEL_LENGTH + " characters");
      } else if (!LabelSelector.isKey(key)) {
        v.add("job.labels", "'" + key + "' is not a label key: use letters, digits, '.', '_', '/' and '-', "
            + "starting with a letter or digit");
      } else if (e.getValue().chars().anyMatch(Character::isISOControl)) {
        v.add("job.labels[" + key + "]", "values cannot hold control characters");
      }
    }
  }

  private static void checkCommand(Job in, Violations v) {
    if (!in.hasCommand() || in.getCommand().getKindCase() == Command.KindCase.KIND_NOT_SET) {
      v.add("job.command", "required: an argv list or a shell string");
      return;
    }
    Command c = in.getCommand();
    if (c.hasShell()) {
      v.check(!c.getShell().isBlank(), "job.command.shell", "must not be empty");
      v.check(utf8Length(c.getShell()) <= MAX_COMMAND_BYTES, "job.command.shell",
          "at most " + MAX_COMMAND_BYTES + " bytes");
      return;
    }
    int count = c.getArgv().getArgsCount();
    v.check(count > 0 && !c.getArgv().getArgs(0).isBlank(), "job.command.argv",
        "must name a program as its first entry");
    v.check(count <= MAX_ARGV, "job.command.argv", "at most " + MAX_ARGV + " entries, got " + count);
    long bytes = c.getArgv().getArgsList().stream().mapToLong(JobValidator::utf8Length).sum();
    v.check(bytes <= MAX_COMMAND_BYTES, "job.command.argv", "at most " + MAX_COMMAND_BYTES + " bytes in total");
  }

  private static void checkEnv(Map<String, String> env, Violations v) {
    v.check(env.size() <= MAX_ENV, "job.env", "at most " + MAX_ENV + " entries, got " + env.size());
    long bytes = 0;
    for (Map.Entry<String, String> e : env.entrySet()) {
      String name = e.getKey();
      if (name.length() > MAX_ENV_NAME) {
        v.add("job.env", "a name is at most " + MAX_ENV_NAME + " characters, got one of " + name.length());
      } else if (!ENV_NAME.matcher(name).matches()) {
        v.add("job.env[" + name + "]", "names are letters, digits and '_', not starting with a digit");
      } else if (name.toUpperCase(java.util.Locale.ROOT).startsWith("BATON_")) {
        v.add("job.env[" + name + "]", "BATON_ variables (in any case) are set by Baton");
      }
      if (e.getValue().indexOf('\0') >= 0) {
        v.add("job.env[" + (name.length() > MAX_ENV_NAME ? name.substring(0, MAX_ENV_NAME) : name) + "]",
            "values cannot contain NUL bytes (a process environment cannot hold them)");
      }
      bytes += utf8Length(name) + utf8Length(e.getValue());
    }
    v.check(bytes <= MAX_COMMAND_BYTES, "job.env", "at most " + MAX_COMMAND_BYTES + " bytes in total");
  }

  private static void checkDependencies(Job in, Violations v) {
    int count = in.getDependenciesCount();
    v.check(count <= MAX_DEPENDENCIES, "job.dependencies", "at most " + MAX_DEPENDENCIES + ", got " + count);
    Set<String> seen = new HashSet<>();
    for (String dep : in.getDependenciesList()) {
      if (dep.equals(in.getName())) {
        v.add("job.dependencies", "dependency cycle: " + dep + " -> " + dep);
      } else if (!seen.add(dep)) {
        v.add("job.dependencies", "'" + dep + "' is listed twice");
      }
    }
  }

  private static RetryPolicy normalizeRetry(RetryPolicy in, Violations v) {
    RetryPolicy.Builder out = in.toBuilder();
    RetryStrategy strategy = in.getStrategy();
    if (strategy == RetryStrategy.UNRECOGNIZED) {
      v.add("job.retry.strategy", "unknown retry strategy");
      return in;
    }
    if (strategy == RetryStrategy.RETRY_STRATEGY_UNSPECIFIED) {
      strategy = RetryStrategy.RETRY_STRATEGY_NONE;
      out.setStrategy(strategy);
    }
    v.check(in.getMaxRetries() <= MAX_RETRIES, "job.retry.max_retries", "at most " + MAX_RETRIES);
    v.check(strategy != RetryStrategy.RETRY_STRATEGY_NONE || in.getMaxRetries() == 0, "job.retry.max_retries",
        "needs a retry strategy (fixed or exponential)");
    checkDuration(in.getInitialDelay(), "job.retry.initial_delay", v);
    checkDuration(in.getMaxDelay(), "job.retry.max_delay", v);
    if (strategy != RetryStrategy.RETRY_STRATEGY_NONE) {
      if (!in.hasInitialDelay()) {
        out.setInitialDelay(DEFAULT_RETRY_DELAY);
      }
      if (!in.hasMaxDelay()) {
        out.setMaxDelay(DEFAULT_MAX_RETRY_DELAY);
      }
    }
    if (!in.hasMultiplier()) {
      out.setMultiplier(DEFAULT_MULTIPLIER);
    } else {
      v.check(in.getMultiplier() >= 1 && in.getMultiplier() <= 100, "job.retry.multiplier", "between 1 and 100");
    }
    v.check(in.getJitter() >= 0 && in.getJitter() <= 1, "job.retry.jitter", "a fraction between 0 and 1");
    return out.build();
  }

  private static void checkDuration(Duration d, String field, Violations v) {
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      v.add(field, "must not be negative");
    } else if (d.getSeconds() > MAX_DURATION.getSeconds()) {
      v.add(field, "at most 30 days");
    }
  }

  /** A count that is the default when not set; a set value, 0 included, must be within 1..max. */
  private static int bounded(boolean set, int value, int defaultValue, int max, String field, Violations v) {
    if (!set) {
      return defaultValue;
    }
    v.check(value >= 1 && value <= max, field, "between 1 and " + max);
    return value;
  }

  private static <E extends Enum<E>> E orDefault(E value, E unspecified, E defaultValue) {
    return value == unspecified ? defaultValue : value;
  }

  private static long utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
