package dev.baton.cli.commands;

import com.google.protobuf.FieldMask;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.UpdateJobRequest;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code baton job update NAME [flags]}: UpdateJob with an update mask naming exactly the fields the flags touch.
 * Lists and maps ({@code --depends-on}, {@code --label}, {@code --env}) are replaced whole. Retry flags change only
 * their own settings: the job's current retry settings are read first and sent back with the change, with the
 * version read, so a concurrent change is refused (ABORTED) rather than overwritten.
 */
@picocli.CommandLine.Command(name = "update", sortOptions = false, abbreviateSynopsis = true,
    description = "Change some settings of a job; the flags not given are left as they are.")
public final class JobUpdateCommand implements Callable<Integer> {
  private final Cli cli;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  @Parameters(index = "1..*", paramLabel = "ARGV", description = "A new argv for the command, after --.")
  List<String> argv;

  @Option(names = "--if-version", paramLabel = "N",
      description = "Refuse the change (ABORTED) unless the job is still at version N.")
  Long ifVersion;

  @Option(names = {"--clear-dependencies", "--no-depends-on"}, description = "Remove every dependency.")
  boolean clearDependencies;

  @Option(names = "--clear-labels", description = "Remove every label.")
  boolean clearLabels;

  @Option(names = "--clear-env", description = "Remove every environment variable.")
  boolean clearEnv;

  @Mixin
  JobFlags flags;

  public JobUpdateCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    CommandArgs.requireDoubleDash(argv, spec);
    refuseBoth(clearDependencies, flags.dependsOn != null, "--clear-dependencies", "--depends-on");
    refuseBoth(clearLabels, flags.labels != null, "--clear-labels", "--label");
    refuseBoth(clearEnv, flags.env != null, "--clear-env", "--env");
    Command command = flags.command(argv, spec);

    Job.Builder job = Job.newBuilder().setName(name);
    RetryPolicy currentRetry = RetryPolicy.getDefaultInstance();
    if (flags.touchesRetry()) {
      Job current = cli.client().jobs().getJob(GetJobRequest.newBuilder().setName(name).build());
      currentRetry = current.getRetry();
      job.setVersion(current.getVersion());
    }
    if (ifVersion != null) {
      job.setVersion(ifVersion);
    }
    Set<String> mask = flags.applyTo(job, command, currentRetry);
    if (clearLabels) {
      mask.add("labels");
    }
    if (clearEnv) {
      mask.add("env");
    }
    if (clearDependencies) {
      mask.add("dependencies");
    }
    if (mask.isEmpty()) {
      // An empty mask means "replace every field": never send one from here.
      throw new ParameterException(spec.commandLine(), "nothing to change: give at least one setting to update");
    }
    UpdateJobRequest request = UpdateJobRequest.newBuilder()
        .setJob(job)
        .setUpdateMask(FieldMask.newBuilder().addAllPaths(inFieldOrder(mask)))
        .build();
    Job updated = cli.client().jobs().updateJob(request);
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println("updated job " + updated.getName() + " (version " + updated.getVersion() + ")");
    } else {
      printer.message(updated);
    }
    return 0;
  }

  private static List<String> inFieldOrder(Set<String> paths) {
    return paths.stream()
        .sorted(java.util.Comparator.comparingInt(p -> Job.getDescriptor().findFieldByName(p).getNumber()))
        .toList();
  }

  private void refuseBoth(boolean clear, boolean set, String clearFlag, String setFlag) {
    if (clear && set) {
      throw new ParameterException(spec.commandLine(), clearFlag + " and " + setFlag + " cannot be used together");
    }
  }
}
