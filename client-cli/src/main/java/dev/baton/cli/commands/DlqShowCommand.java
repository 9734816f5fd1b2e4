package dev.baton.cli.commands;

import dev.baton.cli.output.DeadLetterView;
import dev.baton.cli.output.EnumText;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListDeadLettersResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code baton dlq show RUN_ID}: one dead-letter entry. The API has no call for one entry, so it reads the run
 * (GetRun, for its job) and pages through that job's entries (ListDeadLetters) until it finds it. For people it
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
    Run run = cli.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
    if (run.getState() != RunState.RUN_STATE_DEAD_LETTERED) {
      String state = EnumText.name(run.getState());
      throw new CommandException("run " + id + " is not in the dead-letter queue (it is "
          + (state.isEmpty() ? "in an unknown state" : state) + ")");
    }
    DeadLetter entry = find(run.getJob());
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

  /** The entry of the run among its job's entries. */
  private DeadLetter find(String job) {
    ListDeadLettersRequest.Builder request = ListDeadLettersRequest.newBuilder().setJob(job)
        .setPageSize(Pages.MAX_PAGE);
    String token = "";
    while (true) {
      ListDeadLettersResponse page = cli.client().runs().listDeadLetters(request.setPageToken(token).build());
      for (DeadLetter d : page.getDeadLettersList()) {
        if (d.getRun().getId().equals(id)) {
          return d;
        }
      }
      if (page.getNextPageToken().isEmpty() || page.getNextPageToken().equals(token)) {
        throw new CommandException("run " + id + " is not in the dead-letter queue (it was purged)");
      }
      token = page.getNextPageToken();
    }
  }
}
