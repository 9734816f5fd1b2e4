package dev.baton.coordinator.api;

import com.google.protobuf.util.Timestamps;
import dev.baton.client.Times;
import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.job.JobValidator;
import dev.baton.coordinator.request.RequestLog;
import dev.baton.coordinator.schedule.Schedule;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.BackfillJobResponse;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.ExplainScheduleResponse;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.TriggerJobResponse;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;

/** JobService: calls the registry with a request {@link RequestChecks} has checked, returns its result. */
public final class JobServiceImpl extends JobServiceGrpc.JobServiceImplBase {
  private static final int DEFAULT_EXPLAIN_COUNT = 5;
  private static final int DEFAULT_BACKFILL_RUNS = 1000;

  private final JobRegistry registry;
  private final Clock clock;

  private final RequestLog requests;

  public JobServiceImpl(JobRegistry registry, RequestLog requests, Clock clock) {
    this.registry = registry;
    this.requests = requests;
    this.clock = clock;
  }

  @Override
  public void createJob(CreateJobRequest request, StreamObserver<Job> response) {
    if (request.getValidateOnly()) {
      Calls.unary(response, () -> registry.create(request.getJob(), true));
      return;
    }
    Calls.unary(response, () -> requests.once("CreateJob", request.getRequestId(), request, Job.parser(),
        recorder -> registry.create(request.getJob(), false, recorder)));
  }

  @Override
  public void getJob(GetJobRequest request, StreamObserver<Job> response) {
    Calls.unary(response, () -> registry.get(request.getName()));
  }

  @Override
  public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> response) {
    Calls.unary(response, () -> registry.list(request));
  }

  @Override
  public void updateJob(UpdateJobRequest request, StreamObserver<Job> response) {
    Calls.unary(response, () -> registry.update(request.getJob(), request.getUpdateMask(),
        request.getValidateOnly()));
  }

  @Override
  public void deleteJob(DeleteJobRequest request, StreamObserver<DeleteJobResponse> response) {
    Calls.unary(response, () -> DeleteJobResponse.newBuilder()
        .addAllDeleted(registry.delete(request.getName(), request.getCascade(), request.getValidateOnly()))
        .build());
  }

  @Override
  public void pauseJob(PauseJobRequest request, StreamObserver<Job> response) {
    Calls.unary(response, () -> registry.setEnabled(request.getName(), false));
  }

  @Override
  public void resumeJob(ResumeJobRequest request, StreamObserver<Job> response) {
    Calls.unary(response, () -> registry.setEnabled(request.getName(), true));
  }

  @Override
  public void triggerJob(TriggerJobRequest request, StreamObserver<TriggerJobResponse> response) {
    Calls.unary(response, () -> {
      String requestedBy = request.getRequestedBy().isBlank() ? "api" : request.getRequestedBy();
      Run run = requests.once("TriggerJob", request.getRequestId(), request, Run.parser(),
          recorder -> registry.trigger(request.getName(), requestedBy, request.getForce(), request.getParamsMap(),
              recorder));
      return TriggerJobResponse.newBuilder().setRun(run).build();
    });
  }

  @Override
  public void backfillJob(BackfillJobRequest request, StreamObserver<BackfillJobResponse> response) {
    Calls.unary(response, () -> {
      int maxRuns = request.getMaxRuns() == 0 ? DEFAULT_BACKFILL_RUNS : request.getMaxRuns();
      return requests.once("BackfillJob", request.getRequestId(), request, BackfillJobResponse.parser(),
          recorder -> BackfillJobResponse.newBuilder().addAllRuns(registry.backfill(request.getName(),
              Times.toInstant(request.getFrom()), Times.toInstant(request.getTo()), maxRuns, recorder)).build());
    });
  }

  @Override
  public void explainSchedule(ExplainScheduleRequest request, StreamObserver<ExplainScheduleResponse> response) {
    Calls.unary(response, () -> {
      int count = request.getCount() == 0 ? DEFAULT_EXPLAIN_COUNT : request.getCount();
      Instant now = clock.instant();
      Instant after = request.hasAfter() ? Times.toInstant(request.getAfter()) : now;
      Schedule schedule = JobValidator.parseSchedule(request.getSchedule(), request.getTimezone(), now);
      ExplainScheduleResponse.Builder out =
          ExplainScheduleResponse.newBuilder().setResolved(JobValidator.resolve(schedule));
      for (Instant t : schedule.nextFireTimes(after, count)) {
        out.addNextFireTimes(Timestamps.fromMillis(t.toEpochMilli()));
      }
      return out.build();
    });
  }
}
