package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.baton.proto.v1.OutputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Records one attempt's callbacks and checks their order. */
final class RecordingListener implements ProcessListener {

  record Chunk(OutputStream stream, long offset, byte[] data) {}

  private final Object lock = new Object();
  private final List<Chunk> chunks = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final CompletableFuture<ExecResult> finished = new CompletableFuture<>();
  private long startedPid = -1;
  private int finishedCalls;

  @Override
  public void started(long pid, Instant at) {
    synchronized (lock) {
      if (startedPid != -1 || finishedCalls > 0 || !chunks.isEmpty()) {
        violations.add("started() out of order");
      }
      startedPid = pid;
    }
  }

  @Override
  public void output(OutputStream stream, long offset, byte[] data) {
    synchronized (lock) {
      if (finishedCalls > 0) {
        violations.add("output() after finished()");
      }
      chunks.add(new Chunk(stream, offset, data));
      lock.notifyAll();
    }
  }

  @Override
  public void finished(ExecResult result) {
    synchronized (lock) {
      finishedCalls++;
      if (finishedCalls > 1) {
        violations.add("finished() called " + finishedCalls + " times");
      }
    }
    finished.complete(result);
  }

  /** Waits for the result, then checks the callbacks came in a legal order. */
  ExecResult await(Duration within) {
    ExecResult result;
    try {
      result = finished.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + within, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError(e);
    }
    synchronized (lock) {
      assertEquals(List.of(), violations);
    }
    return result;
  }

  boolean isFinished() {
    return finished.isDone();
  }

  long startedPid() {
    synchronized (lock) {
      return startedPid;
    }
  }

  List<Chunk> chunks() {
    synchronized (lock) {
      return List.copyOf(chunks);
    }
  }

  String text(OutputStream stream) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Chunk chunk : chunks()) {
      if (chunk.stream() == stream) {
        out.writeBytes(chunk.data());
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  String stdout() {
    return text(OutputStream.OUTPUT_STREAM_STDOUT);
  }

  String stderr() {
    return text(OutputStream.OUTPUT_STREAM_STDERR);
  }

  /** Waits until stdout contains {@code text}. */
  void awaitStdout(String text, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    synchronized (lock) {
      while (!stdoutLocked().contains(text)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("stdout has no '" + text + "' within " + within + ": '" + stdoutLocked() + "'");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  private String stdoutLocked() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Chunk chunk : chunks) {
      if (chunk.stream() == OutputStream.OUTPUT_STREAM_STDOUT) {
        out.writeBytes(chunk.data());
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
