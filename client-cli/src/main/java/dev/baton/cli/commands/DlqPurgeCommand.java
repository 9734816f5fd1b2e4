package dev.baton.cli.commands;

import com.google.protobuf.Empty;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton dlq purge RUN_ID}: PurgeDeadLetter. The run leaves the queue and stays in the history, final. */
@Command(name = "purge", description = "Remove a run from the dead-letter queue; it stays in the history, "
    + "dead-lettered, and is not run again.")
public final class DlqPurgeCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "RUN_ID", description = "The dead-lettered run's id.")
  String id;

  public DlqPurgeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Empty done = cli.client().runs().purgeDeadLetter(PurgeDeadLetterRequest.newBuilder().setRunId(id).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println("purged run " + id + " from the dead-letter queue");
    } else {
      printer.message(done);
    }
    return 0;
  }
}
