package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.WaveView;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code baton wave get ID}: GetWave, shown as a tree ({@link WaveView}). For people it also lists the wave's runs
 * (ListRuns by wave) to show why a run is where it is ({@code upstream transform failed}); {@code -o json|yaml}
 * prints the Wave message alone.
 */
@Command(name = "get", description = {
    "Show a wave: its root job and state, then its jobs as a tree with each one's run state and run id.",
    "A job is drawn under its first upstream in the wave, so a job with several upstreams appears once; the "
        + "others are named on its line ('also after c'). 'baton run list --wave ID' lists the wave's runs."})
public final class WaveGetCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "ID", description = "The wave's id: its root run's id.")
  String id;

  public WaveGetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Wave wave = cli.client().runs().getWave(GetWaveRequest.newBuilder().setId(id).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      WaveView.show(wave, reasons(wave), printer.out());
    } else {
      printer.message(wave);
    }
    return 0;
  }

  /** The state reason of each run in the wave that has one, by run id; no call when the wave has no runs yet. */
  private Map<String, String> reasons(Wave wave) {
    Map<String, String> reasons = new HashMap<>();
    if (wave.getNodesList().stream().map(WaveNode::getRunId).allMatch(String::isEmpty)) {
      return reasons;
    }
    ListRunsRequest.Builder base = ListRunsRequest.newBuilder().setWaveId(wave.getId().isEmpty() ? id : wave.getId());
    List<Run> runs = Pages.collect(0, (token, size) -> {
      ListRunsResponse r = cli.client().runs().listRuns(base.setPageToken(token).setPageSize(size).build());
      return new Pages.Page<>(r.getRunsList(), r.getNextPageToken());
    }).items();
    for (Run r : runs) {
      if (!r.getStateReason().isEmpty()) {
        reasons.put(r.getId(), r.getStateReason());
      }
    }
    return reasons;
  }
}
