package dev.baton.coordinator.api;

import dev.baton.proto.v1.ErrorReason;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.request.RequestLog;
import dev.baton.coordinator.run.OutputStore;
import dev.baton.coordinator.run.RunChanges;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.run.RunStateMachine;
import dev.baton.coordinator.run.RunStore;
import com.google.protobuf.Empty;
import dev.baton.coordinator.run.DeadLetters;
import dev.baton.coordinator.wave.DependencyGraph;
import dev.baton.coordinator.wave.WaveRules;
import dev.baton.coordinator.wave.WaveViews;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.GetDeadLetterRequest;
import dev.baton.proto.v1.ListWavesRequest;
import dev.baton.proto.v1.ListWavesResponse;
import dev.baton.proto.v1.RerunRunRequest;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListDeadLettersResponse;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunServiceGrpc;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.StreamOutputRequest;
import dev.baton.proto.v1.WatchRunEventsRequest;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicLong;

/**
 * RunService: reading runs, cancelling them, following their events and output, waves, the dead-letter queue.
 */
public final class RunServiceImpl extends RunServiceGrpc.RunServiceImplBase {
  /** Events a watcher may fall behind by before its stream is ended. */
  static final long MAX_UNREAD_EVENTS = 10_000;

  private final RunStore runs;
  private final Dispatcher dispatcher;
  private final OutputStore output;
  private final RunEventHub events;
  private final DeadLetters deadLetters;
  private final DependencyGraph graph;
  private final java.util.function.Predicate<String> jobExists;
  private final RequestLog requests;

  public RunServiceImpl(RunStore runs, Dispatcher dispatcher, OutputStore output, RunEventHub events,
      DeadLetters deadLetters, DependencyGraph graph, java.util.function.Predicate<String> jobExists,
      RequestLog requests) {
    this.requests = requests;
    this.graph = graph;
    this.jobExists = jobExists;
    this.runs = runs;
    this.dispatcher = dispatcher;
    this.output = output;
    this.events = events;
    this.deadLetters = deadLetters;
  }

  @Override
  public void getWave(GetWaveRequest request, StreamObserver<Wave> response) {
    Calls.unary(response, () -> {
      String id = request.getId();
      List<Run> waveRuns = runs.ofWave(id);
      Run root = waveRuns.stream().filter(r -> r.getId().equals(id)).findFirst()
          .orElseThrow(() -> BatonException.notFound(ErrorReason.ERROR_REASON_WAVE_NOT_FOUND,
              "baton.v1.Wave", id, "no wave with id '" + id + "'"));
      return wave(root, waveRuns, true);
    });
  }

  @Override
  public void listWaves(ListWavesRequest request, StreamObserver<ListWavesResponse> response) {
    Calls.unary(response, () -> {
      ListRunsResponse roots = runs.listRoots(request);
      ListWavesResponse.Builder out = ListWavesResponse.newBuilder().setNextPageToken(roots.getNextPageToken());
      for (Run root : roots.getRunsList()) {
        out.addWaves(wave(root, runs.ofWave(root.getId()), false));
      }
      return out.build();
    });
  }

  /** A wave from its root run and all its runs; with its nodes (the tree) or without. */
  private Wave wave(Run root, List<Run> waveRuns, boolean withNodes) {
    String id = root.getId();
    WaveRules.WaveView view = WaveViews.of(root.getJob(), id, waveRuns);
    Wave.Builder wave = Wave.newBuilder().setId(id).setRootJob(root.getJob())
        .setState(WaveRules.status(graph, view)).setCreateTime(root.getCreateTime());
    if (!withNodes) {
      return wave.build();
    }
    Map<String, String> runOfJob = new HashMap<>();
    for (Run run : waveRuns) {
      runOfJob.put(run.getJob(), run.getId());
    }
    for (WaveRules.Node node : WaveRules.tree(graph, view)) {
      WaveNode.Builder n = WaveNode.newBuilder().setJob(node.job()).addAllUpstream(node.upstreamInWave());
      node.state().ifPresent(n::setState);
      if (runOfJob.containsKey(node.job())) {
        n.setRunId(runOfJob.get(node.job()));
      }
      wave.addNodes(n);
    }
    return wave.build();
  }

  @Override
  public void getDeadLetter(GetDeadLetterRequest request, StreamObserver<DeadLetter> response) {
    Calls.unary(response, () -> deadLetters.get(request.getRunId()).orElseThrow(() -> BatonException.notFound(
        ErrorReason.ERROR_REASON_DEAD_LETTER_NOT_FOUND, "baton.v1.DeadLetter", request.getRunId(),
        "run '" + request.getRunId() + "' is not in the dead-letter queue")));
  }

  @Override
  public void rerunRun(RerunRunRequest request, StreamObserver<Run> response) {
    String by = request.getRequestedBy().isBlank() ? "api" : request.getRequestedBy();
    Calls.unary(response, () -> requests.once("RerunRun", request.getRequestId(), request, Run.parser(),
        recorder -> Calls.await(dispatcher.rerun(request.getId(), by, recorder))));
  }

