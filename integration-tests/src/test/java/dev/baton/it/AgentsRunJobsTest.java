package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Processes;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator and two agents as separate JVMs run real commands as subprocesses. */
class AgentsRunJobsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;
  private static CoordinatorProcess coordinator;
  private static AgentProcess agentA;
  private static AgentProcess agentB;
  private static BatonClient client;

  @BeforeAll
  static void startCluster() throws Exception {
    coordinator = new CoordinatorProcess(work).start();
    agentA = new AgentProcess(work, "agent-a", "--slots", "4").start(coordinator.target());
    agentB = new AgentProcess(work, "agent-b", "--slots", "4").start(coordinator.target());
    client = BatonClient.connect(coordinator.target());
    Deadline.await(WAIT, "both agents to connect", () ->
        client.cluster().listWorkers(ListWorkersRequest.getDefaultInstance()).getWorkersCount() == 2);
  }

  @AfterAll
  static void stopCluster() {
    if (client != null) {
      client.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {agentA, agentB, coordinator}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Test
  void twoHundredJobsOfMixedPriorityAllRunWithTheRightExitCodesAndOutput() {
    Priority[] priorities = {Priority.PRIORITY_HIGH, Priority.PRIORITY_MEDIUM, Priority.PRIORITY_LOW};
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int exit = i % 10 == 0 ? 3 : 0;
      Runs.create(client, Job.newBuilder().setName("mixed-" + i).setPriority(priorities[i % 3])
          .setCommand(Command.newBuilder().setShell("echo out-" + i + "; echo err-" + i + " >&2; exit " + exit)));
      runs.add(Runs.trigger(client, "mixed-" + i));
    }
    Set<String> workers = new HashSet<>();
    for (int i = 0; i < runs.size(); i++) {
      Run run = Runs.awaitFinal(client, runs.get(i).getId(), WAIT);
      var attempt = run.getAttempts(run.getAttemptsCount() - 1);
      workers.add(attempt.getWorkerName());
      if (i % 10 == 0) {
        assertEquals(RunState.RUN_STATE_FAILED, run.getState(), run.toString());
        assertEquals(3, attempt.getExitCode());
      } else {
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.toString());
        assertEquals(0, attempt.getExitCode());
      }
      String output = Runs.output(client, run.getId());
      assertTrue(output.contains("out-" + i + "\n") && output.contains("err-" + i + "\n"), output);
    }
    assertEquals(Set.of("agent-a", "agent-b"), workers, "both agents took work");
  }

  @Test
  void aTimeoutKillsTheWholeProcessTree() {
    Runs.create(client, Job.newBuilder().setName("tree").setTimeout(Durations.fromMillis(800))
        .setKillGrace(Durations.fromMillis(500))
        .setCommand(Command.newBuilder().setShell("sleep 100 & sleep 100")));
    Run run = Runs.awaitFinal(client, Runs.trigger(client, "tree").getId(), WAIT);
    assertEquals(RunState.RUN_STATE_TIMED_OUT, run.getState(), run.toString());
    long pgid = run.getAttempts(0).getPid();
    assertTrue(pgid > 0);
    assertEquals(List.of(), Processes.inGroup(pgid), "no process of the run's group survives");
  }

  @Test
  void cancelStopsARunningRunAndItsChildren() {
    Runs.shellJob(client, "long", "sleep 100 & sleep 100");
    Run run = Runs.await(client, Runs.trigger(client, "long").getId(), RunState.RUN_STATE_RUNNING, WAIT);
    long pgid = run.getAttempts(0).getPid();
    Deadline.await(WAIT, "the run's processes to exist", () -> Processes.inGroup(pgid).size() >= 2);
    client.runs().cancelRun(CancelRunRequest.newBuilder().setId(run.getId()).setReason("test").build());
    Run cancelled = Runs.awaitFinal(client, run.getId(), WAIT);
    assertEquals(RunState.RUN_STATE_CANCELLED, cancelled.getState(), cancelled.toString());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, cancelled.getAttempts(0).getOutcome());
    Deadline.await(Duration.ofSeconds(5), "the group to be gone", () -> Processes.inGroup(pgid).isEmpty());
  }

  @Test
  void aMissingBinaryFailsCleanlyWithoutAnExitCode() {
    Runs.create(client, Job.newBuilder().setName("missing")
        .setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addArgs("/no/such/binary"))));
    Run run = Runs.awaitFinal(client, Runs.trigger(client, "missing").getId(), WAIT);
    assertEquals(RunState.RUN_STATE_FAILED, run.getState(), run.toString());
    assertFalse(run.getAttempts(0).hasExitCode(), run.toString());
    assertTrue(run.getStateReason().contains("/no/such/binary"), run.getStateReason());
  }

  @Test
  void aNonZeroExitIsFailedWithItsCode() {
    Runs.create(client, Job.newBuilder().setName("exit7")
        .setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addArgs("sh").addArgs("-c").addArgs("exit 7"))));
    Run run = Runs.awaitFinal(client, Runs.trigger(client, "exit7").getId(), WAIT);
    assertEquals(RunState.RUN_STATE_FAILED, run.getState());
    assertEquals(7, run.getAttempts(0).getExitCode());
    assertEquals("exit code 7", run.getStateReason());
  }

  @Test
  void theCommandSeesItsIdentityInTheEnvironment() {
    Runs.create(client, Job.newBuilder().setName("env").putEnv("GREETING", "hi")
        .setCommand(Command.newBuilder().setShell("echo $GREETING $BATON_JOB $BATON_RUN_ID $BATON_ATTEMPT $BATON_EPOCH")));
    Run run = Runs.awaitFinal(client, Runs.trigger(client, "env").getId(), WAIT);
    assertEquals("hi env " + run.getId() + " 1 " + coordinator.epoch() + "\n", Runs.output(client, run.getId()));
  }
}
