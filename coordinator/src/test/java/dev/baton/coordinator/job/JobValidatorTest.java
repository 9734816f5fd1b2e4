package dev.baton.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.Violation;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.ScheduleKind;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobValidatorTest {
  private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

  private static List<String> violatedFields(Job job) {
    BatonException e = assertThrows(BatonException.class, () -> JobValidator.normalize(job, NOW));
    assertEquals(BatonException.Kind.INVALID_ARGUMENT, e.kind());
    return e.violations().stream().map(Violation::field).toList();
  }

  @Test
  void fillsEveryDefault() {
    Job job = JobValidator.normalize(Jobs.shell("a").build(), NOW);
    assertTrue(job.getEnabled());
    assertEquals("UTC", job.getTimezone());
    assertEquals(Priority.PRIORITY_MEDIUM, job.getPriority());
    assertEquals(OverlapPolicy.OVERLAP_POLICY_FORBID, job.getOverlap());
    assertEquals(MisfirePolicy.MISFIRE_POLICY_RUN_ONCE, job.getMisfire());
    assertEquals(DisconnectPolicy.DISCONNECT_POLICY_KILL, job.getOnDisconnect());
    assertEquals(100, job.getMaxCatchup());
    assertEquals(1, job.getSlots());
    assertEquals(3, job.getMaxLostAttempts());
    assertEquals(Durations.fromSeconds(10), job.getKillGrace());
    assertEquals(RetryStrategy.RETRY_STRATEGY_NONE, job.getRetry().getStrategy());
    assertEquals(2.0, job.getRetry().getMultiplier());
  }

  @Test
  void resolvesTheScheduleAndKeepsTheText() {
    Job job = JobValidator.normalize(Jobs.shell("a").setSchedule("weekdays at 9:00")
        .setTimezone("Europe/Berlin").build(), NOW);
    assertEquals("weekdays at 9:00", job.getResolvedSchedule().getText());
    assertEquals(ScheduleKind.SCHEDULE_KIND_CRON_UNIX, job.getResolvedSchedule().getKind());
    assertEquals("Europe/Berlin", job.getResolvedSchedule().getTimezone());
  }

  @Test
  void ignoresOutputOnlyFields() {
    Job job = JobValidator.normalize(Jobs.shell("a").setVersion(9).setLastRunId("5").build(), NOW);
    assertEquals(0, job.getVersion());
    assertEquals("", job.getLastRunId());
  }

  @Test
  void namesFollowTheRules() {
    assertEquals(List.of("job.name"), violatedFields(Jobs.shell("").build()));
    assertEquals(List.of("job.name"), violatedFields(Jobs.shell("Backup").build()));
    assertEquals(List.of("job.name"), violatedFields(Jobs.shell("-x").build()));
    assertEquals(List.of("job.name"), violatedFields(Jobs.shell("a".repeat(129)).build()));
    JobValidator.normalize(Jobs.shell("a".repeat(128)).build(), NOW);
    JobValidator.normalize(Jobs.shell("db.backup_nightly-2").build(), NOW);
  }

  @Test
  void reportsEveryViolationAtOnce() {
    Job bad = Job.newBuilder()
        .setName("ok")
        .setSchedule("every funday")
        .setTimezone("Mars/Olympus")
        .setWorkingDir("relative/dir")
        .putEnv("BATON_JOB", "x")
        .setRetry(RetryPolicy.newBuilder().setMaxRetries(101).setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED)
            .setJitter(1.5))
        .setTimeout(Durations.fromDays(31))
        .setSlots(5000)
        .setSelector("a=>b")
        .build();
    List<String> fields = violatedFields(bad);
    for (String f : List.of("job.command", "job.timezone", "job.working_dir", "job.env[BATON_JOB]",
        "job.retry.max_retries", "job.retry.jitter", "job.timeout", "job.slots", "job.selector")) {
      assertTrue(fields.contains(f), f + " in " + fields);
    }
  }

  @Test
  void scheduleErrorsComeFromTheParser() {
    BatonException e = assertThrows(BatonException.class,
        () -> JobValidator.normalize(Jobs.shell("a").setSchedule("every funday").build(), NOW));
    assertEquals("job.schedule", e.violations().get(0).field());
    assertTrue(e.getMessage().contains("funday"), e.getMessage());
  }

  @Test
  void commandLimits() {
    Argv.Builder many = Argv.newBuilder();
    for (int i = 0; i < 257; i++) {
      many.addArgs("x");
    }
    assertEquals(List.of("job.command.argv"),
        violatedFields(Job.newBuilder().setName("a").setCommand(Command.newBuilder().setArgv(many)).build()));
    assertEquals(List.of("job.command.shell"), violatedFields(Job.newBuilder().setName("a")
        .setCommand(Command.newBuilder().setShell("x".repeat(64 * 1024 + 1))).build()));
    assertEquals(List.of("job.command.argv"), violatedFields(Job.newBuilder().setName("a")
        .setCommand(Command.newBuilder().setArgv(Argv.newBuilder())).build()));
    JobValidator.normalize(Jobs.argv("a", "/bin/echo", "hi").build(), NOW);
  }

  @Test
  void dependencyListRules() {
    assertEquals(List.of("job.dependencies"), violatedFields(Jobs.shell("a").addDependencies("a").build()));
    assertEquals(List.of("job.dependencies"),
        violatedFields(Jobs.shell("a").addDependencies("b").addDependencies("b").build()));
    Job.Builder tooMany = Jobs.shell("a");
    for (int i = 0; i < 65; i++) {
      tooMany.addDependencies("d" + i);
    }
    assertEquals(List.of("job.dependencies"), violatedFields(tooMany.build()));
  }

  @Test
  void retriesNeedAStrategy() {
    assertEquals(List.of("job.retry.max_retries"),
        violatedFields(Jobs.shell("a").setRetry(RetryPolicy.newBuilder().setMaxRetries(3)).build()));
    Job job = JobValidator.normalize(Jobs.shell("a").setRetry(RetryPolicy.newBuilder()
        .setStrategy(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL).setMaxRetries(3)).build(), NOW);
    assertEquals(Durations.fromSeconds(10), job.getRetry().getInitialDelay());
    assertEquals(Durations.fromHours(1), job.getRetry().getMaxDelay());
  }

  @Test
  void environmentValuesThatCannotReachAProcessAreRefusedAtCreate() {
    Job.Builder base = Job.newBuilder().setName("a")
        .setCommand(dev.baton.proto.v1.Command.newBuilder().setShell("true"));
    assertEquals(List.of("job.env[NUL]"), violatedFields(base.clone().putEnv("NUL", "a\0b").build()));
    assertEquals(List.of("job.env[baton_job]"), violatedFields(base.clone().putEnv("baton_job", "x").build()));
    assertEquals(List.of("job.env[Baton_Run_Id]"), violatedFields(base.clone().putEnv("Baton_Run_Id", "x").build()));
    assertEquals(List.of("job.env"), violatedFields(base.clone().putEnv("A".repeat(300), "x").build()));
    // Not reserved, and at the length limit: accepted.
    JobValidator.normalize(base.clone().putEnv("BATONX", "ok").putEnv("A".repeat(256), "x").build(), NOW);
  }
}
