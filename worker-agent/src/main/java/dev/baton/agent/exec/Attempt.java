package dev.baton.agent.exec;

import dev.baton.agent.exec.ExitClassifier.Stop;
import dev.baton.agent.exec.ExitClassifier.StopCause;
import dev.baton.agent.exec.ExitClassifier.Verdict;
import dev.baton.proto.v1.OutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One started process: reads its two pipes, watches its exit, times it out, stops it, and makes
 * its one result.
 *
 * <p>The result is made when the leader has exited and both pipes are at EOF, or {@link
 * ProcessRunner#OUTPUT_DRAIN} after the leader exited if a pipe is still open: a background child
 * that inherited stdout can hold it open for as long as it lives, and must not hold up the result.
 * After a natural exit such leftovers are NOT killed (the command may have meant to leave them;
 * the agent decides). After the runner stopped the attempt (timeout, cancel, kill) the whole group
 * gets SIGKILL once more as soon as the leader has exited, so that nothing of the attempt
 * outlives its result.
 */
final class Attempt implements RunningProcess {

  private static final Logger log = LoggerFactory.getLogger(Attempt.class);

  private final String name;
  private final LaunchSpec spec;
  private final ProcessListener listener;
  private final Clock clock;
  private final ScheduledExecutorService timer;
  private final ProcessGroups groups;
  private final Duration drain;
  private final Process process;
  private final long pid;
  private final Instant startTime;
  private final AtomicBoolean finished = new AtomicBoolean();

  /** Set when a SIGKILL reached the whole group: nothing of it can survive, no sweep needed. */
  private volatile boolean groupKilled;

  private final Object lock = new Object();
  // Guarded by lock: everything below. Listener output() calls are made holding it, so that
  // offsets reach the listener in order and none comes after finished().
  private final OutputTail tail;
  private boolean outputClosed;
  private int openStreams = 2;
  private boolean exited;
  /** The exit is handled (the group swept if the runner stopped it): EOF on both pipes finishes. */
  private boolean exitHandled;
  private int exitValue;
  private Stop stop;
  private final Set<Signal> sent = EnumSet.noneOf(Signal.class);
  private ScheduledFuture<?> timeoutTask;
  private ScheduledFuture<?> graceTask;
  private ScheduledFuture<?> drainTask;

  Attempt(
      LaunchSpec spec,
      ProcessListener listener,
      Process process,
      Instant startTime,
      Clock clock,
      ScheduledExecutorService timer,
      ProcessGroups groups,
      Duration drain) {
    this.name = spec.runId() + "/" + spec.attempt();
    this.spec = spec;
    this.listener = listener;
    this.process = process;
    this.pid = process.pid();
    this.startTime = startTime;
    this.clock = clock;
    this.timer = timer;
    this.groups = groups;
    this.drain = drain;
    this.tail = new OutputTail((int) Math.min(spec.maxOutputBytes(), ProcessRunner.MAX_CHUNK));
  }

  /**
   * Reports the start, then starts reading, watching the exit and the timeout.
   *
   * @param readers runs the two pipe readers
   * @param exits runs the exit watcher
   * @param buffers read buffers, one per reader thread
   */
  void begin(Executor readers, Executor exits, ThreadLocal<byte[]> buffers) {
    try {
      listener.started(pid, startTime);
    } catch (RuntimeException e) {
      log.warn("{}: listener.started threw", name, e);
    }
    readers.execute(() -> read(process.getInputStream(), OutputStream.OUTPUT_STREAM_STDOUT, buffers));
    readers.execute(() -> read(process.getErrorStream(), OutputStream.OUTPUT_STREAM_STDERR, buffers));
    if (!spec.timeout().isZero()) {
      synchronized (lock) {
        timeoutTask = schedule(this::onTimeout, spec.timeout());
      }
    }
    // Not Process.onExit(): it completes through CompletableFuture's default async executor,
    // which on a machine with fewer than 3 CPUs is a new thread per task - per run, here. A pooled
    // thread parked in waitFor() is reused, and the exit handling then runs on a named thread.
    exits.execute(this::awaitExit);
  }

  private void awaitExit() {
    boolean interrupted = false;
    while (true) {
      try {
        process.waitFor();
        break;
      } catch (InterruptedException e) {
        // Nothing here interrupts these threads. Should something do it, the process still runs
        // and its exit still has to be handled: keep waiting, and restore the flag afterwards.
        interrupted = true;
      }
    }
    try {
      onExit();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public void cancel(String reason, Duration grace) {
    stop(new Stop(StopCause.CANCEL, reason), grace);
  }

  @Override
  public void kill(String reason) {
    synchronized (lock) {
      if (exited) {
        return;
      }
      if (stop == null) {
        stop = new Stop(StopCause.LOST, reason);
      }
      sent.add(Signal.KILL);
      cancelTask(timeoutTask);
      cancelTask(graceTask);
    }
    signal(Signal.KILL);
  }

  private void onTimeout() {
    stop(Stop.timeout(spec.timeout()), spec.killGrace());
  }

  /** SIGTERM now (from the timer thread), SIGKILL after the grace; only the first stop counts. */
  private void stop(Stop request, Duration grace) {
    synchronized (lock) {
      if (exited || stop != null) {
        return;
      }
      stop = request;
      sent.add(Signal.TERM);
      cancelTask(timeoutTask);
      // The timer is one thread: TERM always goes out before the KILL scheduled after it.
      if (schedule(() -> signal(Signal.TERM), Duration.ZERO) == null) {
        return;
      }
      graceTask = schedule(this::onGraceOver, grace);
    }
  }

  private void onGraceOver() {
    synchronized (lock) {
      if (exited) {
        return;
      }
      sent.add(Signal.KILL);
    }
    signal(Signal.KILL);
  }

  private void signal(Signal signal) {
    if (!process.isAlive()) {
      return; // the exit handler deals with what is left of the group
    }
    if (groups.signalGroup(pid, signal)) {
      if (signal == Signal.KILL) {
        groupKilled = true;
      }
      return;
    }
    if (process.isAlive()) {
      // No such group: setsid(1) has not yet called setsid(2), the signal came within a
      // millisecond of the spawn. Until it has, it cannot have children: signal it alone.
      log.debug("{}: no process group {} yet, signalling the process", name, pid);
      if (signal == Signal.KILL) {
        process.destroyForcibly();
      } else {
        process.destroy();
      }
    }
  }

  private void onExit() {
    int value = process.exitValue();
    boolean sweep;
    synchronized (lock) {
      exited = true;
      exitValue = value;
      cancelTask(timeoutTask);
      cancelTask(graceTask);
      sweep = stop != null && !groupKilled;
    }
    if (!sweep) {
      awaitStreams();
      return;
    }
    // Stopped by the runner and the leader is gone: kill whatever of its group survived the
    // SIGTERM (say, a background child that ignores it) before reporting. On the timer thread, so
    // that it is ordered after any signal still queued there. The leader is reaped, but its number
    // cannot name another group yet: it stays reserved while any member (even a zombie) is left,
    // and if none is, reuse needs pids to wrap around first, not the milliseconds since the reap.
    Runnable sweepThenWait =
        () -> {
          groups.signalGroup(pid, Signal.KILL);
          awaitStreams();
        };
    try {
      timer.execute(sweepThenWait);
    } catch (RejectedExecutionException e) {
      sweepThenWait.run();
    }
  }

  /**
   * After the leader's exit (and the sweep): finish now if both pipes are at EOF, else when they
   * are, or after the drain time at the latest.
   */
  private void awaitStreams() {
    boolean done;
    synchronized (lock) {
      exitHandled = true;
      done = openStreams == 0;
      if (!done) {
        drainTask = schedule(this::finish, drain);
        done = drainTask == null;
      }
    }
    if (done) {
      finish();
    }
  }

  private void read(InputStream in, OutputStream stream, ThreadLocal<byte[]> buffers) {
    byte[] buffer = buffers.get();
    try {
      int n;
      while ((n = in.read(buffer, 0, buffer.length)) >= 0) {
        if (n > 0 && !deliver(stream, buffer, n)) {
          break;
        }
      }
    } catch (IOException e) {
      // Expected when finish() closed the pipe after the drain time.
      synchronized (lock) {
        if (!outputClosed) {
          log.warn("{}: reading {} failed", name, stream, e);
        }
      }
    } finally {
      closeQuietly(in);
      boolean done;
      synchronized (lock) {
        openStreams--;
        done = openStreams == 0 && exitHandled;
      }
      if (done) {
        finish();
      }
    }
  }

  private boolean deliver(OutputStream stream, byte[] buffer, int length) {
    synchronized (lock) {
      if (outputClosed) {
        return false;
      }
      long offset = tail.written();
      tail.append(buffer, 0, length);
      try {
        listener.output(stream, offset, Arrays.copyOf(buffer, length));
      } catch (RuntimeException e) {
        log.warn("{}: listener.output threw", name, e);
      }
      return true;
    }
  }

  private void finish() {
    if (!finished.compareAndSet(false, true)) {
      return;
    }
    ExecResult result;
    boolean pipesOpen;
    synchronized (lock) {
      outputClosed = true;
      cancelTask(drainTask);
      pipesOpen = openStreams > 0;
      Verdict verdict = ExitClassifier.classify(exitValue, stop, sent);
      result =
          new ExecResult(
              verdict.outcome(),
              verdict.exitCode(),
              verdict.signal(),
              verdict.error(),
              startTime,
              clock.instant(),
              tail.written(),
              tail.snapshot());
    }
    if (pipesOpen) {
      // A reader blocked in read(2) on a pipe that a leftover child holds stays blocked until that
      // child closes it or exits; closing here frees our descriptors and makes it end then.
      log.debug(
          "{}: output still open {} after exit, not waiting for it",
          name,
          ExitClassifier.humanize(drain));
      closeQuietly(process.getInputStream());
      closeQuietly(process.getErrorStream());
    }
    try {
      listener.finished(result);
    } catch (RuntimeException e) {
      log.warn("{}: listener.finished threw", name, e);
    }
  }

  /** Schedules on the timer; null if the runner is closed. */
  private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
    try {
      return timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      log.debug("{}: runner closed, not scheduling", name);
      return null;
    }
  }

  private static void cancelTask(ScheduledFuture<?> task) {
    if (task != null) {
      task.cancel(false);
    }
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // nothing to do: the descriptor is gone either way
    }
  }

  @Override
  public String toString() {
    return "Attempt[" + name + ", pid=" + pid + "]";
  }
}
