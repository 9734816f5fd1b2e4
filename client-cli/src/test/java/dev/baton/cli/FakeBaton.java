package dev.baton.cli;

import com.google.protobuf.Descriptors;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.BackfillJobResponse;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.ClusterServiceGrpc;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.ExplainScheduleResponse;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.GetDispatchPolicyRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListDeadLettersResponse;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.ListWorkersResponse;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunServiceGrpc;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.SetDispatchPolicyRequest;
import dev.baton.proto.v1.StreamOutputRequest;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.TriggerJobResponse;
import dev.baton.proto.v1.UpdateJobRequest;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WatchRunEventsRequest;
import dev.baton.proto.v1.Worker;
import dev.baton.proto.v1.WorkerState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Small fakes of JobService, RunService and ClusterService: they record every request and answer with what a test
 * queued for the method (a message, or a {@link Status} or detailed {@code com.google.rpc.Status} to fail with),
 * else with a plain default answer.
 * Server streams (StreamOutput, WatchRunEvents) play a script a test queued with {@link #answerStream}, on a
 * thread of their own so that a script may wait for what the command has done so far.
 */
final class FakeBaton implements AutoCloseable {
  /** In a stream script: leave the stream open (as the coordinator leaves a watch open) until the client leaves. */
  static final Object HOLD = new Object();

  /** What GetDispatchPolicy answers unless told otherwise. */
  static final DispatchSettings DEFAULT_DISPATCH = DispatchSettings.newBuilder()
      .setPolicy(DispatchPolicy.DISPATCH_POLICY_PRIORITY).setAging(Duration.newBuilder().setSeconds(60)).build();

  /** One recorded call. */
  record Call(String method, Message request) {}

  private final List<Call> calls = new ArrayList<>();
  private final Map<String, Deque<Object>> answers = new HashMap<>();
  private final Map<String, Deque<List<Object>>> scripts = new HashMap<>();
  private final Map<String, Integer> cancels = new HashMap<>();
  private final ExecutorService streams = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-baton-stream");
    t.setDaemon(true);
    return t;
  });

  final JobServiceGrpc.JobServiceImplBase jobs = new Jobs();
  final RunServiceGrpc.RunServiceImplBase runs = new Runs();
  final ClusterServiceGrpc.ClusterServiceImplBase cluster = new Cluster();

  /** Queues answers for a method, used in order; each is a response message or a {@link Status}. */
  synchronized FakeBaton answer(String method, Object... responses) {
    answers.computeIfAbsent(method, m -> new ArrayDeque<>()).addAll(List.of(responses));
    return this;
  }

  /**
   * Queues the script of one call of a server-streaming method; each call plays the next script. A script's items,
   * in order: a response message is sent; a {@link Runnable} is run (to wait for something); a {@link Status}
   * ends the stream with that error; {@link #HOLD} leaves it open. A script that runs out completes the stream.
   * Without a script StreamOutput completes at once and WatchRunEvents is held open.
   */
  synchronized FakeBaton answerStream(String method, Object... script) {
    scripts.computeIfAbsent(method, m -> new ArrayDeque<>()).add(List.of(script));
    return this;
  }

  /** How many calls of a streaming method the client cancelled. */
  synchronized int cancels(String method) {
    return cancels.getOrDefault(method, 0);
  }

  @Override
  public void close() {
    streams.shutdownNow();
    try {
      streams.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  synchronized List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The requests a method received, in order. */
  @SuppressWarnings("unchecked")
  synchronized <Q extends Message> List<Q> requests(String method) {
    return calls.stream().filter(c -> c.method().equals(method)).map(c -> (Q) c.request()).toList();
  }

  /**
   * The request as recorded: without the request id the client helper gives every call that takes one (random, so
   * tests compare the rest); a call that takes one and arrives without one fails the test's comparison instead.
   */
  private static Message withoutRequestId(Message request) {
    Descriptors.FieldDescriptor id = request.getDescriptorForType().findFieldByName("request_id");
    if (id == null) {
      return request;
    }
    if (((String) request.getField(id)).isEmpty()) {
      throw new AssertionError("the client helper sent a " + request.getDescriptorForType().getName()
          + " without a request id");
    }
    return request.toBuilder().clearField(id).build();
  }

  @SuppressWarnings("unchecked")
  private <Q extends Message, R> void handle(String method, Q request, StreamObserver<R> reply,
      Function<Q, R> fallback) {
    Object answer;
    synchronized (this) {
      calls.add(new Call(method, withoutRequestId(request)));
      Deque<Object> queued = answers.get(method);
      answer = queued == null || queued.isEmpty() ? null : queued.poll();
    }
    if (answer instanceof Status status) {
      reply.onError(new StatusRuntimeException(status));
      return;
    }
    if (answer instanceof com.google.rpc.Status detailed) {
      reply.onError(io.grpc.protobuf.StatusProto.toStatusRuntimeException(detailed));
      return;
    }
    reply.onNext(answer != null ? (R) answer : fallback.apply(request));
    reply.onCompleted();
  }

  @SuppressWarnings("unchecked")
  private <Q extends Message, R> void stream(String method, Q request, StreamObserver<R> reply,
      List<Object> fallback) {
    List<Object> script;
    synchronized (this) {
      calls.add(new Call(method, withoutRequestId(request)));
      Deque<List<Object>> queued = scripts.get(method);
      script = queued == null || queued.isEmpty() ? fallback : queued.poll();
    }
    ServerCallStreamObserver<R> call = (ServerCallStreamObserver<R>) reply;
    call.setOnCancelHandler(() -> {
      synchronized (this) {
        cancels.merge(method, 1, Integer::sum);
      }
    });
    streams.execute(() -> {
      try {
        for (Object item : script) {
          if (item == HOLD) {
            return;
          } else if (item instanceof Status status) {
            reply.onError(new StatusRuntimeException(status));
            return;
          } else if (item instanceof Runnable step) {
            step.run();
          } else {
            reply.onNext((R) item);
          }
        }
        reply.onCompleted();
      } catch (StatusRuntimeException cancelledByTheClient) {
        // the command has left; nothing more to send
      }
    });
  }

  private final class Jobs extends JobServiceGrpc.JobServiceImplBase {
    @Override
    public void createJob(CreateJobRequest request, StreamObserver<Job> reply) {
      handle("CreateJob", request, reply, r -> r.getJob().toBuilder().setVersion(1).build());
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> reply) {
      handle("GetJob", request, reply, r -> Job.newBuilder().setName(r.getName()).setVersion(1).build());
    }

    @Override
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> reply) {
      handle("ListJobs", request, reply, r -> ListJobsResponse.getDefaultInstance());
    }

    @Override
    public void updateJob(UpdateJobRequest request, StreamObserver<Job> reply) {
      handle("UpdateJob", request, reply, r -> r.getJob().toBuilder().setVersion(2).build());
    }

    @Override
    public void deleteJob(DeleteJobRequest request, StreamObserver<DeleteJobResponse> reply) {
      handle("DeleteJob", request, reply, r -> DeleteJobResponse.newBuilder().addDeleted(r.getName()).build());
    }

    @Override
    public void pauseJob(PauseJobRequest request, StreamObserver<Job> reply) {
      handle("PauseJob", request, reply, r -> Job.newBuilder().setName(r.getName()).setEnabled(false).build());
    }

    @Override
    public void resumeJob(ResumeJobRequest request, StreamObserver<Job> reply) {
      handle("ResumeJob", request, reply, r -> Job.newBuilder().setName(r.getName()).setEnabled(true).build());
    }

    @Override
    public void triggerJob(TriggerJobRequest request, StreamObserver<TriggerJobResponse> reply) {
      handle("TriggerJob", request, reply, r -> TriggerJobResponse.newBuilder()
          .setRun(Run.newBuilder().setId("run-1").setJob(r.getName()).setState(RunState.RUN_STATE_QUEUED))
          .build());
    }

    @Override
    public void backfillJob(BackfillJobRequest request, StreamObserver<BackfillJobResponse> reply) {
      handle("BackfillJob", request, reply, r -> BackfillJobResponse.getDefaultInstance());
    }

    @Override
    public void explainSchedule(ExplainScheduleRequest request, StreamObserver<ExplainScheduleResponse> reply) {
      handle("ExplainSchedule", request, reply, r -> ExplainScheduleResponse.getDefaultInstance());
    }
  }

  private final class Runs extends RunServiceGrpc.RunServiceImplBase {
    @Override
    public void getRun(GetRunRequest request, StreamObserver<Run> reply) {
      handle("GetRun", request, reply, r -> Run.newBuilder().setId(r.getId()).build());
    }

    @Override
    public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> reply) {
      handle("ListRuns", request, reply, r -> ListRunsResponse.getDefaultInstance());
    }

    @Override
    public void cancelRun(CancelRunRequest request, StreamObserver<Run> reply) {
      handle("CancelRun", request, reply, r -> Run.newBuilder().setId(r.getId())
          .setState(RunState.RUN_STATE_CANCELLED).build());
    }

    @Override
    public void watchRunEvents(WatchRunEventsRequest request, StreamObserver<RunEvent> reply) {
      stream("WatchRunEvents", request, reply, List.of(HOLD));
    }

    @Override
    public void streamOutput(StreamOutputRequest request, StreamObserver<OutputChunk> reply) {
      stream("StreamOutput", request, reply, List.of());
    }

    @Override
    public void getWave(GetWaveRequest request, StreamObserver<Wave> reply) {
      handle("GetWave", request, reply, r -> Wave.newBuilder().setId(r.getId()).build());
    }

    @Override
    public void listDeadLetters(ListDeadLettersRequest request, StreamObserver<ListDeadLettersResponse> reply) {
      handle("ListDeadLetters", request, reply, r -> ListDeadLettersResponse.getDefaultInstance());
    }

    @Override
    public void redriveDeadLetter(RedriveDeadLetterRequest request, StreamObserver<Run> reply) {
      handle("RedriveDeadLetter", request, reply, r -> Run.newBuilder().setId(r.getRunId())
          .setState(RunState.RUN_STATE_QUEUED).setRequestedBy(r.getRequestedBy()).build());
    }

    @Override
    public void getDeadLetter(dev.baton.proto.v1.GetDeadLetterRequest request, StreamObserver<DeadLetter> reply) {
      handle("GetDeadLetter", request, reply, r -> DeadLetter.newBuilder().setRun(Run.newBuilder()
          .setId(r.getRunId()).setState(RunState.RUN_STATE_DEAD_LETTERED)).build());
    }

    @Override
    public void rerunRun(dev.baton.proto.v1.RerunRunRequest request, StreamObserver<Run> reply) {
      handle("RerunRun", request, reply, r -> Run.newBuilder().setId(r.getId())
          .setState(RunState.RUN_STATE_QUEUED).setRequestedBy(r.getRequestedBy()).build());
    }

    @Override
    public void purgeDeadLetter(PurgeDeadLetterRequest request, StreamObserver<Empty> reply) {
      handle("PurgeDeadLetter", request, reply, r -> Empty.getDefaultInstance());
    }
  }

  private final class Cluster extends ClusterServiceGrpc.ClusterServiceImplBase {
    @Override
    public void getClusterStatus(GetClusterStatusRequest request, StreamObserver<ClusterStatus> reply) {
      handle("GetClusterStatus", request, reply, r -> ClusterStatus.getDefaultInstance());
    }

    @Override
    public void listWorkers(ListWorkersRequest request, StreamObserver<ListWorkersResponse> reply) {
      handle("ListWorkers", request, reply, r -> ListWorkersResponse.getDefaultInstance());
    }

    @Override
    public void drainWorker(DrainWorkerRequest request, StreamObserver<Worker> reply) {
      handle("DrainWorker", request, reply, r -> Worker.newBuilder().setName(r.getWorker())
          .setState(WorkerState.WORKER_STATE_DRAINING).build());
    }

    /** The coordinator's defaults: priority, aging 60 s. */
    @Override
    public void getDispatchPolicy(GetDispatchPolicyRequest request, StreamObserver<DispatchSettings> reply) {
      handle("GetDispatchPolicy", request, reply, r -> DEFAULT_DISPATCH);
    }

    /** The settings asked for, keeping the default aging when none is given (as the coordinator keeps its own). */
    @Override
    public void setDispatchPolicy(SetDispatchPolicyRequest request, StreamObserver<DispatchSettings> reply) {
      handle("SetDispatchPolicy", request, reply, r -> r.getSettings().hasAging() ? r.getSettings()
          : r.getSettings().toBuilder().setAging(DEFAULT_DISPATCH.getAging()).build());
    }
  }
}
