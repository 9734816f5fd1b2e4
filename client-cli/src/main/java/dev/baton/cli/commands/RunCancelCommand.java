package dev.baton.cli.commands;

import dev.baton.cli.output.EnumText;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton run cancel ID [--reason TEXT]}: CancelRun. A run not yet on a worker is cancelled at once; a run
 * assigned or running is stopped by its agent (its process group is killed) and ends CANCELLED soon after.
 */
@Command(name = "cancel",
    description = "Cancel a run: a waiting run ends at once, a running one is stopped by its agent.")
public final class RunCancelCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
  String id;

  @Option(names = "--reason", paramLabel = "TEXT", description = "Why; recorded as the run's state reason.")
  String reason;

  public RunCancelCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    CancelRunRequest.Builder request = CancelRunRequest.newBuilder().setId(id);
    if (reason != null) {
      request.setReason(reason);
    }
    Run run = cli.client().runs().cancelRun(request.build());
    Printer printer = cli.printer();
    if (!printer.isTable()) {
      printer.message(run);
    } else if (run.getState() == RunState.RUN_STATE_CANCELLED) {
      printer.out().println("cancelled run " + run.getId());
    } else if (run.getCancelRequested()) {
      printer.out().println("cancelling run " + run.getId() + ": its agent is stopping it");
    } else {
      printer.out().println("run " + run.getId() + " is " + EnumText.name(run.getState()));
    }
    return 0;
  }
}
