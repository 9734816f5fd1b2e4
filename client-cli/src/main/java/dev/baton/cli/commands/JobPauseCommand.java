package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.PauseJobRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton job pause NAME}: PauseJob. */
@Command(name = "pause", description = "Stop a job's ticks from creating runs (idempotent).")
public final class JobPauseCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  public JobPauseCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Job job = cli.client().jobs().pauseJob(PauseJobRequest.newBuilder().setName(name).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println("paused job " + job.getName());
    } else {
      printer.message(job);
    }
    return 0;
  }
}
