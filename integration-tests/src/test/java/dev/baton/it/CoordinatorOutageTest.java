package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.RunLog;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The coordinator is killed with SIGKILL while runs execute on an agent. Runs that finish while it is down wait in
 * the agent's journal and are delivered after the restart; runs still executing are reattached. Nothing is lost and
 * nothing runs twice.
 */
class CoordinatorOutageTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  @Test
  void resultsThatFinishDuringTheOutageAreDeliveredAfterTheRestartAndNothingRunsTwice() throws Exception {
    RunLog runLog = new RunLog(work.resolve("run.log"));
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "steady", "--slots", "4").start(coordinator.target())) {
      List<Run> during = new ArrayList<>(); // finish while the coordinator is down
      List<Run> across = new ArrayList<>(); // still executing when it comes back
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        for (int i = 0; i < 2; i++) {
          during.add(trigger(client, runLog, "short-" + i, Duration.ofSeconds(2)));
          across.add(trigger(client, runLog, "long-" + i, Duration.ofSeconds(8)));
        }
        for (Run run : during) {
          awaitStarted(client, runLog, run);
        }
        for (Run run : across) {
          awaitStarted(client, runLog, run);
        }
      }
      assertTrue(during.stream().allMatch(r -> runLog.ends(r.getId()) == 0), "no run finished before the kill");
      coordinator.kill9();
      for (Run run : during) {
        Deadline.await(WAIT, "run " + run.getId() + " to finish during the outage", () -> runLog.ends(run.getId()) == 1);
      }
      Instant restarted = Instant.now();
      coordinator.start();
      assertTrue(across.stream().allMatch(r -> runLog.ends(r.getId()) == 0), "the long runs span the restart");

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

  private static Run trigger(BatonClient client, RunLog runLog, String job, Duration work) {
    Runs.create(client, Job.newBuilder().setName(job).setCommand(Command.newBuilder().setShell(runLog.command(work))));
    return Runs.trigger(client, job);
  }

  private static void awaitStarted(BatonClient client, RunLog runLog, Run run) {
    Runs.await(client, run.getId(), RunState.RUN_STATE_RUNNING, WAIT);
    Deadline.await(WAIT, "run " + run.getId() + " to log its start", () -> runLog.started(run.getId(), 1));
  }

  private static Run awaitSucceededOnce(BatonClient client, Run run) {
    Run done = Runs.awaitFinal(client, run.getId(), WAIT);
    assertEquals(RunState.RUN_STATE_SUCCEEDED, done.getState(), done.toString());
    assertEquals(1, done.getAttemptsCount(), "one attempt, on the agent that held it: " + done);
    assertEquals("steady", done.getAttempts(0).getWorkerName());
    return done;
  }
}
