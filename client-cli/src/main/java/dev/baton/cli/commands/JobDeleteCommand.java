package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton job delete NAME [--cascade]}: DeleteJob. */
@Command(name = "delete", description = "Delete a job; its runs stay in the history.")
public final class JobDeleteCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  @Option(names = "--cascade", description = "Also delete every job that depends on it, transitively.")
  boolean cascade;

  public JobDeleteCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    DeleteJobResponse deleted = cli.client().jobs().deleteJob(
        DeleteJobRequest.newBuilder().setName(name).setCascade(cascade).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      for (String job : deleted.getDeletedList()) {
        printer.out().println("deleted job " + job);
      }
    } else {
      printer.message(deleted);
    }
    return 0;
  }
}
