package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.Worker;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton worker drain NAME}: DrainWorker (idempotent). */
@Command(name = "drain", description = "Stop sending a worker new work; its running work finishes.")
public final class WorkerDrainCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The worker's name or id.")
  String name;

  public WorkerDrainCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Worker worker = cli.client().cluster().drainWorker(DrainWorkerRequest.newBuilder().setWorker(name).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      String shown = worker.getName().isEmpty() ? name : worker.getName();
      printer.out().println("draining worker " + shown + ": it takes no new work; running work finishes");
    } else {
      printer.message(worker);
    }
    return 0;
  }
}
