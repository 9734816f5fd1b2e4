package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Processes;
import dev.baton.it.fixture.RunLog;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Run;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator is killed with SIGKILL while runs execute on an agent. Runs that finish while it is down wait in
 * the agent's journal and are delivered after the restart; runs still executing are reattached; runs the agent had
 * to fence off during a long outage run again. Nothing is lost and nothing runs twice at once.
 */
class CoordinatorOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  @Test
  void resultsThatFinishDuringTheOutageAreDeliveredAfterTheRestartAndNothingRunsTwice() throws Exception {
    RunLog runLog = new RunLog(work.resolve("run.log"));
    // A long TTL: this test is about the journal and reattachment, so the agent must not fence itself off however
    // slowly the coordinator restarts on a loaded machine.
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work, "--worker-ttl", "30s").start();
        AgentProcess agent = new AgentProcess(work, "steady", "--slots", "4").start(coordinator.target())) {
      List<Run> during = new ArrayList<>(); // finish while the coordinator is down
      List<Run> across = new ArrayList<>(); // still executing when it comes back
      // The long runs work until the test releases them after the restart: however slowly a loaded machine
      // restarts the coordinator, they span it.
      java.nio.file.Path release = work.resolve("release-long-runs");
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        for (int i = 0; i < 2; i++) {
          during.add(trigger(client, runLog, "short-" + i, Duration.ofSeconds(2)));
          Runs.create(client, Job.newBuilder().setName("long-" + i).setCommand(Command.newBuilder()
              .setShell(runLog.commandUntil(release, WAIT))));
          across.add(Runs.trigger(client, "long-" + i));
        }
        for (Run run : during) {
          runLog.awaitExecuting(client, run.getId(), WAIT);
        }
        for (Run run : across) {
          runLog.awaitExecuting(client, run.getId(), WAIT);
        }
      }
      assertTrue(during.stream().allMatch(r -> runLog.ends(r.getId()) == 0), "no run finished before the kill");
      coordinator.kill9();
      for (Run run : during) {
        Deadline.await(WAIT, "run " + run.getId() + " to finish during the outage", () -> runLog.ends(run.getId()) == 1);
      }
      // The command writes its end line a moment before it exits: its result exists once the agent journaled it.
      Deadline.await(WAIT, "the agent to journal both results", () -> agent.unacknowledgedResults() == during.size());
      Instant restarted = Instant.now();
      coordinator.start();
      assertTrue(across.stream().allMatch(r -> runLog.ends(r.getId()) == 0), "the long runs span the restart");
      java.nio.file.Files.createFile(release);

      List<String> ids = new ArrayList<>();
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        for (Run run : during) {
          Run done = awaitSucceededOnce(client, run);
          Instant finished = Times.toInstant(done.getAttempts(0).getFinishTime());
          assertTrue(finished.isBefore(restarted), "run " + run.getId() + " finished at " + finished
              + ", before the restart at " + restarted + ": its result came from the agent's journal");
          ids.add(run.getId());
        }
        for (Run run : across) {
          awaitSucceededOnce(client, run);
          ids.add(run.getId());
        }
      }
      runLog.assertNoOverlapAndOneSuccessEach(ids);
    }
  }

  @Test
  void runsTheAgentFencedOffDuringALongOutageRunAgainAfterTheRestartAndNeverTwiceAtOnce() throws Exception {
    RunLog runLog = new RunLog(work.resolve("run.log"));
    // TTL 3 s: the agent kills its on_disconnect: kill runs after 2 s without a coordinator.
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work, "--worker-ttl", "3s").start();
        AgentProcess agent = new AgentProcess(work, "steady").start(coordinator.target())) {
      Run run;
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        run = runLog.awaitExecuting(client, trigger(client, runLog, "fenced", Duration.ofSeconds(4)).getId(), WAIT);
      }
      coordinator.kill9();
      long pgid = run.getAttempts(0).getPid();
      Deadline.await(WAIT, "the agent to fence off its run", () -> Processes.inGroup(pgid).isEmpty());
      coordinator.start();
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        Run done = Runs.awaitSucceeded(client, run.getId(), WAIT);
        assertEquals(2, done.getAttemptsCount(), done.toString());
        assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, done.getAttempts(0).getOutcome(), done.toString());
        assertTrue(done.getAttempts(0).getError().startsWith("its agent gave it up: no coordinator heard for"),
            "the agent's own report of the fenced attempt arrived: " + done.getAttempts(0).getError());
        assertEquals(1, done.getLostAttempts());
      }
      runLog.assertNoOverlapAndOneSuccessEach(List.of(run.getId()));
    }
  }

  private static Run trigger(BatonClient client, RunLog runLog, String job, Duration work) {
    Runs.create(client, Job.newBuilder().setName(job).setCommand(Command.newBuilder().setShell(runLog.command(work))));
    return Runs.trigger(client, job);
  }

  private static Run awaitSucceededOnce(BatonClient client, Run run) {
    Run done = Runs.awaitSucceeded(client, run.getId(), WAIT);
    assertEquals(1, done.getAttemptsCount(), "one attempt, on the agent that held it: " + done);
    assertEquals("steady", done.getAttempts(0).getWorkerName());
    return done;
  }
}
