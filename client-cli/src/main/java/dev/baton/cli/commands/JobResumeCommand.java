package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.TimeText;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ResumeJobRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code baton job resume NAME}: ResumeJob. */
@Command(name = "resume", description = "Let a job's ticks create runs again; missed ticks follow its misfire policy.")
public final class JobResumeCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  public JobResumeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Job job = cli.client().jobs().resumeJob(ResumeJobRequest.newBuilder().setName(name).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      String next = job.hasNextFireTime()
          ? " (next fire " + TimeText.format(job.getNextFireTime(), TimeText.zone(job.getTimezone())) + ")" : "";
      printer.out().println("resumed job " + job.getName() + next);
    } else {
      printer.message(job);
    }
    return 0;
  }
}
