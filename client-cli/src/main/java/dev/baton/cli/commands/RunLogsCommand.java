package dev.baton.cli.commands;

import dev.baton.cli.output.LogLines;
import dev.baton.cli.output.TimeText;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.StreamOutputRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton run logs ID [--attempt N] [-f] [--tail N] [--since AGE|TIME] [--timestamps] [--stream S]}:
 * StreamOutput. Writes the output's bytes to standard output exactly as the command produced them (stdout and stderr
 * interleaved as written, in offset order), each chunk as it arrives, or what the filters keep of it
 * ({@link LogLines}). With {@code -f} it follows a live run until the coordinator ends the stream (the attempt is
 * over); with {@code --tail} too, it first reads what is there for its last lines.
 */
@Command(name = "logs",
    description = "Print a run's output (stdout and stderr, as the command wrote them); -f follows a live run "
        + "until it ends.")
public final class RunLogsCommand implements Callable<Integer> {
  /** Reconnects in a row, without new output between them, before a broken stream is reported. */
  static final int MAX_RECONNECTS = 5;
  /** Wait before a reconnect. */
  static final Duration RECONNECT_DELAY = Duration.ofMillis(500);

  private final Cli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
  String id;

  @Option(names = "--attempt", paramLabel = "N", converter = Converters.CountConverter.class,
      description = "The attempt whose output to print (default: the latest).")
  int attempt;

  @Option(names = {"-f", "--follow"}, description = "Keep printing new output until the run ends.")
  boolean follow;

  @Option(names = "--tail", paramLabel = "N", defaultValue = "-1",
      description = "Only the last N lines of the output there is (then, with -f, everything new).")
  int tail;

  @Option(names = "--since", paramLabel = "AGE|TIME",
      description = "Only output read in the last AGE (10m, 1h) or since TIME (2026-12-01T10:00:00Z).")
  String since;

  @Option(names = "--timestamps", description = "Begin each line with the time the agent read it and its stream "
      + "(out or err): 2026-12-02T23:50:01.123Z err ...")
  boolean timestamps;

  @Option(names = "--stream", paramLabel = "STREAM", converter = StreamConverter.class,
      description = "Only stdout or only stderr (default: both, as written).")
  LogLines.Streams streams = LogLines.Streams.ALL;

  public RunLogsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (tail < -1) {
      throw new CommandException("--tail: " + tail + " is not a number of lines");
    }
    Instant from;
    try {
      from = since == null ? null : TimeText.since(since, cli.clock().instant());
    } catch (IllegalArgumentException e) {
      throw new CommandException("--since: " + e.getMessage());
    }
    LogLines lines = new LogLines(cli.rawOut(), streams, from, timestamps, tail);
    Position position = new Position(attempt, cli.err());
    try {
      if (tail >= 0 && follow) {
        streamAll(position, lines, false); // the output there is, for its last lines, then what comes
        lines.endOfBacklog();
      }
      streamAll(position, lines, follow);
      lines.endOfBacklog();
    } catch (IOException e) {
      // Standard output is gone (the reader of a pipe quit, as `| head` does): nothing more can be shown.
    }
    return 0;
  }

  /** StreamOutput from the position reached until the coordinator ends it, taken up again if it breaks. */
  private void streamAll(Position position, LogLines lines, boolean following) throws InterruptedException,
      IOException {
    int reconnects = 0;
    while (true) {
      long before = position.next;
      try {
        stream(position, lines, following);
        return;
      } catch (StatusRuntimeException e) {
        // A stream that broke after it gave output (the coordinator restarted, or leadership moved) is taken up
        // again where it stopped, on the same attempt; one that never gave any is reported as it is.
        if (position.next > before) {
          reconnects = 0;
        }
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE || position.next < 0
            || ++reconnects > MAX_RECONNECTS) {
          throw e;
        }
        Thread.sleep(RECONNECT_DELAY.toMillis());
      }
    }
  }

  /** One StreamOutput call, from the position reached; returns when the coordinator ends the stream. */
  private void stream(Position position, LogLines lines, boolean following) throws IOException {
    StreamOutputRequest request = StreamOutputRequest.newBuilder()
        .setRunId(id)
        .setAttempt(position.attempt)
        .setFollow(following)
        .setOffset(Math.max(0, position.next))
        .build();
    // The call lives in its own context, so that leaving early (standard output gone) cancels it rather than
    // leaving it open until the channel is shut down.
    Context.CancellableContext call = Context.current().withCancellation();
    Context previous = call.attach();
    try {
      Iterator<OutputChunk> chunks = cli.client().runs().streamOutput(request);
      while (chunks.hasNext()) {
        position.write(chunks.next(), lines);
      }
    } finally {
      call.detach(previous);
      call.cancel(null);
    }
  }

  /** How far the output has been written: the attempt it belongs to, and the offset of the next byte. */
  private static final class Position {
    /** The attempt asked for, then (once the first chunk names it) the attempt being shown; 0: the latest. */
    int attempt;
    /** Offset of the next byte to write; -1 before the first chunk. */
    long next = -1;
    /** Where notes about output that is not there go (standard error: standard output is the output only). */
    private final java.io.PrintWriter notes;

    Position(int attempt, java.io.PrintWriter notes) {
      this.attempt = attempt;
      this.notes = notes;
    }

    /** Writes what a chunk adds after {@link #next} (a chunk sent twice across a reconnect is written once). */
    void write(OutputChunk chunk, LogLines out) throws IOException {
      if (chunk.getAttempt() != 0) {
        attempt = chunk.getAttempt();
      }
      long end = chunk.getOffset() + chunk.getData().size();
      if (next >= 0 && end <= next) {
        return;
      }
      long missing = chunk.getOffset() - Math.max(0, next);
      if (missing > 0) {
        // Bytes the coordinator's max_output cut (older output of a long or fast-writing run).
        notes.println("[baton: " + missing + " bytes of output " + (next <= 0 ? "before this" : "here")
            + " were cut by the coordinator's max_output]");
        notes.flush();
      }
      int skip = next > chunk.getOffset() ? (int) (next - chunk.getOffset()) : 0;
      out.write(chunk, skip);
      next = end;
    }
  }

  /** {@code stdout} or {@code stderr}, in any case. */
  static final class StreamConverter implements picocli.CommandLine.ITypeConverter<LogLines.Streams> {
    @Override
    public LogLines.Streams convert(String text) {
      return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "stdout", "out" -> LogLines.Streams.STDOUT;
        case "stderr", "err" -> LogLines.Streams.STDERR;
        default -> throw new picocli.CommandLine.TypeConversionException("'" + text + "' is not stdout or stderr");
      };
    }
  }
}
