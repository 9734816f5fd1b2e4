package dev.baton.agent.stream;

import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.RunFinished;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Flow control for output: the pipes of a job are read as fast as it writes (a job is never slowed or blocked by
 * the scheduler), and what was read goes to the coordinator only as fast as the stream takes it ({@link Sink#ready}).
 *
 * <p>Each attempt has a window of unsent output of at most its {@code max_output} bytes. The coordinator keeps only
 * the last {@code max_output} bytes of an attempt, so when a job writes faster than the stream takes it, the oldest
 * unsent bytes are the ones the coordinator would cut anyway: they are skipped (the next chunk's offset says how
 * many), and what the coordinator keeps is still the complete, ordered tail. Memory stays bounded by the window per
 * running attempt whatever a job prints. An attempt's result goes out after the rest of its output, so the stored
 * tail is complete when the run ends; heartbeats do not wait here at all.
 *
 * <p>Sending happens on one named thread; {@link #output} and {@link #finished} only queue and wake it (but the
 * result of an attempt that wrote nothing, which goes at once).
 */
public final class OutputPump implements AutoCloseable {
  /** Where messages go: the current stream. */
  public interface Sink {
    /** Whether the stream can take more without buffering (gRPC's {@code isReady}); false while disconnected. */
    boolean ready();

    /** Sends on the stream; dropped while disconnected. */
    void send(AgentMessage message);

    /** Whether a coordinator currently welcomes messages (results wait in the journal otherwise). */
    boolean connected();
  }

  /** Unsent output and the pending result of one attempt. */
  private static final class Spool {
    final long window;
    final Deque<OutputChunk> chunks = new ArrayDeque<>();
    long bytes;
    RunFinished finished;

    Spool(long window) {
      this.window = window;
    }

    /** Adds a chunk, dropping (or trimming) the oldest unsent bytes beyond the window. */
    void add(OutputChunk chunk) {
      chunks.addLast(chunk);
      bytes += chunk.getData().size();
      while (bytes > window && !chunks.isEmpty()) {
        OutputChunk oldest = chunks.removeFirst();
        long excess = bytes - window;
        if (excess < oldest.getData().size()) {
          // Keep the newest part of the oldest chunk, at its own offset.
          chunks.addFirst(oldest.toBuilder().setOffset(oldest.getOffset() + excess)
              .setData(oldest.getData().substring((int) excess)).build());
          bytes -= excess;
        } else {
          bytes -= oldest.getData().size();
        }
      }
    }
  }

  /** Used until an assignment says the coordinator's {@code max_output} (DESIGN.md: 1 MiB). */
  static final long DEFAULT_WINDOW = 1L << 20;

  private final Sink sink;
  private final Object lock = new Object();
  /** Key: run id / attempt. Guarded by lock; iteration order is the round-robin order. */
  private final Map<String, Spool> spools = new LinkedHashMap<>();
  /** The coordinator's {@code max_output}, as its latest assignment said. */
  private volatile long window = DEFAULT_WINDOW;
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "baton-output");
    t.setDaemon(true);
    return t;
  });

  public OutputPump(Sink sink) {
    this.sink = sink;
  }

  /** The coordinator's {@code max_output} (from an assignment): the window of attempts that start writing now. */
  public void window(long maxOutputBytes) {
    if (maxOutputBytes > 0) {
      window = maxOutputBytes;
    }
  }

  /** Output read from an attempt's pipes, in order. Never blocks. */
  public void output(OutputChunk chunk) {
    synchronized (lock) {
      spoolOf(chunk.getRunId(), chunk.getAttempt()).add(chunk);
    }
    wake();
  }

  /**
   * An attempt's result (already journaled): sent once the attempt's output before it has gone. An attempt that
   * wrote no output has nothing to wait for: its result goes at once, on the caller's thread, rather than through
   * the sending thread (one thread hand-off less per such run).
   */
  public void finished(RunFinished result) {
    boolean now;
    synchronized (lock) {
      String key = key(result.getRunId(), result.getAttempt());
      now = !spools.containsKey(key) && sink.connected();
      if (!now) {
        spoolOf(result.getRunId(), result.getAttempt()).finished = result;
      }
    }
    if (now) {
      sink.send(AgentMessage.newBuilder().setFinished(result).build());
    } else {
      wake();
    }
  }

  /**
   * The stream dropped: results pending here come again with the next hello (from the journal, with their output
   * tail), so their spools go; running attempts keep their windows and go on after the reconnect.
   */
  public void disconnected() {
    synchronized (lock) {
      spools.values().removeIf(s -> s.finished != null);
    }
  }

  /** Unsent bytes held, over all attempts (for tests and diagnostics). */
  public long bufferedBytes() {
    synchronized (lock) {
      return spools.values().stream().mapToLong(s -> s.bytes).sum();
    }
  }

  /** Makes the sender look again: new output, a result, or a stream that became ready. */
  public void wake() {
    if (drainScheduled.compareAndSet(false, true)) {
      try {
        sender.execute(this::drain);
      } catch (RejectedExecutionException closed) {
        drainScheduled.set(false);
      }
    }
  }

  private void drain() {
    drainScheduled.set(false);
    while (sink.connected()) {
      List<AgentMessage> batch = next();
      if (batch.isEmpty()) {
        return;
      }
      batch.forEach(sink::send);
    }
  }

  /**
   * The next messages to send, one per attempt in round-robin order: a chunk while the stream is ready, or the
   * result of an attempt whose output has all gone. Empty when nothing can go now (the stream's readiness handler
   * wakes the pump again).
   */
  private List<AgentMessage> next() {
    List<AgentMessage> out = new ArrayList<>();
    synchronized (lock) {
      Iterator<Map.Entry<String, Spool>> it = spools.entrySet().iterator();
      while (it.hasNext()) {
        Spool spool = it.next().getValue();
        if (!spool.chunks.isEmpty()) {
          if (!sink.ready()) {
            continue;
          }
          OutputChunk chunk = spool.chunks.removeFirst();
          spool.bytes -= chunk.getData().size();
          out.add(AgentMessage.newBuilder().setOutput(chunk).build());
        } else if (spool.finished != null) {
          out.add(AgentMessage.newBuilder().setFinished(spool.finished).build());
          it.remove();
        }
      }
    }
    return out;
  }

  private Spool spoolOf(String runId, int attempt) {
    String key = key(runId, attempt);
    Spool spool = spools.get(key);
    if (spool == null) {
      spool = new Spool(window);
      spools.put(key, spool);
    }
    return spool;
  }

  private static String key(String runId, int attempt) {
    return runId + "/" + attempt;
  }

  @Override
  public void close() {
    sender.shutdownNow();
    try {
      sender.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
