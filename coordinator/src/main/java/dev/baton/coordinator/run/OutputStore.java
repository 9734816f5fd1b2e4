package dev.baton.coordinator.run;

import com.google.protobuf.ByteString;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.OutputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The output of attempts ({@link ColumnFamily#OUTPUT}): chunks keyed by run, attempt and offset. An attempt keeps
 * its last {@code maxBytes} (whole chunks, so at least {@code maxBytes} minus one chunk of 64 KiB); older chunks
 * are deleted as new ones arrive.
 *
 * <p>Appends come from the dispatcher's thread only; the per-attempt bookkeeping is confined to it.
 */
public final class OutputStore {
  /** Stored chunks of one attempt, oldest first: {offset, length}. */
  private static final class Kept {
    final Deque<long[]> chunks = new ArrayDeque<>();
    long bytes;
  }

  private final Store store;
  private final long maxBytes;
  private final Map<String, Kept> kept = new HashMap<>();

  public OutputStore(Store store, long maxBytes) {
    this.store = store;
    this.maxBytes = maxBytes;
  }

  /** Adds a chunk to {@code batch}, dropping the oldest chunks beyond the limit. */
  public void append(Batch batch, OutputChunk chunk) {
    long runId = Long.parseLong(chunk.getRunId());
    Kept k = kept.computeIfAbsent(chunk.getRunId() + "/" + chunk.getAttempt(), key -> load(runId, chunk.getAttempt()));
    byte[] value = new byte[1 + chunk.getData().size()];
    value[0] = (byte) chunk.getStream().getNumber();
    chunk.getData().copyTo(value, 1);
    batch.put(ColumnFamily.OUTPUT, Keys.output(runId, chunk.getAttempt(), chunk.getOffset()), value);
    k.chunks.addLast(new long[] {chunk.getOffset(), chunk.getData().size()});
    k.bytes += chunk.getData().size();
    while (k.bytes > maxBytes && k.chunks.size() > 1) {
      long[] oldest = k.chunks.removeFirst();
      k.bytes -= oldest[1];
      batch.delete(ColumnFamily.OUTPUT, Keys.output(runId, chunk.getAttempt(), oldest[0]));
    }
  }

  /** Drops the bookkeeping of an attempt that has ended. */
  public void forget(String runId, int attempt) {
    kept.remove(runId + "/" + attempt);
  }

  /**
   * Whether anything is stored for the attempt. Answered from memory when this coordinator stored the chunks (the
   * usual case, on every finished run); the store is read only for an attempt that began before a restart.
   */
  public boolean hasAny(long runId, int attempt) {
    Kept known = kept.get(runId + "/" + attempt);
    if (known != null && !known.chunks.isEmpty()) {
      return true;
    }
    boolean[] any = {false};
    store.scanPrefix(ColumnFamily.OUTPUT, Keys.outputPrefix(runId, attempt), false, (key, value) -> {
      any[0] = true;
      return false;
    });
    return any[0];
  }

  /** The stored chunks of an attempt from byte {@code fromOffset} on, in order. */
  public List<OutputChunk> read(String runId, int attempt, long fromOffset) {
    List<OutputChunk> out = new ArrayList<>();
    long id = Long.parseLong(runId);
    store.scanPrefix(ColumnFamily.OUTPUT, Keys.outputPrefix(id, attempt), false, (key, value) -> {
      long offset = Keys.outputOffset(key);
      long end = offset + value.length - 1;
      if (end > fromOffset) {
        int skip = (int) Math.max(0, fromOffset - offset);
        out.add(OutputChunk.newBuilder()
            .setRunId(runId)
            .setAttempt(attempt)
            .setStream(OutputStream.forNumber(value[0]))
            .setOffset(offset + skip)
            .setData(ByteString.copyFrom(value, 1 + skip, value.length - 1 - skip))
            .build());
      }
      return true;
    });
    return out;
  }

  private Kept load(long runId, int attempt) {
    Kept k = new Kept();
    store.scanPrefix(ColumnFamily.OUTPUT, Keys.outputPrefix(runId, attempt), false, (key, value) -> {
      k.chunks.addLast(new long[] {Keys.outputOffset(key), value.length - 1});
      k.bytes += value.length - 1;
      return true;
    });
    return k;
  }
}
