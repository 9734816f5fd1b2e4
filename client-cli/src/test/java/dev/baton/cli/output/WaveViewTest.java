package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveNode;
import dev.baton.proto.v1.WaveState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The wave tree: one line per job, under its first upstream in the wave. */
class WaveViewTest {
  private static WaveNode node(String job, String runId, RunState state, String... upstream) {
    return WaveNode.newBuilder().setJob(job).setRunId(runId).setState(state).addAllUpstream(List.of(upstream))
        .build();
  }

  private static List<String> tree(Wave.Builder wave) {
    return WaveView.tree(wave.build(), Map.of());
  }

  @Test
  void aDiamondDrawsItsJoinOnceUnderTheFirstUpstream() {
    Wave.Builder wave = Wave.newBuilder().setId("1")
        .addNodes(node("a", "1", RunState.RUN_STATE_SUCCEEDED))
        .addNodes(node("b", "2", RunState.RUN_STATE_SUCCEEDED, "a"))
        .addNodes(node("c", "3", RunState.RUN_STATE_FAILED, "a"))
        .addNodes(node("d", "4", RunState.RUN_STATE_SKIPPED, "b", "c"));

    assertEquals(List.of(
        "a        succeeded  run 1",
        "├─ b     succeeded  run 2",
        "│  └─ d  skipped    run 4  upstream c failed; also after c",
        "└─ c     failed     run 3"), WaveView.tree(wave.build(), Map.of("4", "upstream c failed")));
  }

  @Test
  void deeperTreesKeepTheirRulesAndTheJoinFollowsTheUpstreamOrder() {
    // a → b → d, a → c → d, c → e, and d lists c first: d goes under c.
    Wave.Builder wave = Wave.newBuilder().setId("1")
        .addNodes(node("a", "1", RunState.RUN_STATE_SUCCEEDED))
        .addNodes(node("b", "2", RunState.RUN_STATE_SUCCEEDED, "a"))
        .addNodes(node("c", "3", RunState.RUN_STATE_SUCCEEDED, "a"))
        .addNodes(node("d", "", RunState.RUN_STATE_UNSPECIFIED, "c", "b"))
        .addNodes(node("e", "5", RunState.RUN_STATE_RUNNING, "c"));

    assertEquals(List.of(
        "a        succeeded  run 1",
        "├─ b     succeeded  run 2",
        "└─ c     succeeded  run 3",
        "   ├─ d  -          (waiting)  also after b",
        "   └─ e  running    run 5"), tree(wave));
  }

  @Test
  void upstreamsOutsideTheWaveDuplicatesAndCyclesDoNotBreakTheTree() {
    Wave.Builder wave = Wave.newBuilder().setId("1")
        .addNodes(node("a", "1", RunState.RUN_STATE_RUNNING, "outside"))
        .addNodes(node("b", "2", RunState.RUN_STATE_QUEUED, "outside", "a"))
        .addNodes(node("b", "9", RunState.RUN_STATE_QUEUED, "a"))
        .addNodes(node("x", "", RunState.RUN_STATE_UNSPECIFIED, "y"))
        .addNodes(node("y", "", RunState.RUN_STATE_UNSPECIFIED, "x"));

    assertEquals(List.of(
        "a     running  run 1",
        "└─ b  queued   run 2",
        "x     -        (waiting)  also after y",
        "└─ y  -        (waiting)"), tree(wave));
  }

  @Test
  void theHeaderNamesTheRootStateAndCreation() {
    assertEquals("wave 12 (root extract): succeeded, created 2026-11-23 09:00:00 UTC", WaveView.header(
        Wave.newBuilder().setId("12").setRootJob("extract").setState(WaveState.WAVE_STATE_SUCCEEDED)
            .setCreateTime(com.google.protobuf.Timestamp.newBuilder().setSeconds(1795424400L)).build()));
    assertEquals("wave 12: unknown state", WaveView.header(Wave.newBuilder().setId("12").build()));
  }
}
