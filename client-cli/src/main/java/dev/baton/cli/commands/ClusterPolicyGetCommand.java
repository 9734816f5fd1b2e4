package dev.baton.cli.commands;

import dev.baton.cli.output.ClusterView;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.GetDispatchPolicyRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code baton cluster policy get}: GetDispatchPolicy; prints {@code priority (aging 1m)}. */
@Command(name = "get", description = "Show the dispatch policy in force, e.g. 'priority (aging 1m)'.")
public final class ClusterPolicyGetCommand implements Callable<Integer> {
  private final Cli cli;

  public ClusterPolicyGetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    DispatchSettings settings = cli.client().cluster().getDispatchPolicy(GetDispatchPolicyRequest.getDefaultInstance());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println(ClusterView.dispatch(settings));
    } else {
      printer.message(settings);
    }
    return 0;
  }
}
