package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.RunView;
import dev.baton.cli.output.Table;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunEvent;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WatchRunEventsRequest;
import io.grpc.Context;
import java.util.Iterator;
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

  @Option(names = {"-w", "--watch"}, description = "After the list, print each run again as it changes (a line per "
      + "change; -o json|yaml: an object per change), until Ctrl-C.")
  boolean watch;

  public RunListCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (!watch) {
      list();
      return 0;
    }
    // Watching from before the list, so that no change between the two is missed (one may show twice).
    Context.CancellableContext call = Context.current().withCancellation();
    Context previous = call.attach();
    try {
      Iterator<RunEvent> events = cli.client().runs().watchRunEvents(WatchRunEventsRequest.newBuilder()
          .setJob(job == null ? "" : job).build());
      Table table = list();
      Printer printer = cli.printer();
      while (events.hasNext()) {
        Run run = events.next().getRun();
        if ((states != null && !states.contains(run.getState())) || (wave != null && !wave.equals(run.getWaveId()))) {
          continue;
        }
        if (printer.isTable()) {
          RunView.row(table, run);
          table.printNewRows(printer.out());
        } else {
          printer.message(run);
        }
        printer.out().flush();
      }
      return 0;
    } finally {
      call.detach(previous);
      call.cancel(null);
    }
  }

  /** Lists the runs; the table printed, for a watch to add to. */
  private Table list() {
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
    Table table = RunView.table(runs);
    if (printer.isTable()) {
      table.print(printer.out());
    } else {
      printer.messages(runs);
    }
    printer.out().flush();
    Pages.hintIfMore(collected, "runs", cli.err());
    return table;
  }
}
