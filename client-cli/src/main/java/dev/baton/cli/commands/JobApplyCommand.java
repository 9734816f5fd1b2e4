package dev.baton.cli.commands;

import dev.baton.cli.output.JobYaml;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code baton job apply -f FILE}: makes the jobs of a YAML file exist as written. Each job is created, or, if it
 * exists, updated with an empty mask (every settable field replaced). Jobs are applied in file order, so a file
 * may list a job's dependencies before the job; the first failure stops the rest.
 */
@Command(name = "apply", description = "Create or update the jobs of a YAML file (see JOB_YAML.md); - reads stdin.")
public final class JobApplyCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE",
      description = "A job YAML file, several jobs separated by ---; '-' for standard input.")
  String file;

  public JobApplyCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String source = file.equals("-") ? "<stdin>" : file;
    List<Job> jobs = JobYaml.fromYaml(read(), source);
    Printer printer = cli.printer();
    List<Job> applied = new ArrayList<>();
    for (Job job : jobs) {
      Job result;
      try {
        result = cli.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(job).build());
        if (printer.isTable()) {
          printer.out().println("created job " + result.getName());
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
        result = cli.client().jobs().updateJob(UpdateJobRequest.newBuilder().setJob(job).build());
        if (printer.isTable()) {
          printer.out().println("updated job " + result.getName() + " (version " + result.getVersion() + ")");
        }
      }
      printer.out().flush();
      applied.add(result);
    }
    if (!printer.isTable()) {
      printer.messages(applied);
    }
    return 0;
  }

  private String read() {
    try {
      if (file.equals("-")) {
        InputStream in = cli.in();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return Files.readString(Path.of(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CommandException("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new CommandException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
