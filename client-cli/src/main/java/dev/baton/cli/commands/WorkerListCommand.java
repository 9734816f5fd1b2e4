package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.WorkerView;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.Worker;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton worker list [--include-dead]}: ListWorkers, in name order. */
@Command(name = "list",
    description = "List workers: state, slots, free slots, runs held, labels and the age of the last heartbeat.")
public final class WorkerListCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--include-dead", description = "Also list workers declared dead and not yet forgotten.")
  boolean includeDead;

  public WorkerListCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    List<Worker> workers = cli.client().cluster()
        .listWorkers(ListWorkersRequest.newBuilder().setIncludeDead(includeDead).build())
        .getWorkersList();
    Printer printer = cli.printer();
    if (printer.isTable()) {
      WorkerView.table(workers, cli.clock().instant(), printer.out());
    } else {
      printer.messages(workers);
    }
    return 0;
  }
}
