package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.RunView;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Run;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton run get ID}: GetRun, with its attempts. */
@Command(name = "get", description = "Show a run and its attempts.")
public final class RunGetCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
  String id;

  public RunGetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Run run = cli.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      RunView.details(run, printer.out());
    } else {
      printer.message(run);
    }
    return 0;
  }
}
