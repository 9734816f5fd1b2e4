package dev.baton.cli.commands;

import dev.baton.cli.output.ClusterView;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.GetClusterStatusRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code baton cluster status}: GetClusterStatus. */
@Command(name = "status",
    description = "Show the coordinator's role, epoch and leader, jobs, workers, slots, queue depth and dispatch policy.")
public final class ClusterStatusCommand implements Callable<Integer> {
  private final Cli cli;

  public ClusterStatusCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ClusterStatus status = cli.client().cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      ClusterView.status(status, printer.out());
    } else {
      printer.message(status);
    }
    return 0;
  }
}
