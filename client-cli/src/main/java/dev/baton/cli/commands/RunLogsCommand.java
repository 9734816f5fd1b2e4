package dev.baton.cli.commands;

import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.StreamOutputRequest;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton run logs ID [--attempt N] [-f]}: StreamOutput. Writes the output's bytes to standard output exactly
 * as the command produced them (stdout and stderr interleaved as written, in offset order), each chunk as it
 * arrives. With {@code -f} it follows a live run until the coordinator ends the stream (the attempt is over).
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

  public RunLogsCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    OutputStream out = cli.rawOut();
    Position position = new Position(attempt, cli.err());
    int reconnects = 0;
    while (true) {
      long before = position.next;
      try {
        stream(position, out);
        return 0;
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
      } catch (IOException e) {
        // Standard output is gone (the reader of a pipe quit, as `| head` does): nothing more can be shown.
        return 0;
      }
    }
  }

  /** One StreamOutput call, from the position reached; returns when the coordinator ends the stream. */
  private void stream(Position position, OutputStream out) throws IOException {
    StreamOutputRequest request = StreamOutputRequest.newBuilder()
        .setRunId(id)
        .setAttempt(position.attempt)
        .setFollow(follow)
        .setOffset(Math.max(0, position.next))
        .build();
    // The call lives in its own context, so that leaving early (standard output gone) cancels it rather than
    // leaving it open until the channel is shut down.
    Context.CancellableContext call = Context.current().withCancellation();
    Context previous = call.attach();
    try {
      Iterator<OutputChunk> chunks = cli.client().runs().streamOutput(request);
      while (chunks.hasNext()) {
        position.write(chunks.next(), out);
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
    void write(OutputChunk chunk, OutputStream out) throws IOException {
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
      chunk.getData().substring(skip).writeTo(out);
      out.flush();
      next = end;
    }
  }
}
