package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.RunLog;
import dev.baton.it.fixture.Runs;
import dev.baton.it.fixture.Workers;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WorkerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Placement by labels across agents in separate JVMs, and an agent drained while it works. */
class SelectorsAndDrainTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  private RunLog runLog;

  @BeforeEach
  void runLog() {
    runLog = new RunLog(work.resolve("run.log"));
  }

  private Job.Builder loggedJob(String name, String selector, Duration work) {
    return Job.newBuilder().setName(name).setSelector(selector).setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
        .setCommand(Command.newBuilder().setShell(runLog.command(work)));
  }

  @Test
  void runsLandOnlyOnWorkersTheirSelectorMatchesAndWaitVisiblyForOne() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess east = new AgentProcess(work, "east", "--slots", "2", "--labels", "zone=east,disk=ssd")
            .start(coordinator.target());
        AgentProcess west = new AgentProcess(work, "west", "--slots", "2", "--labels", "zone=west")
            .start(coordinator.target());
        AgentProcess gpu = new AgentProcess(work, "gpu", "--slots", "2", "--labels", "zone=west,gpu=true")
            .start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      for (String name : List.of("east", "west", "gpu")) {
        Workers.await(client, name, WorkerState.WORKER_STATE_LIVE, WAIT);
      }
      Map<String, Set<String>> allowed = new LinkedHashMap<>();
      allowed.put("zone=east", Set.of("east"));
      allowed.put("zone!=east", Set.of("west", "gpu"));
      allowed.put("zone in (east,west),disk", Set.of("east"));
      allowed.put("gpu", Set.of("gpu"));
      Map<String, Set<String>> runs = new LinkedHashMap<>(); // run id -> the workers it may land on
      int n = 0;
      for (var entry : allowed.entrySet()) {
        String job = "placed-" + n++;
        Runs.create(client, loggedJob(job, entry.getKey(), Duration.ofMillis(300)));
        for (int i = 0; i < 3; i++) {
          runs.put(Runs.trigger(client, job).getId(), entry.getValue());
        }
      }
      Runs.create(client, loggedJob("northern", "zone=north", Duration.ofMillis(300)));
      String northern = Runs.trigger(client, "northern").getId();

      for (var entry : runs.entrySet()) {
        Run done = Runs.awaitSucceeded(client, entry.getKey(), WAIT);
        String worker = done.getAttempts(0).getWorkerName();
        assertTrue(entry.getValue().contains(worker), "job " + done.getJob() + " ran on " + worker);
      }
      Run waiting = Runs.get(client, northern);
      assertEquals(RunState.RUN_STATE_QUEUED, waiting.getState(), waiting.toString());
      assertEquals("no worker matches selector zone=north", waiting.getStateReason());

      try (AgentProcess north = new AgentProcess(work, "north", "--labels", "zone=north").start(coordinator.target())) {
        Run done = Runs.awaitSucceeded(client, northern, WAIT);
        assertEquals("north", done.getAttempts(0).getWorkerName());
      }
      List<String> all = new ArrayList<>(runs.keySet());
      all.add(northern);
      runLog.assertNoOverlapAndOneSuccessEach(all);
    }
  }

  @Test
  void aDrainedAgentFinishesItsRunningWorkTakesNoNewWorkAndExits() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess leaving = new AgentProcess(work, "leaving", "--slots", "4", "--labels", "pool=batch")
            .start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      Cli cli = new Cli(coordinator.target(), work);
      Runs.create(client, loggedJob("long", "pool=batch", Duration.ofSeconds(3)));
      Run running = Runs.await(client, Runs.trigger(client, "long").getId(), RunState.RUN_STATE_RUNNING, WAIT);

      Cli.Result drain = cli.run("worker", "drain", "leaving");
      assertEquals(0, drain.exitCode(), drain.toString());
      Workers.await(client, "leaving", WorkerState.WORKER_STATE_DRAINING, WAIT);
      Cli.Result list = cli.run("worker", "list");
      assertTrue(list.stdout().lines().anyMatch(l -> l.startsWith("leaving") && l.contains("draining")), list.toString());

      Runs.create(client, loggedJob("next", "pool=batch", Duration.ofMillis(300)));
      String next = Runs.trigger(client, "next").getId();
      Deadline.await(WAIT, "the new run to say why it waits", () -> Runs.get(client, next).getStateReason()
          .equals("every worker matching selector pool=batch is draining"));

      Run finished = Runs.awaitSucceeded(client, running.getId(), WAIT);
      assertEquals("leaving", finished.getAttempts(0).getWorkerName());
      Deadline.await(WAIT, "the drained agent to exit", () -> !leaving.process().isAlive());
      assertEquals(0, leaving.process().exitValue(), "a drained agent exits cleanly");
      assertEquals(RunState.RUN_STATE_QUEUED, Runs.get(client, next).getState(), "the drained agent took no new work");

      try (AgentProcess arriving = new AgentProcess(work, "arriving", "--labels", "pool=batch")
          .start(coordinator.target())) {
        Run done = Runs.awaitSucceeded(client, next, WAIT);
        assertEquals("arriving", done.getAttempts(0).getWorkerName());
      }
      runLog.assertNoOverlapAndOneSuccessEach(List.of(running.getId(), next));
    }
  }
}
