package dev.baton.coordinator.api;

import static dev.baton.coordinator.testing.GrpcAssertions.assertStatus;
import static dev.baton.coordinator.testing.GrpcAssertions.violatedFields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.FieldMask;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.ExplainScheduleResponse;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc.JobServiceBlockingStub;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobServiceTest {
  @TempDir Path dir;
  private InProcessCoordinator coordinator;
  private JobServiceBlockingStub jobs;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:30Z"));
    jobs = coordinator.client().jobs();
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private Job create(Job.Builder job) {
    return jobs.createJob(CreateJobRequest.newBuilder().setJob(job).build());
  }

  private Job get(String name) {
    return jobs.getJob(GetJobRequest.newBuilder().setName(name).build());
  }

  private List<String> names(ListJobsRequest request) {
    return jobs.listJobs(request).getJobsList().stream().map(Job::getName).toList();
  }

  // CreateJob ------------------------------------------------------------------------------------------------------

  @Test
  void createStoresTheJobWithItsScheduleResolved() {
    Job created = create(Jobs.shell("report").setSchedule("every 5 minutes"));
    assertEquals(1, created.getVersion());
    assertEquals(Timestamps.parseUnchecked("2026-11-22T10:05:00Z"), created.getNextFireTime());
    assertEquals("every 5 minutes", created.getResolvedSchedule().getText());
    assertEquals(created, get("report"));
  }

  @Test
  void createRefusesATakenName() {
    create(Jobs.shell("a"));
    assertStatus(Status.Code.ALREADY_EXISTS, () -> create(Jobs.shell("a").setDescription("other")));
    assertEquals("", get("a").getDescription());
  }

  @Test
  void createRefusesBadInputWithFieldViolationsAndStoresNothing() {
    StatusRuntimeException e = assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> create(Job.newBuilder().setName("Bad Name").setSchedule("whenever")));
    assertTrue(violatedFields(e).containsAll(List.of("job.name", "job.command", "job.schedule")),
        violatedFields(e).toString());
    assertTrue(names(ListJobsRequest.getDefaultInstance()).isEmpty());
  }

  @Test
  void createRefusesAnUnknownDependency() {
    StatusRuntimeException e =
        assertStatus(Status.Code.INVALID_ARGUMENT, () -> create(Jobs.shell("b").addDependencies("nope")));
    assertTrue(e.getStatus().getDescription().contains("unknown job 'nope'"), e.getStatus().getDescription());
    assertStatus(Status.Code.NOT_FOUND, () -> get("b"));
  }

  // GetJob ---------------------------------------------------------------------------------------------------------

  @Test
  void getUnknownIsNotFoundAndEmptyIsInvalid() {
    assertStatus(Status.Code.NOT_FOUND, () -> get("nope"));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> get(""));
  }

  // ListJobs -------------------------------------------------------------------------------------------------------

  @Test
  void listFiltersByPrefixLabelEnabledAndPriority() {
    create(Jobs.shell("db.backup").putLabels("team", "data").setPriority(Priority.PRIORITY_HIGH));
    create(Jobs.shell("db.vacuum").putLabels("team", "data"));
    create(Jobs.shell("web.logs").putLabels("team", "web"));
    jobs.pauseJob(PauseJobRequest.newBuilder().setName("db.vacuum").build());

    assertEquals(List.of("db.backup", "db.vacuum"), names(ListJobsRequest.newBuilder().setNamePrefix("db.").build()));
    assertEquals(List.of("web.logs"), names(ListJobsRequest.newBuilder().putLabels("team", "web").build()));
    assertEquals(List.of("db.vacuum"), names(ListJobsRequest.newBuilder().setEnabled(false).build()));
    assertEquals(List.of("db.backup"),
        names(ListJobsRequest.newBuilder().setPriority(Priority.PRIORITY_HIGH).build()));
  }

  @Test
  void listPagesThroughEveryJobOnce() {
    for (int i = 0; i < 25; i++) {
      create(Jobs.shell(String.format("job-%02d", i)));
    }
    List<String> seen = new ArrayList<>();
    String token = "";
    int pages = 0;
    do {
      ListJobsResponse page = jobs.listJobs(ListJobsRequest.newBuilder().setPageSize(10).setPageToken(token).build());
      page.getJobsList().forEach(j -> seen.add(j.getName()));
      token = page.getNextPageToken();
      pages++;
    } while (!token.isEmpty());
    assertEquals(3, pages);
    assertEquals(25, seen.size());
    assertEquals("job-00", seen.get(0));
    assertEquals("job-24", seen.get(24));
  }

  @Test
  void listRefusesBadPagingArguments() {
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> names(ListJobsRequest.newBuilder().setPageSize(5000).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> names(ListJobsRequest.newBuilder().setPageToken("!!not-base64!!").build()));
  }

  // UpdateJob ------------------------------------------------------------------------------------------------------

  @Test
  void updateChangesOnlyTheMaskedFields() {
    create(Jobs.shell("a").setDescription("first").setSchedule("every 5 minutes"));
    Job updated = jobs.updateJob(UpdateJobRequest.newBuilder()
        .setJob(Job.newBuilder().setName("a").setPriority(Priority.PRIORITY_LOW).setDescription("ignored"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("priority"))
        .build());
    assertEquals(2, updated.getVersion());
    assertEquals(Priority.PRIORITY_LOW, updated.getPriority());
    assertEquals("first", updated.getDescription());
    assertEquals(Timestamps.parseUnchecked("2026-11-22T10:05:00Z"), updated.getNextFireTime());
  }

  @Test
  void updateWithAnEmptyMaskReplacesTheDefinition() {
    create(Jobs.shell("a").setDescription("first").putLabels("k", "v"));
    Job replaced = jobs.updateJob(UpdateJobRequest.newBuilder().setJob(Jobs.shell("a").setSchedule("hourly")).build());
    assertEquals("", replaced.getDescription());
    assertTrue(replaced.getLabelsMap().isEmpty());
    assertEquals("hourly", replaced.getSchedule());
    assertTrue(replaced.getEnabled());
  }

  @Test
  void updateRefusesAStaleVersion() {
    create(Jobs.shell("a"));
    jobs.updateJob(UpdateJobRequest.newBuilder().setJob(Jobs.shell("a").setVersion(1).setDescription("v2")).build());
    StatusRuntimeException e = assertStatus(Status.Code.ABORTED, () -> jobs.updateJob(
        UpdateJobRequest.newBuilder().setJob(Jobs.shell("a").setVersion(1).setDescription("lost")).build()));
    assertTrue(e.getStatus().getDescription().contains("version 2"), e.getStatus().getDescription());
    assertEquals("v2", get("a").getDescription());
  }

  @Test
  void updateRefusesADependencyCycleNamingIt() {
    create(Jobs.shell("a"));
    create(Jobs.shell("b").addDependencies("a"));
    create(Jobs.shell("c").addDependencies("b"));
    StatusRuntimeException e = assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.updateJob(
        UpdateJobRequest.newBuilder()
            .setJob(Job.newBuilder().setName("a").addDependencies("c"))
            .setUpdateMask(FieldMask.newBuilder().addPaths("dependencies"))
            .build()));
    assertTrue(e.getStatus().getDescription().contains("dependency cycle: a -> c -> b -> a"),
        e.getStatus().getDescription());
    assertEquals(List.of("job.dependencies"), violatedFields(e));
    assertEquals(1, get("a").getVersion());
    assertTrue(get("a").getDependenciesList().isEmpty());
  }

  @Test
  void updateErrors() {
    assertStatus(Status.Code.NOT_FOUND,
        () -> jobs.updateJob(UpdateJobRequest.newBuilder().setJob(Jobs.shell("nope")).build()));
    create(Jobs.shell("a"));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.updateJob(UpdateJobRequest.newBuilder()
        .setJob(Job.newBuilder().setName("a")).setUpdateMask(FieldMask.newBuilder().addPaths("version")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.updateJob(UpdateJobRequest.newBuilder()
        .setJob(Job.newBuilder().setName("a").setSchedule("every fortnight"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("schedule")).build()));
    assertEquals(1, get("a").getVersion());
  }

  // DeleteJob ------------------------------------------------------------------------------------------------------

  @Test
  void deleteRefusesAJobWithDependentsUnlessCascade() {
    create(Jobs.shell("a").setSchedule("hourly"));
    create(Jobs.shell("b").addDependencies("a"));
    create(Jobs.shell("c").addDependencies("b"));
    StatusRuntimeException e = assertStatus(Status.Code.FAILED_PRECONDITION,
        () -> jobs.deleteJob(DeleteJobRequest.newBuilder().setName("a").build()));
    assertTrue(e.getStatus().getDescription().contains("has dependents: b, c"), e.getStatus().getDescription());
    get("a");
    assertStatus(Status.Code.FAILED_PRECONDITION,
        () -> jobs.deleteJob(DeleteJobRequest.newBuilder().setName("a").setValidateOnly(true).build()));

    // A dry run names what a cascade would take, and deletes nothing.
    assertEquals(List.of("a", "b", "c"), jobs.deleteJob(DeleteJobRequest.newBuilder().setName("a").setCascade(true)
        .setValidateOnly(true).build()).getDeletedList().stream().sorted().toList());
    assertEquals(3, names(ListJobsRequest.getDefaultInstance()).size());

    List<String> deleted =
        jobs.deleteJob(DeleteJobRequest.newBuilder().setName("a").setCascade(true).build()).getDeletedList();
    assertEquals("a", deleted.get(0));
    assertEquals(3, deleted.size());
    assertTrue(names(ListJobsRequest.getDefaultInstance()).isEmpty());
    // The name is free again, with a clean graph.
    create(Jobs.shell("b"));
  }

  @Test
  void deleteUnknownIsNotFound() {
    assertStatus(Status.Code.NOT_FOUND, () -> jobs.deleteJob(DeleteJobRequest.newBuilder().setName("x").build()));
  }

  // PauseJob / ResumeJob -------------------------------------------------------------------------------------------

  @Test
  void pauseStopsTicksAndResumeRestartsThemIdempotently() {
    create(Jobs.shell("a").setSchedule("every 5 minutes"));
    Job paused = jobs.pauseJob(PauseJobRequest.newBuilder().setName("a").build());
    assertFalse(paused.getEnabled());
    assertFalse(paused.hasNextFireTime());
    assertEquals(paused, jobs.pauseJob(PauseJobRequest.newBuilder().setName("a").build()));

    Job resumed = jobs.resumeJob(ResumeJobRequest.newBuilder().setName("a").build());
    assertTrue(resumed.getEnabled());
    assertEquals(Timestamps.parseUnchecked("2026-11-22T10:05:00Z"), resumed.getNextFireTime());
    assertEquals(3, jobs.resumeJob(ResumeJobRequest.newBuilder().setName("a").build()).getVersion());
  }

  @Test
  void pauseAndResumeUnknownAreNotFound() {
    assertStatus(Status.Code.NOT_FOUND, () -> jobs.pauseJob(PauseJobRequest.newBuilder().setName("x").build()));
    assertStatus(Status.Code.NOT_FOUND, () -> jobs.resumeJob(ResumeJobRequest.newBuilder().setName("x").build()));
  }

  // TriggerJob -----------------------------------------------------------------------------------------------------

  @Test
  void triggerRecordsAQueuedManualRunThatStartsItsOwnWave() {
    create(Jobs.shell("a"));
    Run run = jobs.triggerJob(TriggerJobRequest.newBuilder().setName("a").setRequestedBy("alice").build()).getRun();
    assertEquals(RunState.RUN_STATE_QUEUED, run.getState());
    assertEquals(RunReason.RUN_REASON_MANUAL, run.getReason());
    assertEquals(run.getId(), run.getWaveId());
    assertEquals("alice", run.getRequestedBy());
    assertEquals(1, run.getAttemptsCount());
    assertEquals(run.getId(), get("a").getLastRunId());
    assertStatus(Status.Code.NOT_FOUND, () -> jobs.triggerJob(TriggerJobRequest.newBuilder().setName("x").build()));
  }

  @Test
  void triggerRecordsTheRunsParametersAndRefusesOnesThatMakeNoVariable() {
    create(Jobs.shell("a"));
    Run run = jobs.triggerJob(TriggerJobRequest.newBuilder().setName("a").putParams("date", "2026-12-01")
        .putParams("MODE", "full").build()).getRun();
    assertEquals(Map.of("date", "2026-12-01", "MODE", "full"), run.getParamsMap());
    for (String bad : List.of("1st", "with-dash", "a b", "x".repeat(65))) {
      StatusRuntimeException e = assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.triggerJob(
          TriggerJobRequest.newBuilder().setName("a").putParams(bad, "v").build()));
      assertTrue(e.getStatus().getDescription().contains("params[" + bad + "]"), e.getStatus().getDescription());
    }
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.triggerJob(TriggerJobRequest.newBuilder().setName("a")
        .putParams("big", "v".repeat(4097)).build()));
  }

  @Test
  void backfillErrors() {
    create(Jobs.shell("once").setSchedule("in 10 minutes"));
    create(Jobs.shell("none"));
    var from = Timestamps.parseUnchecked("2026-11-21T00:00:00Z");
    var to = Timestamps.parseUnchecked("2026-11-22T00:00:00Z");
    assertStatus(Status.Code.NOT_FOUND,
        () -> jobs.backfillJob(BackfillJobRequest.newBuilder().setName("x").setFrom(from).setTo(to).build()));
    assertStatus(Status.Code.FAILED_PRECONDITION,
        () -> jobs.backfillJob(BackfillJobRequest.newBuilder().setName("once").setFrom(from).setTo(to).build()));
    assertStatus(Status.Code.FAILED_PRECONDITION,
        () -> jobs.backfillJob(BackfillJobRequest.newBuilder().setName("none").setFrom(from).setTo(to).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> jobs.backfillJob(BackfillJobRequest.newBuilder().setName("none").setFrom(to).setTo(from).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.backfillJob(BackfillJobRequest.newBuilder()
        .setName("none").setFrom(from).setTo(Timestamps.parseUnchecked("2027-01-01T00:00:00Z")).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT,
        () -> jobs.backfillJob(BackfillJobRequest.newBuilder().setName("none").build()));
  }

  // ExplainSchedule ------------------------------------------------------------------------------------------------

  @Test
  void explainGivesTheNormalizedFormAndNextTimes() {
    ExplainScheduleResponse r = jobs.explainSchedule(ExplainScheduleRequest.newBuilder()
        .setSchedule("weekdays at 9:00").setCount(3).build());
    assertEquals(List.of(Instant.parse("2026-11-23T09:00:00Z"), Instant.parse("2026-11-24T09:00:00Z"),
            Instant.parse("2026-11-25T09:00:00Z")),
        r.getNextFireTimesList().stream().map(t -> Instant.ofEpochMilli(Timestamps.toMillis(t))).toList());
    assertFalse(r.getResolved().getNormalized().isEmpty());
  }

  @Test
  void explainRefusesBadInput() {
    StatusRuntimeException e = assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.explainSchedule(
        ExplainScheduleRequest.newBuilder().setSchedule("sometimes").build()));
    assertEquals(List.of("schedule"), violatedFields(e));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.explainSchedule(
        ExplainScheduleRequest.newBuilder().setSchedule("hourly").setCount(1000).build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.explainSchedule(
        ExplainScheduleRequest.newBuilder().setSchedule("hourly").setTimezone("Nowhere/City").build()));
  }

  @Test
  void validateOnlyChecksEverythingAndChangesNothing() {
    Job wouldBe = jobs.createJob(CreateJobRequest.newBuilder().setValidateOnly(true)
        .setJob(Jobs.shell("dry").setSchedule("daily at 3 AM")).build());
    assertEquals(1, wouldBe.getVersion());
    assertEquals(1, wouldBe.getSlots(), "defaults filled in");
    assertTrue(wouldBe.hasNextFireTime());
    assertStatus(Status.Code.NOT_FOUND, () -> jobs.getJob(GetJobRequest.newBuilder().setName("dry").build()));
    assertStatus(Status.Code.INVALID_ARGUMENT, () -> jobs.createJob(CreateJobRequest.newBuilder()
        .setValidateOnly(true).setJob(Jobs.shell("dry").setSlots(0)).build()));

    Job created = create(Jobs.shell("dry").setSchedule("daily at 3 AM"));
    assertStatus(Status.Code.ALREADY_EXISTS, () -> jobs.createJob(CreateJobRequest.newBuilder()
        .setValidateOnly(true).setJob(Jobs.shell("dry")).build()));
    Job updated = jobs.updateJob(UpdateJobRequest.newBuilder().setValidateOnly(true)
        .setJob(Job.newBuilder().setName("dry").setSchedule("every 5 minutes"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("schedule")).build());
    assertEquals(2, updated.getVersion());
    assertEquals("every 5 minutes", updated.getSchedule());
    assertEquals(created, jobs.getJob(GetJobRequest.newBuilder().setName("dry").build()), "nothing changed");
  }
}