  @Override
  public void listDeadLetters(ListDeadLettersRequest request, StreamObserver<ListDeadLettersResponse> response) {
    Calls.unary(response, () -> deadLetters.list(request));
  }

  @Override
  public void redriveDeadLetter(RedriveDeadLetterRequest request, StreamObserver<Run> response) {
    Calls.unary(response, () -> {
      String by = request.getRequestedBy().isBlank() ? "api" : request.getRequestedBy();
      return requests.once("RedriveDeadLetter", request.getRequestId(), request, Run.parser(),
          recorder -> Calls.await(dispatcher.redrive(request.getRunId(), by, recorder)));
    });
  }

  @Override
  public void purgeDeadLetter(PurgeDeadLetterRequest request, StreamObserver<Empty> response) {
    Calls.unary(response, () -> {
      Calls.await(dispatcher.purge(request.getRunId()));
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void getRun(GetRunRequest request, StreamObserver<Run> response) {
    Calls.unary(response, () -> runs.get(request.getId()));
  }

  @Override
  public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
    Calls.unary(response, () -> runs.list(request));
  }

  @Override
  public void cancelRun(CancelRunRequest request, StreamObserver<Run> response) {
    Calls.unary(response, () -> {
      String reason = request.getReason().isBlank() ? "cancelled through the API" : request.getReason();
      return Calls.await(dispatcher.cancel(request.getId(), reason));
    });
  }

  /**
   * Run events as they happen: of one run, of one job's runs, or of all. A watch of one run first sends the run as
   * it is (so a caller can subscribe, then act, without a race) and ends once the run is at rest; a watch of a job
   * or of everything goes on until the caller ends it. NOT_FOUND for an unknown run or job.
   */
  @Override
  public void watchRunEvents(WatchRunEventsRequest request, StreamObserver<RunEvent> response) {
    ServerCallStreamObserver<RunEvent> stream = (ServerCallStreamObserver<RunEvent>) response;
    String runId = request.getRunId();
    if (runId.isEmpty() && !request.getJob().isEmpty() && !jobExists.test(request.getJob())) {
      response.onError(ErrorMapper.toStatus(BatonException.notFound(ErrorReason.ERROR_REASON_JOB_NOT_FOUND,
          "baton.v1.Job", request.getJob(), "no job named '" + request.getJob() + "'")));
      return;
    }
    RunWatch watch = new RunWatch(stream, request);
    // Under the stream's lock: events published meanwhile wait until the run as it is has been sent.
    synchronized (stream) {
      watch.subscription = events.subscribe(new RunEventHub.Listener() {
        @Override
        public void onRun(Run run, RunState previous) {
          watch.offer(run, previous);
        }

        @Override
        public void onEnd() {
          synchronized (stream) {
            if (!watch.ended && !stream.isCancelled()) {
              watch.end();
              stream.onError(noLongerLeading());
            }
          }
        }
      });
      stream.setOnReadyHandler(() -> watch.unread.set(0));
      stream.setOnCancelHandler(watch::unsubscribe);
      if (!runId.isEmpty()) {
        Run current;
        try {
          current = runs.get(runId);
        } catch (RuntimeException e) {
          watch.unsubscribe();
          stream.onError(ErrorMapper.toStatus(e));
          return;
        }
        watch.offer(current, RunState.RUN_STATE_UNSPECIFIED);
      }
    }
  }

  /** One watcher's stream: filters, drops stale or repeated states, ends a one-run watch at rest. */
  private final class RunWatch {
    private final ServerCallStreamObserver<RunEvent> stream;
    private final WatchRunEventsRequest request;
    /** Events sent while the watcher was not keeping up; reset when its stream drains. */
    private final AtomicLong unread = new AtomicLong();
    private AutoCloseable subscription;
    private Run lastSent; // guarded by stream
    private boolean ended; // guarded by stream

    RunWatch(ServerCallStreamObserver<RunEvent> stream, WatchRunEventsRequest request) {
      this.stream = stream;
      this.request = request;
    }

    void offer(Run run, RunState previous) {
      if ((!request.getJob().isEmpty() && !request.getJob().equals(run.getJob()))
          || (!request.getRunId().isEmpty() && !request.getRunId().equals(run.getId()))) {
        return;
      }
      synchronized (stream) {
        if (ended || stream.isCancelled() || isStale(run)) {
          return;
        }
        // A watcher that falls too far behind is ended rather than buffered without bound (it can watch again
        // and re-read what it missed).
        if (!stream.isReady() && unread.incrementAndGet() > MAX_UNREAD_EVENTS) {
          end();
          stream.onError(ErrorMapper.status(com.google.rpc.Code.RESOURCE_EXHAUSTED,
              ErrorReason.ERROR_REASON_WATCHER_TOO_SLOW,
              "the watcher fell more than " + MAX_UNREAD_EVENTS + " events behind; watch again"));
          return;
        }
        if (!request.getRunId().isEmpty()) {
          lastSent = run;
        }
        stream.onNext(RunEvent.newBuilder().setRun(run).setPreviousState(previous).setTime(run.getUpdateTime())
            .build());
        if (!request.getRunId().isEmpty() && RunStore.atRest(run)) {
          end();
          stream.onCompleted();
        }
      }
    }

    /** An event of the watched run that is not newer than what was sent (published while the run was read). */
    private boolean isStale(Run run) {
      if (lastSent == null) {
        return false;
      }
      int order = com.google.protobuf.util.Timestamps.compare(run.getUpdateTime(), lastSent.getUpdateTime());
      return order < 0 || run.equals(lastSent);
    }

    private void end() {
      ended = true;
      unsubscribe();
    }

    void unsubscribe() {
      closeQuietly(subscription);
    }
  }

  @Override
  public void streamOutput(StreamOutputRequest request, StreamObserver<OutputChunk> response) {
    ServerCallStreamObserver<OutputChunk> stream = (ServerCallStreamObserver<OutputChunk>) response;
    Run run;
    try {
      run = runs.get(request.getRunId());
      if (run.getAttemptsCount() == 0) {
        response.onCompleted();
        return;
      }
    } catch (RuntimeException e) {
      response.onError(ErrorMapper.toStatus(e));
      return;
    }
    int attempt = request.getAttempt() == 0 ? RunChanges.current(run).getNumber() : request.getAttempt();
    if (attempt < 1 || attempt > run.getAttemptsCount()) {
      response.onError(ErrorMapper.toStatus(BatonException.invalid("attempt",
          "run " + run.getId() + " has attempts 1 to " + run.getAttemptsCount())));
      return;
    }
    AtomicLong next = new AtomicLong(request.getOffset());
    Object lock = new Object();
    // Subscribe before reading what is stored, so that nothing falls between the two; the offset filter drops
    // what arrives twice.
    AutoCloseable[] subscription = {null};
    if (request.getFollow()) {
      subscription[0] = events.subscribe(new RunEventHub.Listener() {
        @Override
        public void onOutput(OutputChunk chunk) {
          if (chunk.getRunId().equals(run.getId()) && chunk.getAttempt() == attempt) {
            send(stream, lock, next, chunk);
          }
        }

        @Override
        public void onRun(Run changed, RunState previous) {
          if (changed.getId().equals(run.getId()) && ended(changed, attempt)) {
            finish(stream, lock, subscription[0]);
          }
        }

        @Override
        public void onEnd() {
          synchronized (lock) {
            try {
              stream.onError(noLongerLeading());
            } catch (IllegalStateException alreadyClosed) {
              // completed by the other path
            }
          }
        }
      });
      stream.setOnCancelHandler(() -> closeQuietly(subscription[0]));
    }
    for (OutputChunk chunk : output.read(run.getId(), attempt, request.getOffset())) {
      send(stream, lock, next, chunk);
    }
    Run now = runs.get(run.getId());
    if (!request.getFollow() || ended(now, attempt)) {
      finish(stream, lock, subscription[0]);
    }
  }

  /** What a watcher hears when this coordinator stops leading: watch again (the client helper finds the leader). */
  private static io.grpc.StatusRuntimeException noLongerLeading() {
    return ErrorMapper.status(com.google.rpc.Code.UNAVAILABLE, ErrorReason.ERROR_REASON_NOT_LEADER,
        "this coordinator no longer leads; watch again");
  }

  /** Whether no more output can come for the attempt. */
  private static boolean ended(Run run, int attempt) {
    return !RunStateMachine.isActive(run.getState()) || RunChanges.current(run).getNumber() != attempt;
  }

  private static void send(ServerCallStreamObserver<OutputChunk> stream, Object lock, AtomicLong next,
      OutputChunk chunk) {
    synchronized (lock) {
      long end = chunk.getOffset() + chunk.getData().size();
      if (end <= next.get() || stream.isCancelled()) {
        return;
      }
      int skip = (int) Math.max(0, next.get() - chunk.getOffset());
      OutputChunk fresh = skip == 0 ? chunk : chunk.toBuilder().setOffset(chunk.getOffset() + skip)
          .setData(chunk.getData().substring(skip)).build();
      next.set(end);
      stream.onNext(fresh);
    }
  }

  private static void finish(ServerCallStreamObserver<OutputChunk> stream, Object lock, AutoCloseable subscription) {
    closeQuietly(subscription);
    synchronized (lock) {
      try {
        stream.onCompleted();
      } catch (IllegalStateException alreadyClosed) {
        // completed by the other path
      }
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception ignored) {
      // removing a listener cannot fail
    }
  }
}
