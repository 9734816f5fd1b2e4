package dev.baton.coordinator.run;

import com.google.protobuf.ByteString;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.OutputStream;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunFinished;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The output of attempts ({@link ColumnFamily#OUTPUT}): chunks keyed by run, attempt and offset. An attempt keeps
 * its last {@code maxBytes} complete and in order: whole chunks are dropped from the front only while what is left
 * is still at least {@code maxBytes}, and a gap (bytes the agent skipped because the cap would cut them anyway)
 * drops everything before it, so what is stored is always one contiguous range ending at the newest byte.
 *
 * <p>Chunks arrive on the agents' stream threads, not through the dispatcher's rounds: output is bulk traffic, and
 * each stream blocks on its own writes, which is what slows an agent that sends faster than the store takes it
 * (gRPC flow control). The writes are not synced one by one (the next synced write of anything syncs them; the
 * result carries the last 64 KiB of output durably anyway). Each attempt's bookkeeping is guarded by its own lock.
 */
public final class OutputStore {
  /** What is stored of one attempt: its chunks {offset, length}, oldest first. Guarded by itself. */
  private static final class Kept {
    final Deque<long[]> chunks = new ArrayDeque<>();
    long bytes;
    /** Offset just past the newest stored byte. */
    long end;

    long start() {
      return chunks.isEmpty() ? end : chunks.peekFirst()[0];
    }
  }

  private final Store store;
  private final RunStore runs;
  private final RunEventHub events;
  private final long maxBytes;
  private final Map<String, Kept> kept = new ConcurrentHashMap<>();

  public OutputStore(Store store, RunStore runs, RunEventHub events, long maxBytes) {
    this.store = store;
    this.runs = runs;
    this.events = events;
    this.maxBytes = maxBytes;
  }

  /**
   * A chunk from worker {@code workerId}: stored (and published to followers) if the attempt is current on that
   * worker, ignored otherwise (a late chunk of an attempt that was lost or has ended).
   */
  public void receive(String workerId, OutputChunk chunk) {
    Run run = runs.find(chunk.getRunId()).orElse(null);
    if (run == null || !RunChanges.isCurrentOn(run, chunk.getAttempt(), workerId) || chunk.getData().isEmpty()) {
      return;
    }
    Kept k = keptOf(chunk.getRunId(), chunk.getAttempt());
    synchronized (k) {
      try (Batch batch = store.batch()) {
        OutputChunk stored = append(batch, k, chunk);
        if (stored == null) {
          return;
        }
        store.commitUnsynced(batch);
        events.publishOutput(stored);
      }
    }
  }

  /**
   * At the end of an attempt: completes the stored output with the part of the result's tail that did not arrive
   * as chunks (lost with a connection, or still unsent), and says what the cap cut. Adds to {@code batch}, which
   * the caller commits with the result; the attempt's bookkeeping is dropped.
   *
   * @return offset of the first byte kept (bytes before it were cut by {@code max_output} or never arrived)
   */
  public long finish(Batch batch, Run run, RunFinished result) {
    Kept k = keptOf(run.getId(), result.getAttempt());
    synchronized (k) {
      long tailStart = result.getOutputBytes() - result.getOutputTail().size();
      if (!result.getOutputTail().isEmpty() && k.end < result.getOutputBytes()) {
        OutputChunk.Builder tail = OutputChunk.newBuilder().setRunId(run.getId()).setAttempt(result.getAttempt())
            .setOffset(tailStart).setData(result.getOutputTail());
        if (result.hasFinishTime()) {
          tail.setTime(result.getFinishTime()); // read before the attempt ended: that is all that is known
        }
        OutputChunk stored = append(batch, k, tail.build());
        if (stored != null) {
          batch.afterCommit(() -> events.publishOutput(stored));
        }
      }
      long keptFrom = k.start();
      kept.remove(key(run.getId(), result.getAttempt()));
      return keptFrom;
    }
  }

  /**
   * Adds a chunk's new bytes to {@code batch} and the bookkeeping; the part of it already stored is left out.
   * Returns what was added, or null if nothing was new.
   */
  private OutputChunk append(Batch batch, Kept k, OutputChunk chunk) {
    long runId = Long.parseLong(chunk.getRunId());
    int attempt = chunk.getAttempt();
    long offset = chunk.getOffset();
    ByteString data = chunk.getData();
    if (offset + data.size() <= k.end) {
      return null; // all stored already (a repeat)
    }
    if (offset < k.end) {
      data = data.substring((int) (k.end - offset));
      offset = k.end;
    }
    if (offset > k.end) {
      // A gap: the agent skipped bytes the cap would cut. Everything before it is older than the cap too.
      while (!k.chunks.isEmpty()) {
        batch.delete(ColumnFamily.OUTPUT, Keys.output(runId, attempt, k.chunks.removeFirst()[0]));
      }
      k.bytes = 0;
    }
    batch.put(ColumnFamily.OUTPUT, Keys.output(runId, attempt, offset),
        StoredChunk.encode(chunk.getStream(), chunk.hasTime() ? chunk.getTime() : null, data));
    k.chunks.addLast(new long[] {offset, data.size()});
    k.bytes += data.size();
    k.end = offset + data.size();
    while (k.chunks.size() > 1 && k.bytes - k.chunks.peekFirst()[1] >= maxBytes) {
      long[] oldest = k.chunks.removeFirst();
      k.bytes -= oldest[1];
      batch.delete(ColumnFamily.OUTPUT, Keys.output(runId, attempt, oldest[0]));
    }
    return chunk.toBuilder().setOffset(offset).setData(data).build();
  }

  /** Drops the bookkeeping of an attempt that ended without a result here (lost, refused, fenced). */
  public void forget(String runId, int attempt) {
    kept.remove(key(runId, attempt));
  }

  /** The stored chunks of an attempt from byte {@code fromOffset} on, in order. */
  public List<OutputChunk> read(String runId, int attempt, long fromOffset) {
    List<OutputChunk> out = new ArrayList<>();
    long id = Long.parseLong(runId);
    store.scanPrefix(ColumnFamily.OUTPUT, Keys.outputPrefix(id, attempt), false, (key, value) -> {
      long offset = Keys.outputOffset(key);
      StoredChunk stored = StoredChunk.of(value);
      long end = offset + stored.length();
      if (end > fromOffset) {
        int skip = (int) Math.max(0, fromOffset - offset);
        OutputChunk.Builder chunk = OutputChunk.newBuilder()
            .setRunId(runId)
            .setAttempt(attempt)
            .setStream(stored.stream())
            .setOffset(offset + skip)
            .setData(ByteString.copyFrom(value, stored.dataStart() + skip, stored.length() - skip));
        stored.time().ifPresent(chunk::setTime);
        out.add(chunk.build());
      }
      return true;
    });
    return out;
  }

  private Kept keptOf(String runId, int attempt) {
    return kept.computeIfAbsent(key(runId, attempt), key -> load(Long.parseLong(runId), attempt));
  }

  /** The bookkeeping of an attempt that began before a restart, from what the store holds. */
  private Kept load(long runId, int attempt) {
    Kept k = new Kept();
    store.scanPrefix(ColumnFamily.OUTPUT, Keys.outputPrefix(runId, attempt), false, (key, value) -> {
      long offset = Keys.outputOffset(key);
      int length = StoredChunk.of(value).length();
      k.chunks.addLast(new long[] {offset, length});
      k.bytes += length;
      k.end = offset + length;
      return true;
    });
    return k;
  }

  private static String key(String runId, int attempt) {
    return runId + "/" + attempt;
  }
}
