package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveNode;
import dev.baton.proto.v1.WaveState;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code wave get}: the header and the tree. */
class WaveCommandsTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static WaveNode node(String job, String runId, RunState state, String... upstream) {
    return WaveNode.newBuilder().setJob(job).setRunId(runId).setState(state).addAllUpstream(List.of(upstream))
        .build();
  }

  /** a → b, a → c, {b, c} → d; d has no run yet. */
  static Wave diamond() {
    return Wave.newBuilder().setId("1").setRootJob("a").setState(WaveState.WAVE_STATE_RUNNING)
        .setCreateTime(Timestamp.newBuilder().setSeconds(CliFixture.NOW.getEpochSecond()))
        .addNodes(node("a", "1", RunState.RUN_STATE_SUCCEEDED))
        .addNodes(node("b", "2", RunState.RUN_STATE_SUCCEEDED, "a"))
        .addNodes(node("c", "3", RunState.RUN_STATE_RUNNING, "a"))
        .addNodes(node("d", "", RunState.RUN_STATE_UNSPECIFIED, "b", "c"))
        .build();
  }

  @Test
  void aDiamondIsATreeWithTheJoinDrawnOnceUnderItsFirstUpstream() {
    cli.fake.answer("GetWave", diamond());

    Result r = cli.run("wave", "get", "1");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        wave 1 (root a): running, created 2026-11-23 09:00:00 UTC
        a        succeeded  run 1
        ├─ b     succeeded  run 2
        │  └─ d  -          (waiting)  also after c
        └─ c     running    run 3
        """, r.out());
    assertEquals(List.of(GetWaveRequest.newBuilder().setId("1").build()), cli.fake.requests("GetWave"));
    assertEquals(List.of(ListRunsRequest.newBuilder().setWaveId("1").setPageSize(1000).build()),
        cli.fake.requests("ListRuns"));
  }

  @Test
  void eachRunsStateReasonEndsItsLine() {
    Wave wave = Wave.newBuilder().setId("12").setRootJob("extract").setState(WaveState.WAVE_STATE_FAILED)
        .addNodes(node("extract", "12", RunState.RUN_STATE_SUCCEEDED))
        .addNodes(node("transform", "13", RunState.RUN_STATE_FAILED, "extract"))
        .addNodes(node("load", "14", RunState.RUN_STATE_SKIPPED, "transform"))
        .addNodes(node("report", "15", RunState.RUN_STATE_TIMED_OUT, "extract"))
        .build();
    cli.fake.answer("GetWave", wave);
    cli.fake.answer("ListRuns", ListRunsResponse.newBuilder()
        .addRuns(Run.newBuilder().setId("15").setStateReason("timed out after 1h"))
        .addRuns(Run.newBuilder().setId("14").setStateReason("upstream transform failed"))
        .addRuns(Run.newBuilder().setId("13").setStateReason("exit code 3"))
        .addRuns(Run.newBuilder().setId("12"))
        .build());

    Result r = cli.run("wave", "get", "12");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        wave 12 (root extract): failed
        extract       succeeded  run 12
        ├─ transform  failed     run 13  exit code 3
        │  └─ load    skipped    run 14  upstream transform failed
        └─ report     timed-out  run 15  timed out after 1h
        """, r.out());
  }

  @Test
  void aWaveWithoutRunsYetNeedsNoRunListing() {
    cli.fake.answer("GetWave", Wave.newBuilder().setId("7").setRootJob("a").setState(WaveState.WAVE_STATE_RUNNING)
        .addNodes(node("a", "", RunState.RUN_STATE_UNSPECIFIED)).build());

    Result r = cli.run("wave", "get", "7");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("wave 7 (root a): running\na  -  (waiting)\n", r.out());
    assertTrue(cli.fake.requests("ListRuns").isEmpty());
  }

  @Test
  void jsonAndYamlPrintTheWaveForScripts() throws Exception {
    cli.fake.answer("GetWave", diamond(), diamond());

    Result json = cli.run("wave", "get", "1", "-o", "json");
    assertEquals(0, json.exitCode(), json.err());
    Wave.Builder parsed = Wave.newBuilder();
    JsonFormat.parser().merge(json.out(), parsed);
    assertEquals(diamond(), parsed.build());

    Map<String, Object> yaml = new Yaml().load(cli.run("wave", "get", "1", "-o", "yaml").out());
    assertEquals("running", yaml.get("state"));
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> nodes = (List<Map<String, Object>>) yaml.get("nodes");
    assertEquals(List.of("b", "c"), nodes.get(3).get("upstream"));
    assertTrue(cli.fake.requests("ListRuns").isEmpty(), "scripts get the wave alone");
  }

  @Test
  void anUnknownWaveIsOneLineAndExitOne() {
    cli.fake.answer("GetWave", Status.NOT_FOUND.withDescription("no wave 99"));

    Result r = cli.run("wave", "get", "99");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: NOT_FOUND: no wave 99\n", r.err());
    assertTrue(cli.fake.requests("ListRuns").isEmpty());
  }

  @Test
  void runListFiltersByWave() {
    Result r = cli.run("run", "list", "--wave", "12");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals(List.of(ListRunsRequest.newBuilder().setWaveId("12").setPageSize(50).build()),
        cli.fake.requests("ListRuns"));
  }
}
