package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.RerunRunRequest;
import dev.baton.proto.v1.Run;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton run rerun ID}: RerunRun. A FAILED or TIMED_OUT run with no retry to come gets a fresh series of
 * attempts (a dead-lettered one is redriven with {@code baton dlq redrive}).
 */
@Command(name = "rerun", description = "Run a failed or timed-out run again, as a fresh series of attempts.")
public final class RunRerunCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "The run's id.")
  String id;

  @Option(names = "--by", paramLabel = "NAME", description = "Who asks, recorded on the run (default: $USER, else '"
      + DlqRedriveCommand.DEFAULT_REQUESTER + "').")
  String by;

  public RunRerunCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Run run = cli.client().runs().rerunRun(RerunRunRequest.newBuilder().setId(id)
        .setRequestedBy(DlqRedriveCommand.requester(by, System::getenv)).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println("queued run " + run.getId() + " again (attempt " + run.getAttemptsCount() + ")");
    } else {
      printer.message(run);
    }
    return 0;
  }
}
