package dev.baton.coordinator.run;

/** The events that move a run from one state to another (see {@link RunStateMachine}). */
public enum RunTransition {
  /** A pending run becomes ready. */
  QUEUE,
  /** Dispatch sent the run's attempt to a worker. */
  ASSIGN,
  /** The worker reports the process started. */
  START,
  /** The process exited 0. */
  SUCCEED,
  /** The process exited non-zero, died by a signal, or could not start. */
  FAIL,
  /** The process outlived its timeout and was killed. */
  TIME_OUT,
  /** A failed or timed-out run gets its next attempt. */
  RETRY,
  /** The worker was lost or refused the assignment: the run waits for another worker, as a new attempt. */
  REQUEUE,
  /** A failed or timed-out run has no retries left. */
  DEAD_LETTER,
  /** The run will not execute (overlap, misfire, upstream failure, start deadline). */
  SKIP,
  /** A person or a REPLACE overlap cancels the run. */
  CANCEL,
  /** A dead-lettered run gets a fresh series of attempts. */
  REDRIVE,
  /** A failed or timed-out run at rest, not dead-lettered, gets a fresh series of attempts (RerunRun). */
  RERUN,
  /**
   * The worker declared lost comes back still holding the attempt (running, or finished with its result) before
   * the attempt queued in its place was assigned: the lost verdict was wrong, and the held attempt is current again.
   */
  RECLAIM
}
