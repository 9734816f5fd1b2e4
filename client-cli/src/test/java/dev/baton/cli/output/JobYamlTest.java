package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.ResolvedSchedule;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.ScheduleKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JobYamlTest {
  static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  /** A job with every settable field set. */
  static Job fullJob() {
    return Job.newBuilder()
        .setName("nightly-backup")
        .setDescription("Back up the database.\nSecond line: with a colon")
        .putLabels("team", "data").putLabels("tier", "1")
        .setEnabled(false)
        .setSchedule("daily at 3 AM")
        .setTimezone("Europe/Berlin")
        .setCommand(Command.newBuilder().setShell("pg_dump prod > /backups/prod-$(date +%F).sql"))
        .putEnv("PGHOST", "db.internal").putEnv("TRUE", "true").putEnv("NUM", "007")
        .setWorkingDir("/var/backups")
        .setPriority(Priority.PRIORITY_HIGH)
        .addDependencies("extract").addDependencies("2026-12-01")
        .setRetry(RetryPolicy.newBuilder()
            .setStrategy(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL)
            .setMaxRetries(3)
            .setInitialDelay(seconds(30))
            .setMaxDelay(Duration.newBuilder().setSeconds(5400).setNanos(250_000_000))
            .setMultiplier(2.5)
            .setJitter(0.1)
            .addRetryOnExitCodes(1).addRetryOnExitCodes(-2))
        .setTimeout(seconds(3600))
        .setKillGrace(seconds(30))
        .setOverlap(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE)
        .setMisfire(MisfirePolicy.MISFIRE_POLICY_RUN_ONCE)
        .setMaxCatchup(10)
        .setStartDeadline(Duration.newBuilder().setNanos(500))
        .setSelector("region=eu,gpu in (a100,h100)")
        .setSlots(2)
        .setOnDisconnect(DisconnectPolicy.DISCONNECT_POLICY_KEEP)
        .setMaxLostAttempts(5)
        .build();
  }

  static Job withStatus(Job job) {
    return job.toBuilder()
        .setVersion(4)
        .setCreateTime(Timestamp.newBuilder().setSeconds(1795424400L))
        .setUpdateTime(Timestamp.newBuilder().setSeconds(1795424460L).setNanos(5_000_000))
        .setResolvedSchedule(ResolvedSchedule.newBuilder().setText("daily at 3 AM")
            .setKind(ScheduleKind.SCHEDULE_KIND_CRON_UNIX).setNormalized("0 3 * * *")
            .setDescription("at 03:00 every day").setTimezone("Europe/Berlin"))
        .setNextFireTime(Timestamp.newBuilder().setSeconds(1795500000L))
        .setLastRunId("r-42")
        .setLastRunState(RunState.RUN_STATE_SUCCEEDED)
        .build();
  }

  @Test
  void everySettableFieldRoundTrips() {
    Job job = fullJob();
    assertEquals(List.of(job), JobYaml.fromYaml(JobYaml.toYaml(job)));
  }

  @Test
  void argvCommandsAndMinimalJobsRoundTrip() {
    Job argv = Job.newBuilder().setName("a")
        .setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addArgs("/bin/echo").addArgs("--x").addArgs("")))
        .build();
    Job bare = Job.newBuilder().setName("b").build();
    Job emptyRetry = Job.newBuilder().setName("c").setRetry(RetryPolicy.getDefaultInstance()).setEnabled(true)
        .setTimeout(Duration.getDefaultInstance()).build();
    assertEquals(List.of(argv, bare, emptyRetry), JobYaml.fromYaml(JobYaml.toYaml(List.of(argv, bare, emptyRetry))));
  }

  @Test
  void statusIsWrittenAndIgnoredOnReading() {
    String yaml = JobYaml.toYaml(withStatus(fullJob()));

    assertTrue(yaml.contains("\nstatus:\n  version: 4\n"), yaml);
    assertTrue(yaml.contains("lastRunState: succeeded"), yaml);
    assertTrue(yaml.contains("normalized: 0 3 * * *"), yaml);
    assertEquals(List.of(fullJob()), JobYaml.fromYaml(yaml));
  }

  @Test
  void writesFriendlyValues() {
    String yaml = JobYaml.toYaml(fullJob());

    assertTrue(yaml.startsWith("name: nightly-backup\n"), yaml);
    for (String line : List.of("priority: high", "overlap: queue-one", "misfire: run-once", "onDisconnect: keep",
        "  strategy: exponential", "timeout: 1h", "killGrace: 30s", "  maxDelay: 1h30m250ms", "enabled: false")) {
      assertTrue(yaml.contains("\n" + line + "\n"), line + " in\n" + yaml);
    }
  }

  @Test
  void keysAreTheJsonNamesAndEitherSpellingReads() throws Exception {
    String yaml = JobYaml.toYaml(fullJob());
    assertFalse(java.util.regex.Pattern.compile("(?m)^\\s*-?\\s*[a-z]+_[a-z_]*:").matcher(yaml).find(),
        "only JSON names (camelCase) as keys, as -o json prints: " + yaml);
    // The proto field names (snake_case) of older files read the same.
    assertEquals(JobYaml.fromYaml("name: a\nshell: x\nkillGrace: 5s\nretry: {strategy: fixed, maxRetries: 2}\n"),
        JobYaml.fromYaml("name: a\nshell: x\nkill_grace: 5s\nretry: {strategy: fixed, max_retries: 2}\n"));
    InvalidInputException twice = assertThrows(InvalidInputException.class,
        () -> JobYaml.fromYaml("name: a\nshell: x\nkillGrace: 5s\nkill_grace: 6s\n", "f.yaml"));
    assertTrue(twice.getMessage().contains("given twice"), twice.getMessage());
  }

  @Test
  void whatJsonOutputPrintsAppliesAsTheSameJob() throws Exception {
    Job full = fullJob();
    String json = com.google.protobuf.util.JsonFormat.printer().print(full);
    assertEquals(List.of(JobYaml.fromYaml(JobYaml.toYaml(full)).get(0)), JobYaml.fromYaml(json, "job.json"));
  }

  @Test
  void readsTheDocumentedShorthandsAndLenientScalars() {
    List<Job> jobs = JobYaml.fromYaml("""
        name: a
        shell: echo hi
        labels: {version: 2, ok: true}
        retry: {strategy: FIXED, multiplier: 2}
        description: 2026-12-01
        ---
        ---
        name: b
        argv: [/bin/true]
        priority: LOW
        overlap: queue_one
        """);

    assertEquals(2, jobs.size());
    Job a = jobs.get(0);
    assertEquals("echo hi", a.getCommand().getShell());
    assertEquals("2", a.getLabelsOrThrow("version"));
    assertEquals("true", a.getLabelsOrThrow("ok"));
    assertEquals(RetryStrategy.RETRY_STRATEGY_FIXED, a.getRetry().getStrategy());
    assertEquals(2.0, a.getRetry().getMultiplier());
    assertEquals("2026-12-01", a.getDescription());
    Job b = jobs.get(1);
    assertEquals(List.of("/bin/true"), b.getCommand().getArgv().getArgsList());
    assertEquals(Priority.PRIORITY_LOW, b.getPriority());
    assertEquals(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE, b.getOverlap());
  }

  @Test
  void unknownKeysAreRefusedNamingTheKeyAndTheFile() {
    InvalidInputException top = assertThrows(InvalidInputException.class,
        () -> JobYaml.fromYaml("name: a\nshell: 'true'\nowner: me\n", "jobs/a.yaml"));
    assertEquals("jobs/a.yaml: job 'a': unknown key 'owner'", top.getMessage());

    InvalidInputException nested = assertThrows(InvalidInputException.class,
        () -> JobYaml.fromYaml("name: a\n---\nname: b\nretry: {strategy: fixed, retries: 3}\n", "jobs.yaml"));
    assertEquals("jobs.yaml, document 2: job 'b': unknown key 'retry.retries' (known keys here: strategy, "
        + "max_retries, initial_delay, max_delay, multiplier, jitter, retry_on_exit_codes)", nested.getMessage());

    InvalidInputException typo = assertThrows(InvalidInputException.class,
        () -> JobYaml.fromYaml("name: a\ndependencys: [b]\n", "x.yaml"));
    assertEquals("x.yaml: job 'a': unknown key 'dependencys' (did you mean 'dependencies'?)", typo.getMessage());
  }

  @Test
  void badValuesAreRefusedInOneLine() {
    assertMessage("f.yaml: job 'a': priority 'urgent' is not one of high, medium, low",
        "name: a\npriority: urgent\n");
    assertMessage("f.yaml: job 'a': timeout 'soon' is not a duration; write it like 30s, 5m, 1h30m, 500ms or 2d",
        "name: a\ntimeout: soon\n");
    assertMessage("f.yaml: job 'a': command is given twice (command, shell or argv): give exactly one",
        "name: a\nshell: x\ncommand: {argv: [y]}\n");
    assertMessage("f.yaml: job 'a': slots must be a whole number, 0 or more", "name: a\nslots: -1\n");
    assertMessage("f.yaml: job 'a': enabled must be true or false", "name: a\nenabled: maybe\n");
    assertMessage("f.yaml: name is required", "schedule: '@daily'\n");
    assertMessage("f.yaml: no job in the file", "# nothing\n");
    assertMessage("f.yaml: a job must be a mapping of keys to values", "- name: a\n");
    assertMessage("f.yaml: job 'a': timezone must be text (put it in quotes)", "name: a\ntimezone: 1.10\n");
    assertMessage("f.yaml, document 3: job 'a' is already defined in document 1; each job once per file",
        "name: a\n---\nname: b\n---\nname: a\n");
  }

  @Test
  void invalidYamlIsReportedWithItsLineInOneLine() {
    InvalidInputException e = assertThrows(InvalidInputException.class,
        () -> JobYaml.fromYaml("name: a\nschedule: [unclosed\n", "f.yaml"));
    assertTrue(e.getMessage().startsWith("f.yaml: not valid YAML at line "), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());

    InvalidInputException dup = assertThrows(InvalidInputException.class,
        () -> JobYaml.fromYaml("name: a\nname: b\n", "f.yaml"));
    assertTrue(dup.getMessage().contains("duplicate key name"), dup.getMessage());
  }

  @Test
  void theDocumentedExamplesParse() throws Exception {
    String doc = Files.readString(Path.of("JOB_YAML.md"));
    Matcher blocks = Pattern.compile("```yaml\\n(.*?)```", Pattern.DOTALL).matcher(doc);
    List<Job> all = new ArrayList<>();
    while (blocks.find()) {
      all.addAll(JobYaml.fromYaml(blocks.group(1), "JOB_YAML.md"));
    }
    assertEquals(List.of("nightly-backup", "extract", "load"), all.stream().map(Job::getName).toList());
    Job full = all.get(0);
    // Every settable field of Job is shown in the example.
    for (FieldDescriptor f : Job.getDescriptor().getFields()) {
      if (f.getNumber() < 30) {
        assertTrue(f.isRepeated() ? full.getRepeatedFieldCount(f) > 0 : full.hasField(f), f.getName());
      }
    }
    for (FieldDescriptor f : RetryPolicy.getDescriptor().getFields()) {
      RetryPolicy r = full.getRetry();
      assertTrue(f.isRepeated() ? r.getRepeatedFieldCount(f) > 0 : r.hasField(f), "retry." + f.getName());
    }
  }

  private static void assertMessage(String expected, String yaml) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> JobYaml.fromYaml(yaml, "f.yaml"));
    assertEquals(expected, e.getMessage());
  }
}
