package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 3's "done when", through the real bin/baton with a real bin/baton-agent attached. */
class AgentCliTest {
  @TempDir Path work;

  @Test
  void triggerWaitRunsTheCommandAndItsLogsSayHi() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "cli-agent", "--slots", "2").start(coordinator.target())) {
      Cli baton = new Cli(coordinator.target(), Files.createDirectories(work.resolve("cli")));
      Deadline.await(Duration.ofSeconds(30), "the agent in worker list", () -> {
        try {
          return baton.run("worker", "list").stdout().contains("cli-agent");
        } catch (Exception e) {
          return false;
        }
      });

      assertEquals(0, baton.run("job", "create", "j", "--shell", "echo hi").exitCode());
      Cli.Result wait = baton.run("job", "trigger", "j", "--wait");
      assertEquals(0, wait.exitCode(), wait.toString());
      String runId = wait.stdout().lines().findFirst().orElseThrow().trim();
      assertTrue(wait.stdout().contains("run " + runId + " succeeded"), wait.toString());

      Cli.Result logs = baton.run("run", "logs", runId);
      assertEquals(0, logs.exitCode(), logs.toString());
      assertEquals("hi\n", logs.stdout());

      assertEquals(0, baton.run("job", "create", "bad", "--shell", "exit 4").exitCode());
      Cli.Result failed = baton.run("job", "trigger", "bad", "--wait");
      assertEquals(1, failed.exitCode(), failed.toString());
      assertTrue(failed.stderr().contains("exit code 4"), failed.toString());
      assertEquals(1, failed.stderr().strip().lines().count(), failed.toString());
    }
  }
}
