package dev.baton.cli.commands;

import dev.baton.cli.output.JobYaml;
import dev.baton.cli.output.LineDiff;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.UpdateJobRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

  @Option(names = "--dry-run", description = "Check every job with the coordinator and show what would be created "
      + "or changed (a diff of the settable fields), changing nothing.")
  boolean dryRun;

  public JobApplyCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String source = file.equals("-") ? "<stdin>" : file;
    List<Job> jobs = JobYaml.fromYaml(read(), source);
    if (dryRun) {
      return dryRun(jobs);
    }
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

  /**
   * Each job checked by the coordinator (validate_only) and shown as it would change: {@code + } lines for a new
   * job, {@code - }/{@code + } lines for the settable fields an update would change. Nothing is changed; a job
   * the coordinator refuses stops the rest, as in a real apply.
   */
  private int dryRun(List<Job> jobs) {
    PrintWriter out = cli.printer().out();
    for (Job job : jobs) {
      try {
        Job wouldBe = cli.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(job).setValidateOnly(true)
            .build());
        out.println("would create job " + job.getName() + ":");
        for (String line : lines(settable(wouldBe))) {
          out.println("+ " + line);
        }
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
          throw e;
        }
        Job current = cli.client().jobs().getJob(GetJobRequest.newBuilder().setName(job.getName()).build());
        Job wouldBe = cli.client().jobs().updateJob(UpdateJobRequest.newBuilder().setJob(job).setValidateOnly(true)
            .build());
        List<String> diff = LineDiff.changes(lines(settable(current)), lines(settable(wouldBe)));
        out.println(diff.isEmpty() ? "job " + job.getName() + " unchanged"
            : "would update job " + job.getName() + " (version " + current.getVersion() + " to "
                + wouldBe.getVersion() + "):");
        diff.forEach(out::println);
      }
      out.flush();
    }
    return 0;
  }

  /** The fields a person sets: without the version, times and other status a coordinator fills in. */
  private static Job settable(Job job) {
    return job.toBuilder().clearVersion().clearCreateTime().clearUpdateTime().clearResolvedSchedule()
        .clearNextFireTime().clearLastRunId().clearLastRunState().clearPausedFireTime().build();
  }

  private static List<String> lines(Job job) {
    return List.of(JobYaml.toYaml(job).split("\\R"));
  }

  private String read() {
    try {
      if (file.equals("-")) {
        InputStream in = cli.in();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return Files.readString(cli.path(file), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CommandException("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw new CommandException("cannot read " + file + ": " + e.getMessage());
    }
  }
}
