package dev.baton.agent.exec;

import java.time.Duration;

/** Handle on one attempt started by {@link ProcessRunner#start}. Thread-safe. */
public interface RunningProcess {

  /** The process id, equal to its process group id; -1 if the command never started. */
  long pid();

  /**
   * Stops the attempt: SIGTERM to the whole process group now, SIGKILL to the group after {@code
   * grace} if the process is still alive. The result's outcome is CANCELLED with {@code error =
   * reason}, unless the attempt had already ended or been stopped (then the first cause stands).
   * Idempotent; does not block (the signals are sent from the runner's timer thread).
   */
  void cancel(String reason, Duration grace);

  /**
   * SIGKILL to the whole process group now, because this agent lost its coordinator (self-fencing, or
   * the coordinator has moved on from the attempt). The result's outcome is LOST with {@code error =
   * reason}, so that the coordinator runs it again as a new attempt, unless it was already stopped
   * for another cause. Blocks until the
   * signal has been sent (a few milliseconds: it runs {@code kill}); the process dies
   * asynchronously and {@link ProcessListener#finished} follows.
   */
  void kill(String reason);

  /** True while the process (the group leader) has not exited. */
  boolean isAlive();
}
