package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.TriggerJobResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton job trigger NAME}: TriggerJob; prints the new run's id, so scripts can follow it. */
@Command(name = "trigger", description = "Start a manual run of a job now; prints the run's id.")
public final class JobTriggerCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  @Option(names = "--force", description = "Start the run even if the job's overlap policy would refuse it.")
  boolean force;

  public JobTriggerCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    TriggerJobResponse response = cli.client().jobs().triggerJob(
        TriggerJobRequest.newBuilder().setName(name).setForce(force).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println(response.getRun().getId());
    } else {
      printer.message(response.getRun());
    }
    return 0;
  }
}
