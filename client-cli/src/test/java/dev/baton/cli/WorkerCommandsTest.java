package dev.baton.cli;

import static dev.baton.cli.JobCommandsTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.ListWorkersResponse;
import dev.baton.proto.v1.Worker;
import dev.baton.proto.v1.WorkerState;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code worker list} and {@code worker drain}, and the help of every command added with them. */
class WorkerCommandsTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  /** {@code millisAgo} before the fixture's clock. */
  private static Timestamp ago(long millisAgo) {
    long at = CliFixture.NOW.toEpochMilli() - millisAgo;
    return Timestamp.newBuilder().setSeconds(Math.floorDiv(at, 1000)).setNanos((int) Math.floorMod(at, 1000) * 1_000_000)
        .build();
  }

  private static List<Worker> workers() {
    return List.of(
        Worker.newBuilder().setId("3f2a9c1e-7d41-4b8e-9a55-0c6f1e2d3b4a").setName("worker-a")
            .putLabels("zone", "eu-1").putLabels("gpu", "true").setSlots(8).setFreeSlots(6)
            .setState(WorkerState.WORKER_STATE_LIVE).setLastHeartbeatTime(ago(400))
            .addRunIds("12").addRunIds("13").setAgentVersion("0.1.0").build(),
        Worker.newBuilder().setId("a1b2").setName("worker-b").setSlots(4).setFreeSlots(4)
            .setState(WorkerState.WORKER_STATE_DRAINING).setLastHeartbeatTime(ago(75_000)).build());
  }

  @Test
  void watchPrintsAWorkerAgainWhenItChangesAndSaysWhenOneGoes() throws Exception {
    List<Worker> first = workers();
    Worker drained = first.get(0).toBuilder().setState(WorkerState.WORKER_STATE_DRAINING)
        .setLastHeartbeatTime(ago(100)).build();
    ListWorkersResponse unchanged = ListWorkersResponse.newBuilder().addAllWorkers(first).build();
    // Second answer: only heartbeats moved (nothing to print); third: worker-a drains; fourth: worker-b is gone.
    cli.fake.answer("ListWorkers", unchanged, ListWorkersResponse.newBuilder()
        .addWorkers(first.get(0).toBuilder().setLastHeartbeatTime(ago(10))).addWorkers(first.get(1)).build(),
        ListWorkersResponse.newBuilder().addWorkers(drained).addWorkers(first.get(1)).build(),
        ListWorkersResponse.newBuilder().addWorkers(drained).build());
    Thread watching = new Thread(() -> cli.run("worker", "list", "--watch", "--interval", "10ms"));
    watching.start();
    try {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!cli.outSoFar().contains("worker-b is gone") && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } finally {
      watching.interrupt();
      watching.join(10_000);
    }
    List<String> lines = cli.outSoFar().lines().toList();
    assertEquals(5, lines.size(), cli.outSoFar());
    assertTrue(lines.get(0).startsWith("NAME"), lines.get(0));
    assertTrue(lines.get(3).startsWith("worker-a  3f2a9c1e  draining"), lines.get(3));
    assertEquals("worker-b is gone (forgotten by the coordinator)", lines.get(4));
  }

  @Test
  void listShowsATableWithHeartbeatAges() {
    cli.fake.answer("ListWorkers", ListWorkersResponse.newBuilder().addAllWorkers(workers()).build());

    Result r = cli.run("worker", "list");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        NAME      ID        STATE     SLOTS  FREE  RUNS  LABELS              HEARTBEAT
        worker-a  3f2a9c1e  live      8      6     2     gpu=true,zone=eu-1  0.4s ago
        worker-b  a1b2      draining  4      4     0     -                   1m15s ago
        """, r.out());
    assertEquals(List.of(ListWorkersRequest.getDefaultInstance()), cli.fake.requests("ListWorkers"));
  }

  @Test
  void listPrintsJsonAndYamlForScripts() throws Exception {
    cli.fake.answer("ListWorkers", ListWorkersResponse.newBuilder().addAllWorkers(workers()).build(),
        ListWorkersResponse.newBuilder().addAllWorkers(workers()).build());

    Result json = cli.run("worker", "list", "-o", "json", "--include-dead");

    assertEquals(0, json.exitCode(), json.err());
    ListWorkersResponse.Builder parsed = ListWorkersResponse.newBuilder();
    JsonFormat.parser().merge("{\"workers\": " + json.out() + "}", parsed);
    assertEquals(workers(), parsed.getWorkersList());
    assertEquals(List.of(ListWorkersRequest.newBuilder().setIncludeDead(true).build()),
        cli.fake.requests("ListWorkers"));

    Result yaml = cli.run("worker", "list", "-o", "yaml");
    List<Map<String, Object>> loaded = new Yaml().load(yaml.out());
    assertEquals("worker-a", loaded.get(0).get("name"));
    assertEquals("draining", loaded.get(1).get("state"));

    Result none = cli.run("worker", "list", "-o", "json");
    assertEquals("[]\n", none.out());
  }

  @Test
  void listFailureIsOneLineAndExitOne() {
    cli.fake.answer("ListWorkers", Status.PERMISSION_DENIED.withDescription("token 'ci' may not list workers"));

    Result r = cli.run("worker", "list");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: PERMISSION_DENIED: token 'ci' may not list workers\n", r.err());
  }

  @Test
  void drainSaysWhatItMeans() throws Exception {
    Result r = cli.run("worker", "drain", "worker-a");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("draining worker worker-a: it takes no new work; running work finishes\n", r.out());
    assertEquals(List.of(DrainWorkerRequest.newBuilder().setWorker("worker-a").build()),
        cli.fake.requests("DrainWorker"));

    Result json = cli.run("worker", "drain", "worker-a", "-o", "json");
    Worker.Builder parsed = Worker.newBuilder();
    JsonFormat.parser().merge(json.out(), parsed);
    assertEquals(WorkerState.WORKER_STATE_DRAINING, parsed.getState());
  }

  @Test
  void drainOfAnUnknownWorkerIsOneLineAndExitOne() {
    cli.fake.answer("DrainWorker", Status.NOT_FOUND.withDescription("no worker named worker-z"));

    Result r = cli.run("worker", "drain", "worker-z");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: NOT_FOUND: no worker named worker-z\n", r.err());
  }

  @Test
  void theNewCommandsHaveHelpAndUsageErrors() {
    for (List<String> command : List.of(List.of("run", "logs"), List.of("run", "cancel"), List.of("worker", "list"),
        List.of("worker", "drain"), List.of("job", "trigger"))) {
      List<String> args = new java.util.ArrayList<>(command);
      args.add("--help");
      Result r = cli.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), command.toString());
      String description = r.out().lines().dropWhile(l -> l.startsWith("Usage:") || l.startsWith(" "))
          .findFirst().orElse("");
      assertFalse(description.isBlank() || description.startsWith("  "), command + " has a description");
    }
    assertTrue(cli.run("job", "trigger", "--help").out().contains("--wait"));
    assertTrue(cli.run("run", "logs", "--help").out().contains("-f, --follow"));
    assertTrue(cli.run("--help").out().contains("\n  worker "));

    Result group = cli.run("worker");
    assertEquals(2, group.exitCode());
    assertEquals("baton: missing command: choose one of list, drain; see 'baton worker --help'\n", group.err());
    Result missing = cli.run("worker", "drain");
    assertEquals(2, missing.exitCode());
    assertOneLine(missing.err());
    assertEquals(2, cli.run("run", "cancel").exitCode());
    assertTrue(cli.fake.calls().isEmpty());
  }
}
