package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import com.google.protobuf.FieldMask;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JobCommandsTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  @Test
  void createWithShellAndEveryFlagSendsExactlyThatJob() {
    Result r = cli.run("job", "create", "backup",
        "--schedule", "daily at 3 AM", "--timezone", "Europe/Berlin", "--priority", "high",
        "--depends-on", "extract", "--depends-on", "load,verify", "--description", "Nightly backup",
        "--label", "team=data", "--label", "tier=1", "--env", "PGHOST=db.internal", "--env", "OPTS=a=b",
        "--workdir", "/var/backups", "--timeout", "1h", "--kill-grace", "30s",
        "--retry", "exponential", "--max-retries", "3", "--retry-delay", "30s", "--max-retry-delay", "10m",
        "--retry-multiplier", "1.5", "--retry-jitter", "0.2", "--retry-on-exit-codes", "1,75",
        "--overlap", "queue-one", "--misfire", "run-all", "--max-catchup", "10", "--start-deadline", "5m",
        "--selector", "region=eu,gpu!=true", "--slots", "2", "--on-disconnect", "keep",
        "--max-lost-attempts", "4", "--paused", "--shell", "pg_dump prod > /backups/prod.sql");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("created job backup\n", r.out());
    assertEquals("", r.err());
    Job expected = Job.newBuilder()
        .setName("backup")
        .setDescription("Nightly backup")
        .putLabels("team", "data").putLabels("tier", "1")
        .setEnabled(false)
        .setSchedule("daily at 3 AM")
        .setTimezone("Europe/Berlin")
        .setCommand(Command.newBuilder().setShell("pg_dump prod > /backups/prod.sql"))
        .putEnv("PGHOST", "db.internal").putEnv("OPTS", "a=b")
        .setWorkingDir("/var/backups")
        .setPriority(Priority.PRIORITY_HIGH)
        .addAllDependencies(List.of("extract", "load", "verify"))
        .setRetry(RetryPolicy.newBuilder()
            .setStrategy(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL)
            .setMaxRetries(3)
            .setInitialDelay(seconds(30))
            .setMaxDelay(seconds(600))
            .setMultiplier(1.5)
            .setJitter(0.2)
            .addRetryOnExitCodes(1).addRetryOnExitCodes(75))
        .setTimeout(seconds(3600))
        .setKillGrace(seconds(30))
        .setOverlap(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE)
        .setMisfire(MisfirePolicy.MISFIRE_POLICY_RUN_ALL)
        .setMaxCatchup(10)
        .setStartDeadline(seconds(300))
        .setSelector("region=eu,gpu!=true")
        .setSlots(2)
        .setOnDisconnect(DisconnectPolicy.DISCONNECT_POLICY_KEEP)
        .setMaxLostAttempts(4)
        .build();
    assertEquals(List.of(CreateJobRequest.newBuilder().setJob(expected).build()), cli.fake.requests("CreateJob"));
  }

  @Test
  void createWithArgvAfterDoubleDash() {
    Result r = cli.run("job", "create", "report", "--priority", "LOW", "--", "/usr/bin/report", "--full", "-o",
        "json", "a b");

    assertEquals(0, r.exitCode(), r.err());
    Job expected = Job.newBuilder()
        .setName("report")
        .setPriority(Priority.PRIORITY_LOW)
        .setCommand(Command.newBuilder().setArgv(
            Argv.newBuilder().addAllArgs(List.of("/usr/bin/report", "--full", "-o", "json", "a b"))))
        .build();
    assertEquals(List.of(CreateJobRequest.newBuilder().setJob(expected).build()), cli.fake.requests("CreateJob"));
  }

  @Test
  void pausedTakesAnOptionalBooleanWithoutEatingTheArgv() {
    assertEquals(0, cli.run("job", "create", "a", "--paused", "--", "/bin/true").exitCode());
    assertEquals(0, cli.run("job", "create", "b", "--paused=false", "--shell", "true").exitCode());

    List<CreateJobRequest> requests = cli.fake.requests("CreateJob");
    assertFalse(requests.get(0).getJob().getEnabled());
    assertEquals(List.of("/bin/true"), requests.get(0).getJob().getCommand().getArgv().getArgsList());
    assertTrue(requests.get(1).getJob().hasEnabled() && requests.get(1).getJob().getEnabled());
  }

  @Test
  void createWithoutACommandIsAUsageError() {
    Result r = cli.run("job", "create", "backup", "--schedule", "@daily");

    assertEquals(2, r.exitCode());
    assertEquals("", r.out());
    assertOneLine(r.err());
    assertTrue(r.err().contains("a command is required"), r.err());
    assertTrue(r.err().contains("baton job create --help"), r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void createWithBothShellAndArgvIsAUsageError() {
    Result r = cli.run("job", "create", "backup", "--shell", "true", "--", "/bin/true");

    assertEquals(2, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains("not both"), r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void argvWithoutDoubleDashIsRefusedSoAStrayWordNeverBecomesTheCommand() {
    Result r = cli.run("job", "create", "backup", "--schedule", "every", "5m");

    assertEquals(2, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains("unexpected argument '5m'"), r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void badFlagValuesAreUsageErrorsNamingTheFlag() {
    Result r = cli.run("job", "create", "backup", "--priority", "urgent", "--shell", "true");
    assertEquals(2, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains("--priority") && r.err().contains("high, medium, low"), r.err());

    r = cli.run("job", "create", "backup", "--timeout", "soon", "--shell", "true");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--timeout") && r.err().contains("30s"), r.err());

    r = cli.run("job", "create", "backup", "--slots", "-1", "--shell", "true");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--slots"), r.err());

    r = cli.run("job", "create", "backup", "--max-catchup", "3000000000", "--shell", "true");
    assertEquals(2, r.exitCode());
    assertTrue(r.err().contains("--max-catchup") && r.err().contains("'3000000000' is too large (at most "
        + "2147483647)"), r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void updateSendsAMaskOfExactlyTheFieldsGiven() {
    Result r = cli.run("job", "update", "backup", "--depends-on", "b", "--schedule", "@hourly", "--slots", "3",
        "--on-disconnect", "kill", "--if-version", "7");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("updated job backup (version 2)\n", r.out());
    UpdateJobRequest expected = UpdateJobRequest.newBuilder()
        .setJob(Job.newBuilder().setName("backup").setVersion(7).setSchedule("@hourly").addDependencies("b")
            .setSlots(3).setOnDisconnect(DisconnectPolicy.DISCONNECT_POLICY_KILL))
        .setUpdateMask(FieldMask.newBuilder().addPaths("schedule").addPaths("dependencies").addPaths("slots")
            .addPaths("on_disconnect"))
        .build();
    assertEquals(List.of(expected), cli.fake.requests("UpdateJob"));
    assertTrue(cli.fake.requests("GetJob").isEmpty(), "no read needed without retry flags");
  }

  @Test
  void updateOfOneFlagMasksOneField() {
    assertEquals(0, cli.run("job", "update", "a", "--depends-on", "b").exitCode());
    assertEquals(0, cli.run("job", "update", "a", "--paused=false").exitCode());
    assertEquals(0, cli.run("job", "update", "a", "--clear-dependencies").exitCode());
    assertEquals(0, cli.run("job", "update", "a", "--shell", "echo hi").exitCode());
    assertEquals(0, cli.run("job", "update", "a", "--", "/bin/echo", "hi").exitCode());
    assertEquals(0, cli.run("job", "update", "a", "--workdir", "/tmp", "--kill-grace", "5s").exitCode());

    List<UpdateJobRequest> requests = cli.fake.requests("UpdateJob");
    assertEquals(List.of("dependencies"), requests.get(0).getUpdateMask().getPathsList());
    assertEquals(List.of("b"), requests.get(0).getJob().getDependenciesList());
    assertEquals(List.of("enabled"), requests.get(1).getUpdateMask().getPathsList());
    assertTrue(requests.get(1).getJob().hasEnabled() && requests.get(1).getJob().getEnabled());
    assertEquals(List.of("dependencies"), requests.get(2).getUpdateMask().getPathsList());
    assertEquals(0, requests.get(2).getJob().getDependenciesCount());
    assertEquals(List.of("command"), requests.get(3).getUpdateMask().getPathsList());
    assertEquals("echo hi", requests.get(3).getJob().getCommand().getShell());
    assertEquals(List.of("command"), requests.get(4).getUpdateMask().getPathsList());
    assertEquals(List.of("/bin/echo", "hi"), requests.get(4).getJob().getCommand().getArgv().getArgsList());
    assertEquals(List.of("working_dir", "kill_grace"), requests.get(5).getUpdateMask().getPathsList());
  }

  @Test
  void updateOfRetryFlagsMergesWithTheCurrentRetrySettings() {
    RetryPolicy current = RetryPolicy.newBuilder()
        .setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED)
        .setMaxRetries(2)
        .setInitialDelay(seconds(10))
        .addRetryOnExitCodes(3)
        .build();
    cli.fake.answer("GetJob", Job.newBuilder().setName("backup").setVersion(5).setRetry(current).build());

    Result r = cli.run("job", "update", "backup", "--max-retries", "4", "--retry-jitter", "0.5");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of(GetJobRequest.newBuilder().setName("backup").build()), cli.fake.requests("GetJob"));
    UpdateJobRequest expected = UpdateJobRequest.newBuilder()
        .setJob(Job.newBuilder().setName("backup").setVersion(5)
            .setRetry(current.toBuilder().setMaxRetries(4).setJitter(0.5)))
        .setUpdateMask(FieldMask.newBuilder().addPaths("retry"))
        .build();
    assertEquals(List.of(expected), cli.fake.requests("UpdateJob"));
  }

  @Test
  void updateWithNothingToChangeNeverSendsAnEmptyMask() {
    Result r = cli.run("job", "update", "backup", "--if-version", "3");

    assertEquals(2, r.exitCode());
    assertOneLine(r.err());
    assertTrue(r.err().contains("nothing to change"), r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void applyCreatesThenUpdatesWithAnEmptyMaskWhenTheJobExists() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("baton-apply", ".yaml");
    try {
      java.nio.file.Files.writeString(file, "name: backup\nschedule: '@daily'\ncommand: {shell: /bin/backup}\n");
      Result created = cli.run("job", "apply", "-f", file.toString());
      assertEquals(0, created.exitCode(), created.err());
      assertEquals("created job backup\n", created.out());

      cli.fake.answer("CreateJob", Status.ALREADY_EXISTS.withDescription("job backup exists"));
      cli.fake.answer("UpdateJob", Job.newBuilder().setName("backup").setVersion(4).build());
      Result updated = cli.run("job", "apply", "-f", file.toString());
      assertEquals(0, updated.exitCode(), updated.err());
      assertEquals("updated job backup (version 4)\n", updated.out());
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }

    Job job = Job.newBuilder().setName("backup").setSchedule("@daily")
        .setCommand(Command.newBuilder().setShell("/bin/backup")).build();
    assertEquals(List.of(CreateJobRequest.newBuilder().setJob(job).build(),
        CreateJobRequest.newBuilder().setJob(job).build()), cli.fake.requests("CreateJob"));
    UpdateJobRequest update = cli.fake.<UpdateJobRequest>requests("UpdateJob").get(0);
    assertEquals(job, update.getJob());
    assertFalse(update.hasUpdateMask() && update.getUpdateMask().getPathsCount() > 0, "mask must be empty");
  }

  @Test
  void applyDryRunShowsWhatWouldChangeAndChangesNothing() {
    String yaml = """
        name: fresh
        schedule: '@daily'
        command: {shell: /bin/fresh}
        ---
        name: backup
        schedule: '@hourly'
        command: {shell: /bin/backup}
        """;
    Job current = Job.newBuilder().setName("backup").setVersion(3).setSchedule("@daily").setTimezone("UTC")
        .setCommand(Command.newBuilder().setShell("/bin/backup")).build();
    cli.fake.answer("CreateJob", Job.newBuilder().setName("fresh").setVersion(1).setSchedule("@daily")
        .setCommand(Command.newBuilder().setShell("/bin/fresh")).build(), Status.ALREADY_EXISTS);
    cli.fake.answer("GetJob", current);
    cli.fake.answer("UpdateJob", current.toBuilder().setVersion(4).setSchedule("@hourly").build());

    Result r = cli.runWithInput(yaml, "job", "apply", "--dry-run", "-f", "-");

    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("would create job fresh:\n+ name: fresh\n"), r.out());
    assertTrue(r.out().contains("would update job backup (version 3 to 4):\n- schedule: '@daily'\n"
        + "+ schedule: '@hourly'\n"), r.out());
    assertTrue(cli.fake.<CreateJobRequest>requests("CreateJob").stream().allMatch(CreateJobRequest::getValidateOnly));
    assertTrue(cli.fake.<UpdateJobRequest>requests("UpdateJob").stream().allMatch(UpdateJobRequest::getValidateOnly));
  }

  @Test
  void applyReadsSeveralJobsFromStdinInOrder() {
    String yaml = """
        name: extract
        argv: [/bin/extract]
        ---
        name: load
        dependencies: [extract]
        command:
          shell: load --all
        """;
    cli.fake.answer("CreateJob", Job.newBuilder().setName("extract").setVersion(1).build(),
        Status.ALREADY_EXISTS);
    cli.fake.answer("UpdateJob", Job.newBuilder().setName("load").setVersion(9).build());

    Result r = cli.runWithInput(yaml, "job", "apply", "-f", "-");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("created job extract\nupdated job load (version 9)\n", r.out());
    List<String> order = cli.fake.calls().stream()
        .map(c -> c.method() + " " + (c.request() instanceof CreateJobRequest cr ? cr.getJob().getName()
            : ((UpdateJobRequest) c.request()).getJob().getName()))
        .toList();
    assertEquals(List.of("CreateJob extract", "CreateJob load", "UpdateJob load"), order);
  }

  @Test
  void applyOfAFileWithAnUnknownKeyFailsBeforeAnyCall() {
    Result r = cli.runWithInput("name: a\nshell: 'true'\nschedul: '@daily'\n", "job", "apply", "-f", "-");

    assertEquals(1, r.exitCode());
    assertOneLine(r.err());
    assertEquals("baton: <stdin>: job 'a': unknown key 'schedul' (did you mean 'schedule'?)\n", r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void applyOfAMissingFileIsOneLine() {
    Result r = cli.run("job", "apply", "-f", "/nonexistent/jobs.yaml");

    assertEquals(1, r.exitCode());
    assertEquals("baton: cannot read /nonexistent/jobs.yaml: no such file\n", r.err());
  }

  @Test
  void getAsYamlAppliesBackAsTheSameJob() {
    Job stored = Job.newBuilder().setName("backup").setSchedule("0 3 * * *").setTimezone("Europe/Berlin")
        .setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addArgs("/bin/backup").addArgs("--full")))
        .setPriority(Priority.PRIORITY_HIGH).setEnabled(false).putLabels("team", "data")
        .setRetry(RetryPolicy.newBuilder().setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(2))
        .setVersion(12).setLastRunId("r-9")
        .build();
    cli.fake.answer("GetJob", stored);
    Result got = cli.run("job", "get", "backup", "-o", "yaml");
    assertEquals(0, got.exitCode(), got.err());

    cli.fake.answer("CreateJob", Status.ALREADY_EXISTS);
    Result applied = cli.runWithInput(got.out(), "job", "apply", "-f", "-");
    assertEquals(0, applied.exitCode(), applied.err());

    Job sent = cli.fake.<UpdateJobRequest>requests("UpdateJob").get(0).getJob();
    assertEquals(stored.toBuilder().clearVersion().clearLastRunId().build(), sent);
  }

  @Test
  void listFollowsPageTokensUntilTheLastPage() {
    cli.fake.answer("ListJobs",
        ListJobsResponse.newBuilder().addJobs(job("a")).addJobs(job("b")).setNextPageToken("t1").build(),
        ListJobsResponse.newBuilder().addJobs(job("c")).setNextPageToken("t2").build(),
        ListJobsResponse.newBuilder().addJobs(job("d")).build());

    Result r = cli.run("job", "list", "--prefix", "x", "--label", "team=data", "--paused", "--priority", "high");

    assertEquals(0, r.exitCode(), r.err());
    List<ListJobsRequest> requests = cli.fake.requests("ListJobs");
    assertEquals(List.of("", "t1", "t2"), requests.stream().map(ListJobsRequest::getPageToken).toList());
    for (ListJobsRequest q : requests) {
      assertEquals("x", q.getNamePrefix());
      assertEquals(java.util.Map.of("team", "data"), q.getLabelsMap());
      assertTrue(q.hasEnabled() && !q.getEnabled());
      assertEquals(Priority.PRIORITY_HIGH, q.getPriority());
    }
    List<String> names = r.out().lines().skip(1).map(l -> l.split("\\s+")[0]).toList();
    assertEquals(List.of("a", "b", "c", "d"), names);
  }

  @Test
  void listStopsAtTheLimit() {
    cli.fake.answer("ListJobs",
        ListJobsResponse.newBuilder().addJobs(job("a")).addJobs(job("b")).setNextPageToken("t1").build(),
        ListJobsResponse.newBuilder().addJobs(job("c")).setNextPageToken("t2").build());

    Result r = cli.run("job", "list", "--limit", "3", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    List<ListJobsRequest> requests = cli.fake.requests("ListJobs");
    assertEquals(2, requests.size());
    assertEquals(3, requests.get(0).getPageSize());
    assertEquals(1, requests.get(1).getPageSize());
    assertTrue(r.err().contains("the first 3 jobs; more exist"), r.err());
  }

  @Test
  void listPagesByDefaultAndSaysHowToSeeMore() {
    ListJobsResponse.Builder full = ListJobsResponse.newBuilder().setNextPageToken("t1");
    for (int i = 0; i < 100; i++) {
      full.addJobs(job("j" + i));
    }
    cli.fake.answer("ListJobs", full.build());

    Result r = cli.run("job", "list");

    assertEquals(0, r.exitCode(), r.err());
    List<ListJobsRequest> requests = cli.fake.requests("ListJobs");
    assertEquals(1, requests.size(), "one page, not every job");
    assertEquals(100, requests.get(0).getPageSize());
    assertEquals(101, r.out().lines().count());
    assertEquals("(the first 100 jobs; more exist: --limit N for more, --limit 0 for all)", r.err().strip());
  }

  @Test
  void listEnabledAndPausedTogetherIsAUsageError() {
    Result r = cli.run("job", "list", "--enabled", "--paused");

    assertEquals(2, r.exitCode());
    assertOneLine(r.err());
  }

  @Test
  void listShowsATableWithTimesInTheJobsZone() {
    cli.fake.answer("ListJobs", ListJobsResponse.newBuilder()
        .addJobs(Job.newBuilder().setName("backup").setSchedule("0 9 * * *").setTimezone("Europe/Berlin")
            .setNextFireTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1795424400L))
            .setPriority(Priority.PRIORITY_HIGH).setLastRunId("r-7")
            .setLastRunState(dev.baton.proto.v1.RunState.RUN_STATE_SUCCEEDED))
        .addJobs(Job.newBuilder().setName("adhoc").setEnabled(false))
        .build());

    Result r = cli.run("job", "list");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        NAME    SCHEDULE   NEXT FIRE                PRIORITY  STATE    LAST RUN
        backup  0 9 * * *  2026-11-23 10:00:00 CET  high      enabled  succeeded r-7
        adhoc   -          -                        medium    paused   -
        """, r.out());
  }

  @Test
  void deletePauseResumeAndTriggerPrintWhatTheyDid() {
    Result deleted = cli.run("job", "delete", "a", "--cascade");
    assertEquals("deleted job a\n", deleted.out());
    assertEquals(List.of(DeleteJobRequest.newBuilder().setName("a").setCascade(true).setValidateOnly(true).build(),
        DeleteJobRequest.newBuilder().setName("a").setCascade(true).build()), cli.fake.requests("DeleteJob"));

    assertEquals("paused job a\n", cli.run("job", "pause", "a").out());
    assertEquals("resumed job a\n", cli.run("job", "resume", "a").out());

    Result triggered = cli.run("job", "trigger", "a");
    assertEquals(0, triggered.exitCode());
    assertEquals("run-1\n", triggered.out());
    assertEquals(List.of(TriggerJobRequest.newBuilder().setName("a").build()), cli.fake.requests("TriggerJob"));
  }

  @Test
  void triggerPassesParameters() {
    Result triggered = cli.run("job", "trigger", "report", "--param", "date=2026-12-01", "-p", "mode=full");
    assertEquals(0, triggered.exitCode(), triggered.err());
    assertEquals(java.util.Map.of("date", "2026-12-01", "mode", "full"),
        cli.fake.<TriggerJobRequest>requests("TriggerJob").get(0).getParamsMap());
  }

  @Test
  void deleteTakesSeveralNamesAndChecksThemAllFirst() {
    Result deleted = cli.run("job", "delete", "a", "b");
    assertEquals("deleted job a\ndeleted job b\n", deleted.out());
    assertEquals(List.of("a", "b", "a", "b"), cli.fake.<DeleteJobRequest>requests("DeleteJob").stream()
        .map(DeleteJobRequest::getName).toList());

    cli.fake.answer("DeleteJob", DeleteJobResponse.newBuilder().addDeleted("c").build(),
        Status.FAILED_PRECONDITION.withDescription("job 'd' has dependents: e"));
    Result refused = cli.run("job", "delete", "c", "d");
    assertEquals(1, refused.exitCode());
    assertEquals("baton: FAILED_PRECONDITION: job 'd' has dependents: e\n", refused.err());
    assertTrue(cli.fake.<DeleteJobRequest>requests("DeleteJob").stream().skip(4)
        .allMatch(DeleteJobRequest::getValidateOnly), "nothing deleted: only dry runs after the first command");
  }

  @Test
  void aCascadeThatTakesJobsNotNamedAsksFirst() {
    DeleteJobResponse wouldBe = DeleteJobResponse.newBuilder().addDeleted("extract").addDeleted("load")
        .addDeleted("report").build();
    cli.fake.answer("DeleteJob", wouldBe);
    Result no = cli.runWithInput("n\n", "job", "delete", "extract", "--cascade");
    assertEquals(1, no.exitCode());
    assertEquals("--cascade also deletes 2 jobs that depend on extract: load, report\nDelete them too? [y/N] "
        + "baton: nothing deleted\n", no.err());
    assertEquals(1, cli.fake.requests("DeleteJob").size(), "the dry run only");

    cli.fake.answer("DeleteJob", wouldBe);
    assertEquals(1, cli.runWithInput("", "job", "delete", "extract", "--cascade").exitCode(),
        "no answer (a script without --yes) deletes nothing");

    cli.fake.answer("DeleteJob", wouldBe, wouldBe);
    Result yes = cli.runWithInput("y\n", "job", "delete", "extract", "--cascade");
    assertEquals(0, yes.exitCode(), yes.err());
    assertEquals("deleted job extract\ndeleted job load\ndeleted job report\n", yes.out());

    cli.fake.answer("DeleteJob", wouldBe, wouldBe);
    Result forced = cli.runWithInput("", "job", "delete", "extract", "--cascade", "--yes");
    assertEquals(0, forced.exitCode(), forced.err());
    assertEquals("", forced.err());
  }

  private static Job job(String name) {
    return Job.newBuilder().setName(name).build();
  }

  static void assertOneLine(String err) {
    assertTrue(err.startsWith("baton: "), err);
    assertEquals(1, err.lines().count(), err);
    assertTrue(err.endsWith("\n"), err);
  }
}
