package dev.baton.cli.commands;

import dev.baton.cli.output.DeadLetterView;
import dev.baton.cli.output.EnumText;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.GetDeadLetterRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code baton dlq show RUN_ID}: one dead-letter entry (GetDeadLetter); for a run not in the queue, what it is
 * instead (GetRun). For people it
 * prints the entry, then the last attempt's output tail as raw bytes, exactly as stored (a newline is added after
 * a tail that does not end with one); {@code -o json|yaml} prints the DeadLetter message.
 */
@Command(name = "show", description = "Show a dead-lettered run: why, its last exit code, and the tail of its last "
    + "attempt's output as the command wrote it.")
public final class DlqShowCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "RUN_ID", description = "The dead-lettered run's id.")
  String id;

  public DlqShowCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws IOException {
    DeadLetter entry;
    try {
      entry = cli.client().runs().getDeadLetter(GetDeadLetterRequest.newBuilder().setRunId(id).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        throw e;
      }
      // Say what the run is instead (GetRun answers NOT_FOUND itself for a run that does not exist).
      Run run = cli.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
      String state = EnumText.name(run.getState());
      throw new CommandException("run " + id + " is not in the dead-letter queue ("
          + (run.getState() == RunState.RUN_STATE_DEAD_LETTERED ? "it was purged"
              : "it is " + (state.isEmpty() ? "in an unknown state" : state)) + ")");
    }
    Printer printer = cli.printer();
    if (!printer.isTable()) {
      printer.message(entry);
      return 0;
    }
    DeadLetterView.details(entry, printer.out());
    if (!entry.getOutputTail().isEmpty()) {
      printer.out().println();
      OutputStream out = cli.rawOut();
      entry.getOutputTail().writeTo(out);
      if (entry.getOutputTail().byteAt(entry.getOutputTail().size() - 1) != '\n') {
        out.write('\n');
      }
      out.flush();
    }
    return 0;
  }
}
