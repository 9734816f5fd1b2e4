package dev.baton.cli.commands;

import dev.baton.cli.output.JobView;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.Priority;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton job list}: ListJobs, following page tokens until the end or {@code --limit}. */
@Command(name = "list", description = "List jobs in name order.")
public final class JobListCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--prefix", paramLabel = "P", description = "Only jobs whose name starts with P.")
  String prefix;

  @Option(names = "--label", paramLabel = "KEY=VALUE", description = "Only jobs with this label; repeat for more.")
  Map<String, String> labels;

  @ArgGroup(exclusive = true)
  EnabledFilter enabled;

  @Option(names = "--priority", paramLabel = "LEVEL", converter = Converters.PriorityConverter.class,
      completionCandidates = Converters.PriorityNames.class,
      description = "Only jobs of this priority: ${COMPLETION-CANDIDATES}.")
  Priority priority;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100", converter = Converters.CountConverter.class,
      description = "At most N jobs (default ${DEFAULT-VALUE}; 0: all).")
  int limit;

  static final class EnabledFilter {
    @Option(names = "--enabled", required = true, description = "Only enabled jobs.")
    boolean enabled;

    @Option(names = "--paused", required = true, description = "Only paused jobs.")
    boolean paused;
  }

  public JobListCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ListJobsRequest.Builder base = ListJobsRequest.newBuilder();
    if (prefix != null) {
      base.setNamePrefix(prefix);
    }
    if (labels != null) {
      base.putAllLabels(labels);
    }
    if (enabled != null) {
      base.setEnabled(enabled.enabled);
    }
    if (priority != null) {
      base.setPriority(priority);
    }
    Pages.Collected<Job> collected = Pages.collect(limit, (token, size) -> {
      ListJobsResponse r = cli.client().jobs().listJobs(base.setPageToken(token).setPageSize(size).build());
      return new Pages.Page<>(r.getJobsList(), r.getNextPageToken());
    });
    List<Job> jobs = collected.items();
    Printer printer = cli.printer();
    if (printer.isTable()) {
      JobView.table(jobs, printer.out());
    } else {
      printer.messages(jobs);
    }
    Pages.hintIfMore(collected, "jobs", cli.err());
    return 0;
  }
}
