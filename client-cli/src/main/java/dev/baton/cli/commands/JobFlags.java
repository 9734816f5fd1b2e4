package dev.baton.cli.commands;

import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The job settings shared by {@code job create} and {@code job update}. Every flag is null until given, so
 * {@link #applyTo} knows exactly which proto fields the person touched: those become the update mask.
 */
public final class JobFlags {
  @Option(names = "--schedule", paramLabel = "TEXT",
      description = "Cron (5 or 6-7 fields), @daily, 'every 90s', 'at 2026-12-01 10:00' or natural language "
          + "('weekdays at 9:00'). Empty: runs only by trigger or dependency.")
  String schedule;

  @Option(names = "--timezone", paramLabel = "TZ", description = "IANA time zone of the schedule (default UTC).")
  String timezone;

  @Option(names = "--priority", paramLabel = "LEVEL", converter = Converters.PriorityConverter.class,
      completionCandidates = Converters.PriorityNames.class,
      description = "Dispatch priority: ${COMPLETION-CANDIDATES} (default medium).")
  Priority priority;

  @Option(names = "--depends-on", paramLabel = "JOB", split = ",",
      description = "A job this one depends on; repeat or separate with commas.")
  List<String> dependsOn;

  @Option(names = "--description", paramLabel = "TEXT", description = "Free text.")
  String description;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label; repeat for more.")
  Map<String, String> labels;

  @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable; repeat for more.")
  Map<String, String> env;

  @Option(names = "--workdir", paramLabel = "DIR", description = "Absolute working directory on the worker.")
  String workdir;

  @Option(names = "--timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "Longest an attempt may run, e.g. 30m (0: no timeout).")
  com.google.protobuf.Duration timeout;

  @Option(names = "--kill-grace", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "Time between SIGTERM and SIGKILL (default 10s).")
  com.google.protobuf.Duration killGrace;

  @Option(names = "--retry", paramLabel = "STRATEGY", converter = Converters.RetryStrategyConverter.class,
      completionCandidates = Converters.RetryStrategyNames.class,
      description = "Retry strategy: ${COMPLETION-CANDIDATES} (default none).")
  RetryStrategy retryStrategy;

  @Option(names = "--max-retries", paramLabel = "N", converter = Converters.CountConverter.class,
      description = "Retries after the first attempt (0-100).")
  Integer maxRetries;

  @Option(names = "--retry-delay", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "Delay before the first retry (default 10s).")
  com.google.protobuf.Duration retryDelay;

  @Option(names = "--max-retry-delay", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "Upper bound of any retry delay (default 1h).")
  com.google.protobuf.Duration maxRetryDelay;

  @Option(names = "--retry-multiplier", paramLabel = "X",
      description = "Growth factor of exponential delays (default 2).")
  Double retryMultiplier;

  @Option(names = "--retry-jitter", paramLabel = "F",
      description = "Fraction (0-1) of each delay drawn at random and added.")
  Double retryJitter;

  @Option(names = "--retry-on-exit-codes", paramLabel = "CODES", split = ",",
      description = "Only these exit codes are retried, e.g. 1,75.")
  List<Integer> retryOnExitCodes;

  @Option(names = "--overlap", paramLabel = "POLICY", converter = Converters.OverlapConverter.class,
      completionCandidates = Converters.OverlapNames.class,
      description = "While a run is active: ${COMPLETION-CANDIDATES} (default forbid).")
  OverlapPolicy overlap;

  @Option(names = "--misfire", paramLabel = "POLICY", converter = Converters.MisfireConverter.class,
      completionCandidates = Converters.MisfireNames.class,
      description = "Missed ticks: ${COMPLETION-CANDIDATES} (default run-once).")
  MisfirePolicy misfire;

  @Option(names = "--max-catchup", paramLabel = "N", converter = Converters.CountConverter.class,
      description = "Runs one run-all catch-up may create (default 100).")
  Integer maxCatchup;

  @Option(names = "--start-deadline", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "A run not started this long after its scheduled time is skipped (0: none).")
  com.google.protobuf.Duration startDeadline;

  @Option(names = "--selector", paramLabel = "EXPR",
      description = "Worker label selector: key=value, key!=value, 'key in (a,b)', key; comma-separated.")
  String selector;

  @Option(names = "--slots", paramLabel = "N", converter = Converters.CountConverter.class,
      description = "Worker slots a run occupies (default 1).")
  Integer slots;

  @Option(names = "--on-disconnect", paramLabel = "POLICY", converter = Converters.DisconnectConverter.class,
      completionCandidates = Converters.DisconnectNames.class,
      description = "When the worker loses the coordinator: ${COMPLETION-CANDIDATES} (default kill).")
  DisconnectPolicy onDisconnect;

  @Option(names = "--max-lost-attempts", paramLabel = "N", converter = Converters.CountConverter.class,
      description = "Attempts lost with their worker before the run fails (default 3).")
  Integer maxLostAttempts;

  @Option(names = "--run-as", paramLabel = "USER",
      description = "Run the command as this user: only agents listing it in --allowed-users take the job.")
  String runAs;

  @Option(names = "--paused", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
      description = "Keep ticks from creating runs (--paused=false enables).")
  Boolean paused;

  @Option(names = "--shell", paramLabel = "CMD",
      description = "Run CMD with /bin/sh -c. Or give the argv after --: ... -- /usr/bin/backup --full")
  String shell;

  /** True if any retry flag was given. */
  boolean touchesRetry() {
    return retryStrategy != null || maxRetries != null || retryDelay != null || maxRetryDelay != null
        || retryMultiplier != null || retryJitter != null || retryOnExitCodes != null;
  }

  /**
   * The command from {@code --shell} or the argv after {@code --}; null if neither was given.
   *
   * @throws ParameterException if both were given
   */
  Command command(List<String> argv, CommandSpec spec) {
    boolean hasArgv = argv != null && !argv.isEmpty();
    if (shell != null && hasArgv) {
      throw new ParameterException(spec.commandLine(),
          "give the command either with --shell or as argv after --, not both");
    }
    if (shell != null) {
      return Command.newBuilder().setShell(shell).build();
    }
    if (hasArgv) {
      return Command.newBuilder().setArgv(Argv.newBuilder().addAllArgs(argv)).build();
    }
    return null;
  }

  /**
   * Sets the given flags on {@code job} and returns the proto field names they touch, in field order.
   *
   * @param command the command, or null to leave it alone
   * @param currentRetry the retry settings the retry flags change (the job's current ones on update)
   */
  Set<String> applyTo(Job.Builder job, Command command, RetryPolicy currentRetry) {
    Set<String> mask = new LinkedHashSet<>();
    if (description != null) {
      job.setDescription(description);
      mask.add("description");
    }
    if (labels != null) {
      job.putAllLabels(labels);
      mask.add("labels");
    }
    if (paused != null) {
      job.setEnabled(!paused);
      mask.add("enabled");
    }
    if (schedule != null) {
      job.setSchedule(schedule);
      mask.add("schedule");
    }
    if (timezone != null) {
      job.setTimezone(timezone);
      mask.add("timezone");
    }
    if (command != null) {
      job.setCommand(command);
      mask.add("command");
    }
    if (env != null) {
      job.putAllEnv(env);
      mask.add("env");
    }
    if (workdir != null) {
      job.setWorkingDir(workdir);
      mask.add("working_dir");
    }
    if (priority != null) {
      job.setPriority(priority);
      mask.add("priority");
    }
    if (dependsOn != null) {
      job.addAllDependencies(dependsOn);
      mask.add("dependencies");
    }
    if (touchesRetry()) {
      job.setRetry(retry(currentRetry));
      mask.add("retry");
    }
    if (timeout != null) {
      job.setTimeout(timeout);
      mask.add("timeout");
    }
    if (killGrace != null) {
      job.setKillGrace(killGrace);
      mask.add("kill_grace");
    }
    if (overlap != null) {
      job.setOverlap(overlap);
      mask.add("overlap");
    }
    if (misfire != null) {
      job.setMisfire(misfire);
      mask.add("misfire");
    }
    if (maxCatchup != null) {
      job.setMaxCatchup(maxCatchup);
      mask.add("max_catchup");
    }
    if (startDeadline != null) {
      job.setStartDeadline(startDeadline);
      mask.add("start_deadline");
    }
    if (selector != null) {
      job.setSelector(selector);
      mask.add("selector");
    }
    if (slots != null) {
      job.setSlots(slots);
      mask.add("slots");
    }
    if (onDisconnect != null) {
      job.setOnDisconnect(onDisconnect);
      mask.add("on_disconnect");
    }
    if (maxLostAttempts != null) {
      job.setMaxLostAttempts(maxLostAttempts);
      mask.add("max_lost_attempts");
    }
    if (runAs != null) {
      job.setRunAs(runAs);
      mask.add("run_as");
    }
    return mask;
  }

  private RetryPolicy retry(RetryPolicy current) {
    RetryPolicy.Builder r = current.toBuilder();
    if (retryStrategy != null) {
      r.setStrategy(retryStrategy);
    }
    if (maxRetries != null) {
      r.setMaxRetries(maxRetries);
    }
    if (retryDelay != null) {
      r.setInitialDelay(retryDelay);
    }
    if (maxRetryDelay != null) {
      r.setMaxDelay(maxRetryDelay);
    }
    if (retryMultiplier != null) {
      r.setMultiplier(retryMultiplier);
    }
    if (retryJitter != null) {
      r.setJitter(retryJitter);
    }
    if (retryOnExitCodes != null) {
      r.clearRetryOnExitCodes().addAllRetryOnExitCodes(retryOnExitCodes);
    }
    return r.build();
  }
}
