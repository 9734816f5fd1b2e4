package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Runs;
import dev.baton.it.fixture.Workers;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WorkerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agents that limit what they run (DESIGN.md section 9): real agent processes with --allowed-commands, --run-as,
 * --allowed-users and without --allow-root; the commands report their own user id from inside.
 */
class AgentLimitsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  private static Job.Builder argv(String name, String... args) {
    return Job.newBuilder().setName(name).setCommand(Command.newBuilder().setArgv(Argv.newBuilder()
        .addAllArgs(List.of(args))));
  }

  @Test
  void aRefusedRunFailsWithTheAgentsReasonAndTheJobGoesToThatAgentNoMore() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        BatonClient client = BatonClient.connect(coordinator.target());
        AgentProcess strict = new AgentProcess(work, "strict", "--allowed-commands", "/usr/bin/id,/bin/echo",
            "--run-as", "nobody").start(coordinator.target())) {
      Workers.await(client, "strict", WorkerState.WORKER_STATE_LIVE, WAIT);
      Runs.create(client, argv("touch", "/usr/bin/touch", work.resolve("touched").toString()));
      Run refused = Runs.awaitFinal(client, Runs.trigger(client, "touch").getId(), WAIT);
      assertEquals(RunState.RUN_STATE_FAILED, refused.getState(), refused.toString());
      String error = refused.getAttempts(0).getError();
      assertTrue(error.contains("refused by worker strict") && error.contains("'/usr/bin/touch' is not in this "
          + "agent's --allowed-commands"), error);
      assertTrue(!work.resolve("touched").toFile().exists(), "the refused command never ran");

      Runs.create(client, Job.newBuilder().setName("shell").setCommand(Command.newBuilder().setShell("id -u")));
      Run shell = Runs.awaitFinal(client, Runs.trigger(client, "shell").getId(), WAIT);
      assertTrue(shell.getAttempts(0).getError().contains("shell commands are not allowed"), shell.toString());

      // Sent to that agent no more: the next run waits, saying why, until an agent that takes it connects.
      String next = Runs.trigger(client, "touch").getId();
      Deadline.await(WAIT, "the run to say why it waits", () -> Runs.get(client, next).getStateReason()
          .contains("refused this job"));
      assertEquals(RunState.RUN_STATE_QUEUED, Runs.get(client, next).getState());
      try (AgentProcess open = new AgentProcess(work, "open").start(coordinator.target())) {
        Run ran = Runs.awaitSucceeded(client, next, WAIT);
        assertEquals("open", ran.getAttempts(0).getWorkerName());
        assertTrue(work.resolve("touched").toFile().exists());
      }
    }
  }

  @Test
  void commandsRunAsTheAgentsRunAsUserOrAnAllowedRunAsAndNeverAsRootUnlessAllowed() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        BatonClient client = BatonClient.connect(coordinator.target());
        AgentProcess agent = new AgentProcess(work, "users", "--run-as", "nobody", "--allowed-users", "daemon")
            .start(coordinator.target())) {
      Workers.await(client, "users", WorkerState.WORKER_STATE_LIVE, WAIT);
      Runs.create(client, argv("as-nobody", "/usr/bin/id", "-u"));
      Run nobody = Runs.awaitSucceeded(client, Runs.trigger(client, "as-nobody").getId(), WAIT);
      assertEquals("65534", Runs.output(client, nobody.getId()).trim(), "id -u inside the command");

      Runs.create(client, argv("as-daemon", "/usr/bin/id", "-u").setRunAs("daemon"));
      Run daemon = Runs.awaitSucceeded(client, Runs.trigger(client, "as-daemon").getId(), WAIT);
      assertEquals("1", Runs.output(client, daemon.getId()).trim());

      Runs.create(client, argv("as-root", "/usr/bin/id", "-u").setRunAs("root"));
      Run root = Runs.awaitFinal(client, Runs.trigger(client, "as-root").getId(), WAIT);
      assertEquals(RunState.RUN_STATE_FAILED, root.getState());
      assertTrue(root.getAttempts(0).getError().contains("'root', which is not in this agent's --allowed-users"),
          root.toString());

      Runs.create(client, argv("path", "/usr/bin/id", "-u").putEnv("LD_PRELOAD", "/tmp/evil.so"));
      Run preload = Runs.awaitFinal(client, Runs.trigger(client, "path").getId(), WAIT);
      assertTrue(preload.getAttempts(0).getError().contains("sets LD_PRELOAD"), preload.toString());
    }
  }

  @Test
  void anAgentStartedAsRootRefusesToRunCommandsAsRootWithoutAllowRoot() throws Exception {
    assertEquals("root", System.getProperty("user.name"), "the tests run as root (the test command installs as root)");
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        BatonClient client = BatonClient.connect(coordinator.target());
        AgentProcess agent = new AgentProcess(work, "rooted", "--allowed-users", "daemon")
            .start(coordinator.target())) {
      Workers.await(client, "rooted", WorkerState.WORKER_STATE_LIVE, WAIT);
      Runs.create(client, argv("plain", "/usr/bin/id", "-u"));
      Run refused = Runs.awaitFinal(client, Runs.trigger(client, "plain").getId(), WAIT);
      assertEquals(RunState.RUN_STATE_FAILED, refused.getState());
      assertTrue(refused.getAttempts(0).getError().contains("would run as root"), refused.toString());
      Runs.create(client, argv("daemon", "/usr/bin/id", "-u").setRunAs("daemon"));
      Run daemon = Runs.awaitSucceeded(client, Runs.trigger(client, "daemon").getId(), WAIT);
      assertEquals("1", Runs.output(client, daemon.getId()).trim());
    }
  }
}
