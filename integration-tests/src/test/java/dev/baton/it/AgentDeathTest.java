package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Processes;
import dev.baton.it.fixture.RunLog;
import dev.baton.it.fixture.Runs;
import dev.baton.it.fixture.Workers;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.WorkerState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that dies takes its runs' process trees with it, its runs are requeued once its TTL runs out and finish
 * elsewhere, and a restarted agent kills what its previous life left running. The run log proves that no run ever
 * executed twice at the same time.
 */
class AgentDeathTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Duration TTL = Duration.ofSeconds(3);

  @TempDir Path work;

  private RunLog runLog;

  @BeforeEach
  void runLog() {
    runLog = new RunLog(work.resolve("run.log"));
  }

  private CoordinatorProcess coordinator() throws IOException {
    return new CoordinatorProcess(work, "--worker-ttl", TTL.toSeconds() + "s").start();
  }

  /**
   * Triggers a logged job and returns its run once its first attempt executes. The first attempt works a minute, so
   * that it surely still executes when the test kills its agent however slowly the rest starts; retries work 2 s.
   */
  private Run startLogged(BatonClient client, String job) {
    Runs.shellJob(client, job, runLog.command(Duration.ofSeconds(60), Duration.ofSeconds(2)));
    return runLog.awaitExecuting(client, Runs.trigger(client, job).getId(), WAIT);
  }

  @Test
  void runsOfAKilledAgentDieWithItAreRequeuedWithinTheTtlAndFinishOnceElsewhere() throws Exception {
    try (CoordinatorProcess coordinator = coordinator();
        AgentProcess doomed = new AgentProcess(work, "doomed", "--slots", "4").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      List<Run> runs = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        runs.add(startLogged(client, "inflight-" + i));
      }
      try (AgentProcess survivor = new AgentProcess(work, "survivor", "--slots", "4").start(coordinator.target())) {
        Workers.await(client, "survivor", WorkerState.WORKER_STATE_LIVE, WAIT);
        Instant killedAt = Instant.now();
        doomed.kill9();
        // Well within the TTL: nothing of a run may still execute when it is given to the survivor.
        for (Run run : runs) {
          long pgid = run.getAttempts(0).getPid();
          Deadline.await(Duration.ofSeconds(2), "run " + run.getId() + "'s process group to die with its agent",
              () -> Processes.inGroup(pgid).isEmpty());
        }
        for (Run run : runs) {
          Deadline.await(TTL.plus(WAIT), "run " + run.getId() + " to be requeued",
              () -> Runs.get(client, run.getId()).getAttemptsCount() >= 2);
          Instant requeued = Times.toInstant(Runs.get(client, run.getId()).getAttempts(1).getQueueTime());
          Duration after = Duration.between(killedAt, requeued);
          System.out.println("run " + run.getId() + " requeued " + after.toMillis() + " ms after the agent's kill");
          assertTrue(after.compareTo(TTL.plusSeconds(1)) <= 0, "run " + run.getId() + " requeued " + after
              + " after the kill; worker_ttl is " + TTL);
        }
        for (Run run : runs) {
          Runs.awaitSucceededAfterLoss(client, run.getId(), "survivor", WAIT);
        }
      }
      List<String> ids = runs.stream().map(Run::getId).toList();
      runLog.assertNoOverlapAndOneSuccessEach(ids);
      runLog.printRetryGaps(ids);
    }
  }

  @Test
  void aRestartedAgentKillsWhatItsPreviousLifeLeftRunningBeforeTheRunIsRetried() throws Exception {
    try (CoordinatorProcess coordinator = coordinator();
        AgentProcess agent = new AgentProcess(work, "phoenix").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      Run run = startLogged(client, "orphaned");
      long pgid = run.getAttempts(0).getPid();
      // Kill the reaper first, then the agent: nothing is left to kill the run when the agent dies.
      for (long reaper : reapersOf(agent.process().pid())) {
        new ProcessBuilder("kill", "-KILL", Long.toString(reaper)).start().waitFor();
      }
      agent.kill9();
      assertFalse(Processes.inGroup(pgid).isEmpty(), "the orphaned run still runs");

      agent.start(coordinator.target());
      Deadline.await(Duration.ofSeconds(10), "the restarted agent to kill the orphaned run",
          () -> Processes.inGroup(pgid).isEmpty());
      Run done = Runs.awaitSucceeded(client, run.getId(), WAIT);
      assertEquals(2, done.getAttemptsCount(), done.toString());
      runLog.assertNoOverlapAndOneSuccessEach(List.of(run.getId()));
    }
  }

  /** Live processes whose parent is {@code agentPid} and that run the lifeline reaper. */
  private static List<Long> reapersOf(long agentPid) throws IOException {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : proc) {
        try {
          String cmdline = Files.readString(dir.resolve("cmdline"));
          String stat = Files.readString(dir.resolve("stat"));
          long ppid = Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
          if (ppid == agentPid && cmdline.contains("declare -A groups")) {
            out.add(Long.parseLong(dir.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // ended while we looked
        }
      }
    }
    assertTrue(!out.isEmpty(), "the agent runs a lifeline reaper");
    return out;
  }
}
