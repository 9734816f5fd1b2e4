package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A coordinator killed with SIGKILL while runs are queued: after a restart none is lost and all run. */
class CoordinatorRestartTest {
  @TempDir Path work;

  @Test
  void queuedRunsSurviveKillNineAndAllRun() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start()) {
      List<String> ids = new ArrayList<>();
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        for (int i = 0; i < 10; i++) {
          Runs.create(client, dev.baton.proto.v1.Job.newBuilder().setName("queued-" + i)
              .setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)
              .setCommand(dev.baton.proto.v1.Command.newBuilder().setShell("echo run " + i)));
          for (int j = 0; j < 5; j++) {
            ids.add(Runs.trigger(client, "queued-" + i).getId());
          }
        }
      }
      coordinator.kill9AndRestart();
      try (BatonClient client = BatonClient.connect(coordinator.target());
          AgentProcess agent = new AgentProcess(work, "after-restart", "--slots", "4").start(coordinator.target())) {
        for (String id : ids) {
          Run run = Runs.awaitFinal(client, id, Duration.ofSeconds(60));
          assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.toString());
          assertEquals(1, run.getAttemptsCount());
        }
      }
    }
  }
}
