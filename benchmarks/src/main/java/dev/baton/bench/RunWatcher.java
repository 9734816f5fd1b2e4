package dev.baton.bench;

import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunServiceGrpc;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WatchRunEventsRequest;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Follows {@code RunService.WatchRunEvents} for the whole benchmark and remembers, per run id, when this process
 * received the run's SUCCEEDED event and the run as it then was. A run that ends any other way is a failure of the
 * benchmark, reported loudly.
 */
final class RunWatcher implements AutoCloseable {
  /** A SUCCEEDED event: when it arrived here ({@link System#nanoTime()}), and the run it carried. */
  record Done(long receivedNanos, Run run) {}

  private static final Set<RunState> BAD = EnumSet.of(RunState.RUN_STATE_FAILED, RunState.RUN_STATE_TIMED_OUT,
      RunState.RUN_STATE_CANCELLED, RunState.RUN_STATE_SKIPPED, RunState.RUN_STATE_DEAD_LETTERED);

  private final Map<String, Done> succeeded = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
  private volatile Throwable streamError;
  private volatile boolean closing;
  private volatile ClientCallStreamObserver<WatchRunEventsRequest> call;

  /** Opens the stream (all jobs, all runs). */
  RunWatcher(Channel channel) {
    RunServiceGrpc.newStub(channel).watchRunEvents(WatchRunEventsRequest.getDefaultInstance(),
        new ClientResponseObserver<WatchRunEventsRequest, RunEvent>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<WatchRunEventsRequest> requestStream) {
            call = requestStream;
          }

          @Override
          public void onNext(RunEvent event) {
            Run run = event.getRun();
            if (run.getState() == RunState.RUN_STATE_SUCCEEDED) {
              succeeded.putIfAbsent(run.getId(), new Done(System.nanoTime(), run));
            } else if (BAD.contains(run.getState())) {
              String error = run.getAttemptsCount() == 0 ? ""
                  : run.getAttempts(run.getAttemptsCount() - 1).getError();
              failures.add("run " + run.getId() + " of job " + run.getJob() + " ended " + run.getState()
                  + (run.getStateReason().isEmpty() ? "" : " (" + run.getStateReason() + ")")
                  + (error.isEmpty() ? "" : ": " + error));
            }
          }

          @Override
          public void onError(Throwable t) {
            if (!closing) {
              streamError = t;
            }
          }

          @Override
          public void onCompleted() {
            if (!closing) {
              streamError = new IllegalStateException("the coordinator ended WatchRunEvents");
            }
          }
        });
  }

  Done get(String runId) {
    return succeeded.get(runId);
  }

  /**
   * Waits until every run in {@code ids} has SUCCEEDED; fails at once if any run failed or the stream broke, and
   * after {@code stallSeconds} without progress.
   */
  void awaitAll(Collection<String> ids, String phase, int stallSeconds) throws InterruptedException {
    List<String> pending = new ArrayList<>(ids);
    int lastLeft = -1;
    long lastProgress = System.nanoTime();
    while (true) {
      check(phase);
      pending.removeIf(succeeded::containsKey);
      if (pending.isEmpty()) {
        return;
      }
      if (pending.size() != lastLeft) {
        lastLeft = pending.size();
        lastProgress = System.nanoTime();
      } else if (System.nanoTime() - lastProgress > stallSeconds * 1_000_000_000L) {
        throw new IllegalStateException(phase + ": no run succeeded for " + stallSeconds + " s; "
            + (ids.size() - pending.size()) + " of " + ids.size() + " done, e.g. run " + pending.get(0)
            + " still waits");
      }
      Thread.sleep(10);
    }
  }

  /** Throws if any run failed or the stream broke. */
  void check(String phase) {
    if (!failures.isEmpty()) {
      throw new IllegalStateException(phase + ": " + failures.size() + " run(s) did not succeed, first: "
          + failures.peek());
    }
    if (streamError != null) {
      throw new IllegalStateException(phase + ": WatchRunEvents broke: " + Status.fromThrowable(streamError),
          streamError);
    }
  }

  @Override
  public void close() {
    closing = true;
    if (call != null) {
      call.cancel("benchmark done", null);
    }
  }
}
