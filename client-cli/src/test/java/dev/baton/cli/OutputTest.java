package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.cli.output.JobYaml;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CoordinatorInfo;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.ExplainScheduleResponse;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.QueueDepth;
import dev.baton.proto.v1.ResolvedSchedule;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.ScheduleKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** What people and scripts read: tables, the explain text, JSON and YAML that parse back. */
class OutputTest {
  /** 2026-11-23 09:00:00 UTC, a Monday. */
  private static final long MONDAY_9AM = 1795424400L;

  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static Timestamp at(long seconds) {
    return Timestamp.newBuilder().setSeconds(seconds).build();
  }

  private static Job job() {
    return Job.newBuilder().setName("backup").setSchedule("weekdays at 9:00").setTimezone("UTC")
        .setCommand(Command.newBuilder().setShell("backup --all")).setPriority(Priority.PRIORITY_HIGH)
        .setVersion(3).setNextFireTime(at(MONDAY_9AM)).setLastRunState(RunState.RUN_STATE_FAILED)
        .setLastRunId("r-2")
        .build();
  }

  private static Run run() {
    return Run.newBuilder().setId("r-2").setJob("backup").setState(RunState.RUN_STATE_FAILED)
        .setStateReason("exit code 2").setReason(RunReason.RUN_REASON_SCHEDULE).setScheduledTime(at(MONDAY_9AM))
        .setCreateTime(at(MONDAY_9AM + 1)).setWaveId("r-2").setPriority(Priority.PRIORITY_HIGH).setJobVersion(3)
        .addAttempts(Attempt.newBuilder().setNumber(1).setWorkerName("w1").setEpoch(7)
            .setQueueTime(at(MONDAY_9AM + 1)).setStartTime(at(MONDAY_9AM + 2)).setFinishTime(at(MONDAY_9AM + 5))
            .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED).setExitCode(2))
        .build();
  }

  @Test
  void explainPrintsTheNormalizedFormAndNextFireTimesWithWeekdays() {
    cli.fake.answer("ExplainSchedule", ExplainScheduleResponse.newBuilder()
        .setResolved(ResolvedSchedule.newBuilder().setText("weekdays at 9:00")
            .setKind(ScheduleKind.SCHEDULE_KIND_CRON_UNIX).setNormalized("0 9 * * 1-5")
            .setDescription("at 09:00, Monday through Friday").setTimezone("UTC"))
        .addNextFireTimes(at(MONDAY_9AM)).addNextFireTimes(at(MONDAY_9AM + 86400))
        .addNextFireTimes(at(MONDAY_9AM + 2 * 86400))
        .build());

    Result r = cli.run("schedule", "explain", "weekdays at 9:00", "-n", "3");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        Schedule:     weekdays at 9:00
        Normalized:   0 9 * * 1-5
        Kind:         cron-unix
        Description:  at 09:00, Monday through Friday
        Timezone:     UTC
        Next 3 fire times:
          2026-11-23 09:00:00 Mon UTC
          2026-11-24 09:00:00 Tue UTC
          2026-11-25 09:00:00 Wed UTC
        """, r.out());
    assertEquals(List.of(ExplainScheduleRequest.newBuilder().setSchedule("weekdays at 9:00").setCount(3).build()),
        cli.fake.requests("ExplainSchedule"));
  }

  @Test
  void explainShowsTimesInTheSchedulesZone() {
    cli.fake.answer("ExplainSchedule", ExplainScheduleResponse.newBuilder()
        .setResolved(ResolvedSchedule.newBuilder().setText("daily at 18:30").setNormalized("30 18 * * *")
            .setKind(ScheduleKind.SCHEDULE_KIND_CRON_UNIX).setTimezone("America/New_York"))
        .addNextFireTimes(at(MONDAY_9AM + 14 * 3600 + 30 * 60))
        .build());

    Result r = cli.run("schedule", "explain", "daily at 18:30", "--timezone", "America/New_York", "-n", "1");

    assertTrue(r.out().contains("Next fire time:\n  2026-11-23 18:30:00 Mon EST\n"), r.out());
    assertEquals("America/New_York", cli.fake.<ExplainScheduleRequest>requests("ExplainSchedule").get(0)
        .getTimezone());
  }

  @Test
  void jsonOfOneJobParsesBackToTheJob() throws Exception {
    cli.fake.answer("GetJob", job());

    Result r = cli.run("job", "get", "backup", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    Job.Builder parsed = Job.newBuilder();
    JsonFormat.parser().merge(r.out(), parsed);
    assertEquals(job(), parsed.build());
  }

  @Test
  void jsonOfAListIsOneArray() throws Exception {
    cli.fake.answer("ListJobs", ListJobsResponse.newBuilder().addJobs(job())
        .addJobs(Job.newBuilder().setName("other")).build());

    Result r = cli.run("job", "list", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("["), r.out());
    ListJobsResponse.Builder parsed = ListJobsResponse.newBuilder();
    JsonFormat.parser().merge("{\"jobs\": " + r.out() + "}", parsed);
    assertEquals(List.of(job(), Job.newBuilder().setName("other").build()), parsed.getJobsList());

    Result empty = cli.run("run", "list", "-o", "json");
    assertEquals("[]\n", empty.out());
  }

  @Test
  void yamlOfJobsIsTheJobFormat() {
    cli.fake.answer("ListJobs", ListJobsResponse.newBuilder().addJobs(job())
        .addJobs(Job.newBuilder().setName("other")).build());

    Result r = cli.run("job", "list", "-o", "yaml");

    assertEquals(0, r.exitCode(), r.err());
    Job settable = job().toBuilder().clearVersion().clearNextFireTime().clearLastRunId().clearLastRunState().build();
    assertEquals(List.of(settable, Job.newBuilder().setName("other").build()), JobYaml.fromYaml(r.out()));
  }

  @Test
  void yamlOfOtherMessagesParsesWithFriendlyValues() {
    cli.fake.answer("GetRun", run());

    Result r = cli.run("run", "get", "r-2", "-o", "yaml");

    assertEquals(0, r.exitCode(), r.err());
    Map<String, Object> parsed = new Yaml().load(r.out());
    assertEquals("r-2", parsed.get("id"));
    assertEquals("failed", parsed.get("state"));
    assertEquals("schedule", parsed.get("reason"));
    assertEquals("2026-11-23T09:00:00Z", parsed.get("scheduledTime"));
    assertEquals(3, parsed.get("jobVersion"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> attempts = (List<Map<String, Object>>) parsed.get("attempts");
    assertEquals(2, attempts.get(0).get("exitCode"));
    assertEquals("failed", attempts.get(0).get("outcome"));
  }

  @Test
  void runListShowsATableAndPassesItsFilters() {
    cli.fake.answer("ListRuns", ListRunsResponse.newBuilder().addRuns(run()).build());

    Result r = cli.run("run", "list", "--job", "backup", "--state", "failed", "--state", "dead-lettered",
        "--wave", "r-1", "--limit", "10");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        ID   JOB     STATE   REASON    SCHEDULED                CREATED                  ATTEMPTS  DETAIL
        r-2  backup  failed  schedule  2026-11-23 09:00:00 UTC  2026-11-23 09:00:01 UTC  1         exit code 2
        """, r.out());
    assertEquals(List.of(ListRunsRequest.newBuilder().setJob("backup").addStates(RunState.RUN_STATE_FAILED)
        .addStates(RunState.RUN_STATE_DEAD_LETTERED).setWaveId("r-1").setPageSize(10).build()),
        cli.fake.requests("ListRuns"));
  }

  @Test
  void runGetShowsTheAttempts() {
    cli.fake.answer("GetRun", run());

    Result r = cli.run("run", "get", "r-2");

    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().startsWith("Id:            r-2\nJob:           backup\nState:         failed\n"), r.out());
    assertTrue(r.out().contains("""
        #  WORKER  EPOCH  OUTCOME  EXIT  QUEUED                   STARTED                  FINISHED                 ERROR
        1  w1      7      failed   2     2026-11-23 09:00:01 UTC  2026-11-23 09:00:02 UTC  2026-11-23 09:00:05 UTC  -
        """), r.out());
  }

  @Test
  void clusterStatusShowsRoleEpochLeaderAndQueues() throws Exception {
    ClusterStatus status = ClusterStatus.newBuilder()
        .setSelf(CoordinatorInfo.newBuilder().setName("c1").setAddress("10.0.0.1:7070")
            .setRole(CoordinatorRole.COORDINATOR_ROLE_LEADER))
        .setLeaderAddress("10.0.0.1:7070").setEpoch(42).setJobs(12).setActiveRuns(3).setLiveWorkers(2)
        .setTotalSlots(8).setFreeSlots(5)
        .addQueueDepth(QueueDepth.newBuilder().setPriority(Priority.PRIORITY_HIGH).setQueued(1))
        .addQueueDepth(QueueDepth.newBuilder().setPriority(Priority.PRIORITY_MEDIUM).setQueued(4))
        .addQueueDepth(QueueDepth.newBuilder().setPriority(Priority.PRIORITY_LOW))
        .setDispatch(DispatchSettings.newBuilder().setPolicy(DispatchPolicy.DISPATCH_POLICY_PRIORITY)
            .setAging(Duration.newBuilder().setSeconds(60)))
        .setVersion("0.1.0").setSchemaVersion(1)
        .build();
    cli.fake.answer("GetClusterStatus", status, status);

    Result r = cli.run("cluster", "status");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        Role:         leader
        Coordinator:  c1 (10.0.0.1:7070)
        Leader:       10.0.0.1:7070
        Epoch:        42
        Jobs:         12
        Active runs:  3
        Workers:      2 live
        Slots:        8 total, 5 free
        Queue depth:  high 1, medium 4, low 0
        Dispatch:     priority (aging 1m)
        Version:      0.1.0 (schema 1)
        """, r.out());

    Result json = cli.run("cluster", "status", "-o", "json");
    ClusterStatus.Builder parsed = ClusterStatus.newBuilder();
    JsonFormat.parser().merge(json.out(), parsed);
    assertEquals(status, parsed.build());
  }

  @Test
  void clusterStatusOfAnHaLeaderListsItsStandbysWithTheirLag() {
    CoordinatorInfo leader = CoordinatorInfo.newBuilder().setName("10.0.0.1:7070").setAddress("10.0.0.1:7070")
        .setRole(CoordinatorRole.COORDINATOR_ROLE_LEADER).setInSync(true).setConnected(true).build();
    ClusterStatus status = ClusterStatus.newBuilder().setSelf(leader).setLeaderAddress("10.0.0.1:7070")
        .setEpoch(7).addCoordinators(leader)
        .addCoordinators(CoordinatorInfo.newBuilder().setName("10.0.0.2:7070").setAddress("10.0.0.2:7070")
            .setRole(CoordinatorRole.COORDINATOR_ROLE_STANDBY).setInSync(true).setConnected(true))
        .addCoordinators(CoordinatorInfo.newBuilder().setName("10.0.0.3:7070").setAddress("10.0.0.3:7070")
            .setRole(CoordinatorRole.COORDINATOR_ROLE_STANDBY).setConnected(false).setReplicationLag(42)
            .setReplicationLagTime(Duration.newBuilder().setSeconds(5)))
        .build();
    cli.fake.answer("GetClusterStatus", status);

    Result r = cli.run("cluster", "status");

    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().endsWith("""
        COORDINATOR    ADDRESS        ROLE     IN SYNC  CONNECTED  LAG
        10.0.0.1:7070  10.0.0.1:7070  leader   -        -          -
        10.0.0.2:7070  10.0.0.2:7070  standby  yes      yes        0
        10.0.0.3:7070  10.0.0.3:7070  standby  no       no         42 (5s)
        """), r.out());
  }

  @Test
  void jobGetShowsTheJobForPeople() {
    cli.fake.answer("GetJob", job());

    Result r = cli.run("job", "get", "backup");

    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("Command:    sh -c 'backup --all'\n"), r.out());
    assertTrue(r.out().contains("Next fire:  2026-11-23 09:00:00 Mon UTC\n"), r.out());
    assertTrue(r.out().contains("Last run:   failed r-2\n"), r.out());
  }
}
