package dev.baton.coordinator.wave;

import static dev.baton.proto.v1.RunState.RUN_STATE_CANCELLED;
import static dev.baton.proto.v1.RunState.RUN_STATE_DEAD_LETTERED;
import static dev.baton.proto.v1.RunState.RUN_STATE_FAILED;
import static dev.baton.proto.v1.RunState.RUN_STATE_QUEUED;
import static dev.baton.proto.v1.RunState.RUN_STATE_RUNNING;
import static dev.baton.proto.v1.RunState.RUN_STATE_SKIPPED;
import static dev.baton.proto.v1.RunState.RUN_STATE_SUCCEEDED;
import static dev.baton.proto.v1.RunState.RUN_STATE_TIMED_OUT;
import static dev.baton.proto.v1.WaveState.WAVE_STATE_FAILED;
import static dev.baton.proto.v1.WaveState.WAVE_STATE_RUNNING;
import static dev.baton.proto.v1.WaveState.WAVE_STATE_SUCCEEDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.baton.coordinator.wave.WaveRules.LatestFinished;
import dev.baton.coordinator.wave.WaveRules.NewWaveRun;
import dev.baton.coordinator.wave.WaveRules.Node;
import dev.baton.coordinator.wave.WaveRules.WaveView;
import dev.baton.proto.v1.RunState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WaveRulesTest {
  private static final LatestFinished NOTHING_RAN = job -> Optional.empty();

  /** b and c depend on a; d depends on b and c. */
  private static DependencyGraph diamond() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("c", List.of("a"));
    g.setDependencies("d", List.of("b", "c"));
    return g;
  }

  private static LatestFinished latest(Map<String, RunState> states) {
    return job -> Optional.ofNullable(states.get(job));
  }

  /** A wave being driven the way the coordinator drives it: report a final state, persist what the rules make. */
  private static final class Wave {
    final DependencyGraph graph;
    final String id;
    final String root;
    final Map<String, RunState> runs = new HashMap<>();
    LatestFinished latest = NOTHING_RAN;

    Wave(DependencyGraph graph, String id, String root) {
      this.graph = graph;
      this.id = id;
      this.root = root;
      runs.put(root, RUN_STATE_RUNNING);
    }

    WaveView view() {
      return new WaveView(id, root, runs);
    }

    List<NewWaveRun> finish(String job, RunState state) {
      List<NewWaveRun> made = WaveRules.onFinal(graph, view(), job, state, latest);
      runs.put(job, state);
      for (NewWaveRun run : made) {
        runs.put(run.job(), run.skipped() ? RUN_STATE_SKIPPED : RUN_STATE_QUEUED);
      }
      return made;
    }
  }

  @Test
  void aDiamondRunsItsJoinOncePerWave() {
    Wave w = new Wave(diamond(), "w1", "a");
    assertEquals(List.of(NewWaveRun.run("b"), NewWaveRun.run("c")), w.finish("a", RUN_STATE_SUCCEEDED));
    assertEquals(List.of(), w.finish("b", RUN_STATE_SUCCEEDED), "d still waits for c");
    assertEquals(List.of(NewWaveRun.run("d")), w.finish("c", RUN_STATE_SUCCEEDED));
    assertEquals(List.of(), w.finish("c", RUN_STATE_SUCCEEDED), "a repeated report makes nothing twice");
    assertEquals(List.of(), w.finish("b", RUN_STATE_SUCCEEDED));
  }

  @Test
  void theViewMayAlreadyShowTheFinalState() {
    DependencyGraph g = diamond();
    WaveView view = new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_SUCCEEDED, "c", RUN_STATE_SUCCEEDED));
    assertEquals(List.of(NewWaveRun.run("d")), WaveRules.onFinal(g, view, "c", RUN_STATE_SUCCEEDED, NOTHING_RAN));
  }

  @Test
  void aFailedBranchSkipsTheJoinAndTheOtherBranchStillRuns() {
    Wave w = new Wave(diamond(), "w1", "a");
    w.finish("a", RUN_STATE_SUCCEEDED);
    assertEquals(List.of(NewWaveRun.skip("d", "upstream b failed")), w.finish("b", RUN_STATE_FAILED));
    assertEquals(RUN_STATE_QUEUED, w.runs.get("c"), "c keeps its run");
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(w.graph, w.view()));
    assertEquals(List.of(), w.finish("c", RUN_STATE_SUCCEEDED), "d is not made again");
    assertEquals(WAVE_STATE_FAILED, WaveRules.status(w.graph, w.view()));
  }

  @Test
  void theFirstFailureToReachAJobNamesIt() {
    Wave w = new Wave(diamond(), "w1", "a");
    w.finish("a", RUN_STATE_SUCCEEDED);
    assertEquals(List.of(NewWaveRun.skip("d", "upstream c failed")), w.finish("c", RUN_STATE_TIMED_OUT));
    assertEquals(List.of(), w.finish("b", RUN_STATE_CANCELLED));
  }

  @Test
  void everyKindOfFinalFailureSkipsDownstream() {
    for (RunState failure : List.of(RUN_STATE_FAILED, RUN_STATE_TIMED_OUT, RUN_STATE_CANCELLED,
        RUN_STATE_DEAD_LETTERED)) {
      Wave w = new Wave(diamond(), "w-" + failure, "a");
      assertEquals(
          List.of(NewWaveRun.skip("b", "upstream a failed"), NewWaveRun.skip("c", "upstream a failed"),
              NewWaveRun.skip("d", "upstream a failed")),
          w.finish("a", failure), failure.name());
      assertEquals(WAVE_STATE_FAILED, WaveRules.status(w.graph, w.view()));
    }
  }

  @Test
  void aFailureAtTheTopOfAChainSkipsTheWholeChainNamingIt() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("c", List.of("b"));
    Wave w = new Wave(g, "w1", "a");
    assertEquals(
        List.of(NewWaveRun.skip("b", "upstream a failed"), NewWaveRun.skip("c", "upstream a failed")),
        w.finish("a", RUN_STATE_FAILED));
    assertEquals(Map.of("a", RUN_STATE_FAILED, "b", RUN_STATE_SKIPPED, "c", RUN_STATE_SKIPPED), w.runs);
    assertEquals(WAVE_STATE_FAILED, WaveRules.status(g, w.view()));
  }

  @Test
  void aSkippedUpstreamSkipsDownstreamToo() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("c", List.of("b"));
    Wave w = new Wave(g, "w1", "a");
    w.finish("a", RUN_STATE_SUCCEEDED);
    // b missed its start deadline
    assertEquals(List.of(NewWaveRun.skip("c", "upstream b was skipped")), w.finish("b", RUN_STATE_SKIPPED));
  }

  @Test
  void aRunWaitingForARetryIsNotFinal() {
    DependencyGraph g = diamond();
    WaveView retrying = new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_FAILED, "c", RUN_STATE_SUCCEEDED), Set.of("b"));
    assertEquals(List.of(), WaveRules.owed(g, retrying, NOTHING_RAN), "d waits for b's retry");
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(g, retrying));
    assertEquals(List.of(NewWaveRun.skip("d", "upstream b failed")),
        WaveRules.onFinal(g, retrying, "b", RUN_STATE_FAILED, NOTHING_RAN), "retries exhausted");
  }

  @Test
  void twoWavesOfTheSameRootDoNotMix() {
    DependencyGraph g = diamond();
    Wave first = new Wave(g, "w1", "a");
    Wave second = new Wave(g, "w2", "a");
    first.finish("a", RUN_STATE_SUCCEEDED);
    second.finish("a", RUN_STATE_SUCCEEDED);
    assertEquals(List.of(), first.finish("b", RUN_STATE_SUCCEEDED));
    assertEquals(List.of(), second.finish("c", RUN_STATE_SUCCEEDED), "b has not succeeded in w2");
    assertEquals(List.of(NewWaveRun.skip("d", "upstream b failed")), second.finish("b", RUN_STATE_FAILED));
    assertEquals(List.of(NewWaveRun.run("d")), first.finish("c", RUN_STATE_SUCCEEDED));
    first.finish("d", RUN_STATE_SUCCEEDED);
    assertEquals(WAVE_STATE_SUCCEEDED, WaveRules.status(g, first.view()));
    assertEquals(WAVE_STATE_FAILED, WaveRules.status(g, second.view()));
  }

  @Test
  void aDependencyOutsideTheWaveIsJudgedByItsLatestRun() {
    DependencyGraph g = diamond();
    g.setDependencies("d", List.of("b", "c", "x"));
    assertEquals(Set.of("a", "b", "c", "d"), WaveRules.members(g, "a"), "x is not downstream of a");

    Wave ok = new Wave(g, "w1", "a");
    ok.latest = latest(Map.of("x", RUN_STATE_SUCCEEDED));
    ok.finish("a", RUN_STATE_SUCCEEDED);
    ok.finish("b", RUN_STATE_SUCCEEDED);
    assertEquals(List.of(NewWaveRun.run("d")), ok.finish("c", RUN_STATE_SUCCEEDED));
  }

  @Test
  void anUnmetDependencyOutsideTheWaveSkipsTheJobAndWhatFollowsSoTheWaveEnds() {
    DependencyGraph g = diamond();
    g.setDependencies("d", List.of("b", "c", "x"));
    g.setDependencies("e", List.of("d"));
    for (Optional<RunState> xLatest : List.of(Optional.of(RUN_STATE_FAILED), Optional.<RunState>empty())) {
      Wave w = new Wave(g, "w1", "a");
      w.latest = job -> job.equals("x") ? xLatest : Optional.empty();
      w.finish("a", RUN_STATE_SUCCEEDED);
      assertEquals(List.of(), w.finish("b", RUN_STATE_SUCCEEDED), "d waits for c before judging x");
      assertEquals(
          List.of(NewWaveRun.skip("d", "dependency x (outside the wave) has not succeeded"),
              NewWaveRun.skip("e", "upstream d was skipped")),
          w.finish("c", RUN_STATE_SUCCEEDED), "x latest " + xLatest);
      assertEquals(WAVE_STATE_FAILED, WaveRules.status(g, w.view()));
    }
  }

  @Test
  void owedResumesWhatAFailoverLeftUndecided() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("c", List.of("b"));
    g.setDependencies("e", List.of("a"));
    // a succeeded and b failed for good, but the new leader never persisted their consequences.
    WaveView view = new WaveView("w1", "a", Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_FAILED));
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(g, view));
    assertEquals(List.of(NewWaveRun.skip("c", "upstream b failed"), NewWaveRun.run("e")),
        WaveRules.owed(g, view, NOTHING_RAN));
  }

  @Test
  void onFinalRefusesANonFinalState() {
    assertThrows(IllegalArgumentException.class,
        () -> WaveRules.onFinal(diamond(), new WaveView("w1", "a", Map.of()), "a", RUN_STATE_RUNNING, NOTHING_RAN));
  }

  @Test
  void aScheduledTickWaitsForEveryDependencysLatestSuccess() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("report", List.of("load", "extract"));
    assertEquals(Optional.empty(), WaveRules.tickBlockedBy(g, "report",
        latest(Map.of("extract", RUN_STATE_SUCCEEDED, "load", RUN_STATE_SUCCEEDED))));
    assertEquals(Optional.of("dependency extract's latest run failed"), WaveRules.tickBlockedBy(g, "report",
        latest(Map.of("extract", RUN_STATE_FAILED, "load", RUN_STATE_SUCCEEDED))));
    assertEquals(Optional.of("dependency load has never run"), WaveRules.tickBlockedBy(g, "report",
        latest(Map.of("extract", RUN_STATE_SUCCEEDED))));
    assertEquals(Optional.of("dependency load's latest run timed out"), WaveRules.tickBlockedBy(g, "report",
        latest(Map.of("extract", RUN_STATE_SUCCEEDED, "load", RUN_STATE_TIMED_OUT))));
    assertEquals(Optional.empty(), WaveRules.tickBlockedBy(g, "extract", NOTHING_RAN), "no dependencies");
  }

  @Test
  void statusWaitsForEveryMember() {
    DependencyGraph g = diamond();
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(g, new WaveView("w1", "a", Map.of("a", RUN_STATE_RUNNING))));
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(g, new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_SUCCEEDED, "c", RUN_STATE_RUNNING))),
        "d has no run yet and c is still running");
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(g, new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_SUCCEEDED, "c", RUN_STATE_SUCCEEDED))),
        "d has no run yet: it is owed one");
    assertEquals(WAVE_STATE_SUCCEEDED, WaveRules.status(g, new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_SUCCEEDED, "c", RUN_STATE_SUCCEEDED,
            "d", RUN_STATE_SUCCEEDED))));
    assertEquals(WAVE_STATE_FAILED, WaveRules.status(g, new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_FAILED, "c", RUN_STATE_SUCCEEDED,
            "d", RUN_STATE_SKIPPED))));
    assertEquals(WAVE_STATE_SUCCEEDED, WaveRules.status(new DependencyGraph(),
        new WaveView("w2", "solo", Map.of("solo", RUN_STATE_SUCCEEDED))), "a wave of one");
  }

  @Test
  void membersAreTheRootAndEverythingDownstreamInDependencyOrder() {
    DependencyGraph g = diamond();
    g.setDependencies("a", List.of("up"));
    assertEquals(List.of("a", "b", "c", "d"), List.copyOf(WaveRules.members(g, "a")));
    assertEquals(List.of("c", "d"), List.copyOf(WaveRules.members(g, "c")));
  }

  @Test
  void theTreeIsDepthFirstWithEachJobOnceAtItsGreatestDepth() {
    DependencyGraph g = diamond();
    g.setDependencies("e", List.of("a", "d"));
    WaveView view = new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_SUCCEEDED, "c", RUN_STATE_RUNNING));
    assertEquals(
        List.of(
            new Node("a", 0, Optional.of(RUN_STATE_SUCCEEDED), List.of()),
            new Node("b", 1, Optional.of(RUN_STATE_SUCCEEDED), List.of("a")),
            new Node("d", 2, Optional.empty(), List.of("b", "c")),
            new Node("e", 3, Optional.empty(), List.of("a", "d")),
            new Node("c", 1, Optional.of(RUN_STATE_RUNNING), List.of("a"))),
        WaveRules.tree(g, view));
  }

  @Test
  void theTreeKeepsRunsOfJobsEditedOutOfTheWave() {
    DependencyGraph g = diamond();
    WaveView view = new WaveView("w1", "a",
        Map.of("a", RUN_STATE_SUCCEEDED, "b", RUN_STATE_SUCCEEDED, "c", RUN_STATE_SUCCEEDED,
            "d", RUN_STATE_RUNNING));
    g.setDependencies("d", List.of());
    List<Node> tree = WaveRules.tree(g, view);
    assertEquals(List.of("a", "b", "c", "d"), tree.stream().map(Node::job).toList());
    assertEquals(new Node("d", 1, Optional.of(RUN_STATE_RUNNING), List.of()), tree.get(3));
    assertEquals(WAVE_STATE_RUNNING, WaveRules.status(g, view), "its run still counts");
  }
}
