package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.RetryPolicy;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton job create NAME [flags] (--shell CMD | -- ARGV...)}: CreateJob. */
@picocli.CommandLine.Command(name = "create", sortOptions = false, abbreviateSynopsis = true,
    description = "Create a job. Give its command with --shell 'CMD' or as argv after --.")
public final class JobCreateCommand implements Callable<Integer> {
  private final Cli cli;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name: a-z, 0-9, '.', '_', '-'.")
  String name;

  @Parameters(index = "1..*", paramLabel = "ARGV", description = "The command's argv, after --.")
  List<String> argv;

  @Mixin
  JobFlags flags;

  public JobCreateCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    CommandArgs.requireDoubleDash(argv, spec);
    Command command = flags.command(argv, spec);
    if (command == null) {
      throw new ParameterException(spec.commandLine(),
          "a command is required: --shell 'CMD' or argv after -- (baton job create NAME -- /bin/echo hi)");
    }
    Job.Builder job = Job.newBuilder().setName(name);
    flags.applyTo(job, command, RetryPolicy.getDefaultInstance());
    Job created = cli.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(job).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println("created job " + created.getName());
    } else {
      printer.message(created);
    }
    return 0;
  }
}
