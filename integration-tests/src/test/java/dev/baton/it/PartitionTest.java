package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.TestPki;
import dev.baton.cli.pki.Pki;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.NetworkNamespace;
import dev.baton.it.fixture.Processes;
import dev.baton.it.fixture.RunLog;
import dev.baton.it.fixture.Runs;
import dev.baton.it.fixture.Workers;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.WorkerState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent cut off from the coordinator by a real network partition: the agent runs in its own network namespace,
 * joined to the coordinator's by a veth pair, and the test takes the agent's end of the link down. Packets stop;
 * no connection is closed, so neither side learns anything but silence.
 */
class PartitionTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  private NetworkNamespace island;
  private TestPki pki;
  private RunLog runLog;

  @BeforeEach
  void createNamespace() throws Exception {
    island = NetworkNamespace.create();
    runLog = new RunLog(work.resolve("run.log"));
  }

  @AfterEach
  void deleteNamespace() throws Exception {
    island.close();
  }

  /**
   * A coordinator on the host end of the namespace's link: beyond loopback, so it serves TLS and checks every
   * caller, and the agents prove their names with certificates of the test's CA.
   */
  private CoordinatorProcess coordinator(Duration ttl) throws Exception {
    pki = TestPki.create(work.resolve("pki")).issue(Pki.Kind.COORDINATOR, "coordinator", island.hostAddress())
        .issue(Pki.Kind.AGENT, "island").issue(Pki.Kind.AGENT, "mainland");
    List<String> args = new ArrayList<>(List.of("--worker-ttl", ttl.toMillis() + "ms"));
    args.addAll(pki.flags("coordinator"));
    return new CoordinatorProcess(work, args.toArray(String[]::new)).listeningOn(island.hostAddress()).start();
  }

  private AgentProcess agent(String name) throws java.io.IOException {
    List<String> args = new ArrayList<>(List.of("--slots", "2"));
    args.addAll(pki.flags(name));
    return new AgentProcess(work, name, args.toArray(String[]::new));
  }

  private BatonClient client(CoordinatorProcess coordinator) throws java.io.IOException {
    return BatonClient.connect(coordinator.target(), pki.client(coordinator.adminToken()));
  }

  private Run startLogged(BatonClient client, String job, DisconnectPolicy onDisconnect, Duration work) {
    return startLogged(client, job, onDisconnect, work, work);
  }

  private Run startLogged(BatonClient client, String job, DisconnectPolicy onDisconnect, Duration firstAttempt,
      Duration laterAttempts) {
    Runs.create(client, Job.newBuilder().setName(job).setOnDisconnect(onDisconnect)
        .setCommand(Command.newBuilder().setShell(runLog.command(firstAttempt, laterAttempts))));
    return runLog.awaitExecuting(client, Runs.trigger(client, job).getId(), WAIT);
  }

  /** How long the coordinator has not heard from the worker called {@code name}. */
  private static Duration silence(BatonClient client, String name) {
    Instant last = Times.toInstant(Workers.find(client, name).orElseThrow().getLastHeartbeatTime());
    return Duration.between(last, Instant.now());
  }

  @Test
  void killRunsAreFencedOnTheCutOffAgentBeforeTheCoordinatorGivesThemToAnother() throws Exception {
    Duration ttl = Duration.ofSeconds(3); // fence margin 1 s: the agent kills at 2 s of silence
    try (CoordinatorProcess coordinator = coordinator(ttl);
        AgentProcess cutOff = agent("island").inside(island)
            .start(coordinator.target());
        BatonClient client = client(coordinator)) {
      List<Run> runs = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        // Attempt 1 works a minute: it surely still executes at the cut, however slowly the mainland starts.
        runs.add(startLogged(client, "fenced-" + i, DisconnectPolicy.DISCONNECT_POLICY_KILL, Duration.ofSeconds(60),
            Duration.ofSeconds(2)));
      }
      try (AgentProcess mainland = agent("mainland").start(coordinator.target())) {
        Workers.await(client, "mainland", WorkerState.WORKER_STATE_LIVE, WAIT);
        island.cutLink();
        for (Run run : runs) {
          long pgid = run.getAttempts(0).getPid();
          Deadline.await(WAIT, "the cut-off agent to kill run " + run.getId(), () -> Processes.inGroup(pgid).isEmpty());
        }
        assertTrue(cutOff.process().isAlive(), "the runs were killed by their own agent's fencing, not its death");
        for (Run run : runs) {
          Runs.awaitSucceededAfterLoss(client, run.getId(), "mainland", WAIT);
        }
        // The link comes back: the island reconnects and reports its fenced attempts, which changes nothing now.
        assertEquals(2, cutOff.unacknowledgedResults(), "the fenced attempts wait in the island's journal");
        island.restoreLink();
        Workers.await(client, "island", WorkerState.WORKER_STATE_LIVE, WAIT);
        Deadline.await(WAIT, "the island's journal to be acknowledged", () -> cutOff.unacknowledgedResults() == 0);
        for (Run run : runs) {
          assertEquals(2, Runs.awaitSucceededAfterLoss(client, run.getId(), "mainland", WAIT).getAttemptsCount());
        }
      }
      List<String> ids = runs.stream().map(Run::getId).toList();
      runLog.assertNoOverlapAndOneSuccessEach(ids);
      runLog.printRetryGaps(ids);
    }
  }

  @Test
  void aKeepRunWhoseLinkComesBackWithinTheTtlIsReattachedNotRunAgain() throws Exception {
    Duration ttl = Duration.ofSeconds(10); // fence margin 3 s: KILL runs would be killed at 7 s of silence
    try (CoordinatorProcess coordinator = coordinator(ttl);
        AgentProcess cutOff = agent("island").inside(island)
            .start(coordinator.target());
        BatonClient client = client(coordinator)) {
      Run run = startLogged(client, "kept", DisconnectPolicy.DISCONNECT_POLICY_KEEP, Duration.ofSeconds(14));
      island.cutLink();
      Instant cut = Instant.now();
      // Past the point where the agent fences itself off, short of the TTL.
      Deadline.await(WAIT, "7.5 s of silence", () -> silence(client, "island").toMillis() >= 7_500);
      island.restoreLink();
      Instant restored = Instant.now();
      Deadline.await(WAIT, "the island to be heard again", () -> silence(client, "island").toMillis() < 1_000);
      System.out.println("cut " + Duration.between(cut, restored).toMillis() + " ms; heard again after "
          + Duration.between(restored, Instant.now()).toMillis() + " ms");
      Run done = Runs.awaitSucceeded(client, run.getId(), WAIT);
      assertEquals(1, done.getAttemptsCount(), "reattached, not run again: " + done);
      assertEquals("island", done.getAttempts(0).getWorkerName());
      runLog.assertNoOverlapAndOneSuccessEach(List.of(run.getId()));
    }
  }

  @Test
  void anAgentBackLateAfterACoordinatorRestartReclaimsItsRunsInsteadOfRunningThemTwice() throws Exception {
    Duration ttl = Duration.ofSeconds(2); // after a restart, runs in flight wait 2 x 2 s for their agent
    try (CoordinatorProcess coordinator = coordinator(ttl);
        AgentProcess late = agent("island").inside(island)
            .start(coordinator.target());
        BatonClient client = client(coordinator)) {
      Run running = startLogged(client, "still-running", DisconnectPolicy.DISCONNECT_POLICY_KEEP,
          Duration.ofSeconds(12));
      Run finishing = startLogged(client, "finishes-meanwhile", DisconnectPolicy.DISCONNECT_POLICY_KEEP,
          Duration.ofSeconds(3));
      island.cutLink();
      coordinator.kill9AndRestart();
      // The agent cannot come back in time: both runs are declared lost and queued again as attempt 2.
      for (Run run : List.of(running, finishing)) {
        Deadline.await(WAIT, "run " + run.getId() + " to be queued again", () -> {
          Run now = Runs.get(client, run.getId());
          return now.getState() == dev.baton.proto.v1.RunState.RUN_STATE_QUEUED && now.getAttemptsCount() == 2;
        });
      }
      Deadline.await(WAIT, "the short run to finish on the cut-off agent", () -> runLog.ends(finishing.getId()) == 1);
      island.restoreLink();
      // Its hello (the running attempt, and the result from the journal) wins over the attempts still queued.
      for (Run run : List.of(running, finishing)) {
        Run done = Runs.awaitSucceeded(client, run.getId(), WAIT);
        assertEquals(1, done.getAttemptsCount(), "reclaimed, not run again: " + done);
        assertEquals("island", done.getAttempts(0).getWorkerName());
      }
      runLog.assertNoOverlapAndOneSuccessEach(List.of(running.getId(), finishing.getId()));
    }
  }
}
