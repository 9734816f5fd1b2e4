package dev.baton.cli.output;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.baton.proto.v1.OutputChunk;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What {@code baton run logs} writes of a run's output: the bytes as the command wrote them, or only one stream's,
 * or only what was read since a time, each line with the time the agent read it and its stream, or only the last
 * lines. Chunks stored before agents stamped their output have no time: they are shown, and stamped {@code -}.
 */
public final class LogLines {
  /** Which of the command's streams to show. */
  public enum Streams { ALL, STDOUT, STDERR }

  private final OutputStream out;
  private final Streams streams;
  private final Instant since;
  private final boolean timestamps;
  /** Lines kept from the output so far (the last {@code tail}), until {@link #endOfBacklog}; null: no tail. */
  private Deque<byte[]> kept;
  private final int tail;
  private ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private boolean atLineStart = true;

  /**
   * @param since show only output read at or after this; null: all
   * @param tail show only the last this many lines of the output already there (then everything new); -1: all
   */
  public LogLines(OutputStream out, Streams streams, Instant since, boolean timestamps, int tail) {
    this.out = out;
    this.streams = streams;
    this.since = since;
    this.timestamps = timestamps;
    this.tail = tail;
    this.kept = tail >= 0 ? new ArrayDeque<>() : null;
  }

  /** Writes (or, within the tail's backlog, keeps) the chunk's bytes from {@code skip} on, as the filters let. */
  public void write(OutputChunk chunk, int skip) throws IOException {
    if (!shown(chunk)) {
      return;
    }
    ByteString data = chunk.getData().substring(skip);
    if (!timestamps && kept == null) {
      data.writeTo(out);
      out.flush();
      return;
    }
    byte[] prefix = timestamps ? prefix(chunk) : new byte[0];
    OutputStream target = kept == null ? out : partial;
    int start = 0;
    for (int i = 0; i < data.size(); i++) {
      if (atLineStart) {
        target.write(prefix);
        atLineStart = false;
      }
      if (data.byteAt(i) == '\n') {
        data.substring(start, i + 1).writeTo(target);
        start = i + 1;
        atLineStart = true;
        if (kept != null) {
          keep(partial.toByteArray());
          partial = new ByteArrayOutputStream();
          target = partial;
        }
      }
    }
    data.substring(start).writeTo(target);
    if (kept == null) {
      out.flush();
    }
  }

  /** The output that was there is all read: the kept last lines are written, and from now on all that comes. */
  public void endOfBacklog() throws IOException {
    if (kept == null) {
      return;
    }
    if (partial.size() > 0) {
      keep(partial.toByteArray()); // a last line without its newline yet counts as a line; the rest of it follows
    }
    for (byte[] line : kept) {
      out.write(line);
    }
    out.flush();
    kept = null;
    partial = new ByteArrayOutputStream();
  }

  private void keep(byte[] line) {
    kept.addLast(line);
    while (kept.size() > tail) {
      kept.removeFirst();
    }
  }

  private boolean shown(OutputChunk chunk) {
    boolean stream = switch (streams) {
      case ALL -> true;
      case STDOUT -> chunk.getStream() == dev.baton.proto.v1.OutputStream.OUTPUT_STREAM_STDOUT;
      case STDERR -> chunk.getStream() == dev.baton.proto.v1.OutputStream.OUTPUT_STREAM_STDERR;
    };
    return stream && (since == null || !chunk.hasTime()
        || !Instant.ofEpochMilli(Timestamps.toMillis(chunk.getTime())).isBefore(since));
  }

  /** {@code 2026-12-02T23:50:01.123Z out } (or {@code err}); {@code -} for a chunk without a time. */
  private byte[] prefix(OutputChunk chunk) {
    String time = chunk.hasTime() ? TimeText.instantMillis(chunk.getTime()) : "-";
    String stream = chunk.getStream() == dev.baton.proto.v1.OutputStream.OUTPUT_STREAM_STDERR ? "err" : "out";
    return (time + " " + stream + " ").getBytes(StandardCharsets.UTF_8);
  }
}
