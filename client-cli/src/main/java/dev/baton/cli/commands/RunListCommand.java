package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.RunView;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton run list}: ListRuns, newest first, following page tokens up to {@code --limit}. */
@Command(name = "list", description = "List runs, newest first.")
public final class RunListCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--job", paramLabel = "JOB", description = "Only runs of this job.")
  String job;

  @Option(names = "--state", paramLabel = "STATE", split = ",", converter = Converters.RunStateConverter.class,
      completionCandidates = Converters.RunStateNames.class,
      description = "Only runs in this state; repeat for more: ${COMPLETION-CANDIDATES}.")
  List<RunState> states;

  @Option(names = "--wave", paramLabel = "ID", description = "Only runs of this wave.")
  String wave;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50", converter = Converters.CountConverter.class,
      description = "At most N runs (default ${DEFAULT-VALUE}; 0: all).")
  int limit;

  public RunListCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ListRunsRequest.Builder base = ListRunsRequest.newBuilder();
    if (job != null) {
      base.setJob(job);
    }
    if (states != null) {
      base.addAllStates(states);
    }
    if (wave != null) {
      base.setWaveId(wave);
    }
    Pages.Collected<Run> collected = Pages.collect(limit, (token, size) -> {
      ListRunsResponse r = cli.client().runs().listRuns(base.setPageToken(token).setPageSize(size).build());
      return new Pages.Page<>(r.getRunsList(), r.getNextPageToken());
    });
    List<Run> runs = collected.items();
    Printer printer = cli.printer();
    if (printer.isTable()) {
      RunView.table(runs, printer.out());
    } else {
      printer.messages(runs);
    }
    Pages.hintIfMore(collected, "runs", cli.err());
    return 0;
  }
}
