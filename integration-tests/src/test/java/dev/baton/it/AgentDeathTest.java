package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Processes;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An agent that dies takes its runs' process trees with it; a restarted agent kills what was left before. */
class AgentDeathTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  /** Starts a two-process tree on the agent and returns its process group once both processes exist. */
  private static long startTree(BatonClient client, String job) {
    Runs.shellJob(client, job, "sleep 300 & sleep 300");
    Run run = Runs.await(client, Runs.trigger(client, job).getId(), RunState.RUN_STATE_RUNNING, WAIT);
    long pgid = run.getAttempts(0).getPid();
    Deadline.await(WAIT, "the run's two processes", () -> Processes.inGroup(pgid).size() >= 2);
    return pgid;
  }

  @Test
  void killNineOfTheAgentKillsItsRunsTrees() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "doomed").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      long pgid = startTree(client, "tree");
      agent.kill9();
      // Well within the coordinator's worker TTL (10 s): nothing of the run may still execute when it is retried.
      Deadline.await(Duration.ofSeconds(2), "the run's process group to die with its agent",
          () -> Processes.inGroup(pgid).isEmpty());
    }
  }

  @Test
  void aRestartedAgentKillsWhatItsPreviousLifeLeftRunning() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "phoenix").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      long pgid = startTree(client, "orphaned");
      // Kill the reaper first, then the agent: nothing is left to kill the run when the agent dies.
      for (long reaper : reapersOf(agent.process().pid())) {
        new ProcessBuilder("kill", "-KILL", Long.toString(reaper)).start().waitFor();
      }
      agent.kill9();
      assertTrue(Processes.inGroup(pgid).size() >= 2, "the orphaned run still runs");

      agent.start(coordinator.target());
      Deadline.await(Duration.ofSeconds(10), "the restarted agent to kill the orphaned run",
          () -> Processes.inGroup(pgid).isEmpty());
    }
  }

  /** Live processes whose parent is {@code agentPid} and that run the lifeline reaper. */
  private static List<Long> reapersOf(long agentPid) throws IOException {
    List<Long> out = new java.util.ArrayList<>();
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
