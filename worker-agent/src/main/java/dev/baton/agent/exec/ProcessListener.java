package dev.baton.agent.exec;

import dev.baton.proto.v1.OutputStream;
import java.time.Instant;

/**
 * Callbacks from one attempt. They are called from the runner's threads (and, for {@link
 * #started} and a command that cannot start, from the thread that calls {@link
 * ProcessRunner#start}), never concurrently with each other for the same attempt, and must not
 * block long: a slow {@link #output} call holds up the reading of that attempt's pipes.
 *
 * <p>Order per attempt: {@link #started} (unless the command could not start), then {@link
 * #output} calls in offset order, then exactly one {@link #finished}. A fast command may finish
 * before {@link ProcessRunner#start} returns. An exception thrown by a callback is logged and
 * otherwise ignored.
 */
public interface ProcessListener {

  /**
   * The process runs.
   *
   * @param pid its process id, which is also its process group id
   * @param at agent clock, just after the spawn
   */
  void started(long pid, Instant at);

  /**
   * Output, in the order it was read.
   *
   * @param stream stdout or stderr
   * @param offset byte offset of {@code data} in the attempt's combined stdout+stderr; chunks are
   *     contiguous: each starts where the previous one (of either stream) ended
   * @param data at most 64 KiB; the listener owns the array
   */
  void output(OutputStream stream, long offset, byte[] data);

  /** Exactly once per {@link ProcessRunner#start}, after all {@link #output} calls. */
  void finished(ExecResult result);
}
