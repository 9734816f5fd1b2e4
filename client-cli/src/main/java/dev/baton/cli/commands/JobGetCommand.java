package dev.baton.cli.commands;

import dev.baton.cli.output.JobView;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton job get NAME}: GetJob. {@code -o yaml} prints the job YAML format, ready for {@code job apply}. */
@Command(name = "get", description = "Show a job; -o yaml prints it in the format job apply reads.")
public final class JobGetCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  public JobGetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Job job = cli.client().jobs().getJob(GetJobRequest.newBuilder().setName(name).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      JobView.details(job, printer.out());
    } else {
      printer.message(job);
    }
    return 0;
  }
}
