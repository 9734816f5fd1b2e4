package dev.baton.cli.commands;

import com.google.protobuf.Timestamp;
import dev.baton.cli.output.RunProgress;
import dev.baton.client.BatonClient;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunServiceGrpc;
import dev.baton.proto.v1.WatchRunEventsRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Follows one run until it is over ({@link RunProgress#isOver}), reporting one line per change. It watches the
 * run's events (WatchRunEvents) and reads the run (GetRun) right after subscribing, so a change made before the
 * watch was in place is not missed; it reads the run again after any long silence for the same reason. If the
 * watch ends or breaks (UNAVAILABLE while leadership moves, say) it falls back to reading the run every
 * {@link #POLL}.
 */
final class RunWaiter {
  /** Between two reads of the run once the watch is gone. */
  static final Duration POLL = Duration.ofMillis(500);
  /** Silence on the watch after which the run is read again. */
  static final Duration RECHECK = Duration.ofSeconds(5);

  /** Put on the queue when the watch ends, whether it completed or broke. */
  private static final Object WATCH_ENDED = new Object();

  private final BatonClient client;
  private final Consumer<String> progress;
  /** When to stop waiting ({@link System#nanoTime}); {@code Long.MAX_VALUE} for never. */
  private final long deadline;
  private final Duration timeout;

  /** The newest state seen. */
  private Run latest;
  /** The last line reported. */
  private String shown;

  /**
   * @param progress receives one line per change ({@code run 12 running (pid 4242)})
   */
  RunWaiter(BatonClient client, Consumer<String> progress) {
    this(client, progress, null);
  }

  /**
   * @param timeout how long to follow the run at most; null for as long as it takes
   */
  RunWaiter(BatonClient client, Consumer<String> progress, Duration timeout) {
    this.client = client;
    this.progress = progress;
    this.timeout = timeout;
    this.deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
  }

  /**
   * Follows a run from a state already known (as TriggerJob answered it) until it is over.
   *
   * @return the run as it ended
   * @throws io.grpc.StatusRuntimeException if reading the run fails
   * @throws CommandException if interrupted
   */
  Run await(Run known) {
    observe(known);
    if (isOver()) {
      return latest;
    }
    try {
      if (watch()) {
        return latest;
      }
      while (!isOver()) {
        Thread.sleep(Math.min(POLL.toMillis(), remainingMillis()));
        observe(read());
      }
      return latest;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandException("interrupted while waiting for run " + latest.getId());
    }
  }

  /** Follows the run's events; true if the run is over, false if the watch ended first. */
  private boolean watch() throws InterruptedException {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    String id = latest.getId();
    Watch watch = new Watch(events);
    RunServiceGrpc.newStub(client.channel())
        .watchRunEvents(WatchRunEventsRequest.newBuilder().setRunId(id).build(), watch);
    try {
      observe(read());
      while (!isOver()) {
        Object next = events.poll(Math.min(RECHECK.toMillis(), remainingMillis()), TimeUnit.MILLISECONDS);
        if (next == null) {
          observe(read());
        } else if (next == WATCH_ENDED) {
          return false;
        } else if (next instanceof Run run && run.getId().equals(id)) {
          observe(run);
        }
      }
      return true;
    } finally {
      watch.cancel();
    }
  }

  /** Milliseconds left to wait; past the deadline, stops the wait with a failure that says the run goes on. */
  private long remainingMillis() {
    long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : (deadline - System.nanoTime()) / 1_000_000;
    if (left <= 0) {
      throw new CommandException("stopped waiting after " + dev.baton.client.DurationText.format(timeout) + ": "
          + RunProgress.line(latest) + "; the run goes on (follow it with: baton run get " + latest.getId() + ")");
    }
    return left;
  }

  private Run read() {
    return client.runs().getRun(GetRunRequest.newBuilder().setId(latest.getId()).build());
  }

  private boolean isOver() {
    return RunProgress.isOver(latest);
  }

  /** Takes a state of the run, unless it is older than one already seen; reports it if its line is new. */
  private void observe(Run run) {
    if (latest != null && (isOver() || older(run.getUpdateTime(), latest.getUpdateTime()))) {
      return;
    }
    latest = run;
    String line = RunProgress.line(run);
    if (!line.equals(shown)) {
      shown = line;
      progress.accept(line);
    }
  }

  /** Whether {@code a} is before {@code b}; false when either is unset (the order is not known). */
  private static boolean older(Timestamp a, Timestamp b) {
    if (isUnset(a) || isUnset(b)) {
      return false;
    }
    return a.getSeconds() < b.getSeconds() || (a.getSeconds() == b.getSeconds() && a.getNanos() < b.getNanos());
  }

  private static boolean isUnset(Timestamp t) {
    return t.getSeconds() == 0 && t.getNanos() == 0;
  }

  /** The watch's events, handed to the waiting thread through a queue. */
  private static final class Watch implements ClientResponseObserver<WatchRunEventsRequest, RunEvent> {
    private final BlockingQueue<Object> events;
    private volatile ClientCallStreamObserver<WatchRunEventsRequest> call;

    Watch(BlockingQueue<Object> events) {
      this.events = events;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRunEventsRequest> call) {
      this.call = call;
    }

    @Override
    public void onNext(RunEvent event) {
      events.add(event.getRun());
    }

    @Override
    public void onError(Throwable t) {
      events.add(WATCH_ENDED);
    }

    @Override
    public void onCompleted() {
      events.add(WATCH_ENDED);
    }

    /** Ends the watch: the coordinator keeps it open until the caller leaves. */
    void cancel() {
      ClientCallStreamObserver<WatchRunEventsRequest> c = call;
      if (c != null) {
        c.cancel("the run is over", null);
      }
    }
  }
}
