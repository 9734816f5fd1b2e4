package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real {@code bin/baton} with its CLI daemon on, as by default: the first call starts a daemon (a JVM of its
 * own, in a session of its own), later calls are answered through it with the caller's working directory,
 * standard input and environment, and {@code baton daemon stop} ends it.
 */
class CliDaemonTest {
  private static final Pattern DAEMON = Pattern.compile("CLI daemon (\\d+) running since .*, (\\d+) commands served");

  @TempDir Path work;

  @Test
  void callsGoThroughTheDaemonAsIfTheyRanHere() throws Exception {
    Path runtime = Files.createDirectory(work.resolve("runtime"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path callerDir = Files.createDirectory(work.resolve("caller"));
    Files.writeString(callerDir.resolve("first.yaml"), "name: first\nschedule: every hour\ncommand:\n"
        + "  shell: \"true\"\n");
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start()) {
      Cli baton = new Cli(coordinator.target(), Files.createDirectories(work.resolve("cli")))
          .withEnv(Map.of("BATON_CLI_DAEMON", "on", "XDG_RUNTIME_DIR", runtime.toString())).in(callerDir);
      try {
        // No daemon yet: this call runs in its own JVM and starts one.
        assertOk(baton.run("job", "apply", "-f", "first.yaml"));
        Deadline.await(Duration.ofSeconds(60), "the CLI daemon to answer", () -> daemonPid(baton).isPresent());

        Cli.Result fromFile = baton.run("job", "apply", "-f", "first.yaml");
        assertOk(fromFile);
        assertTrue(fromFile.stdout().startsWith("updated job first"), fromFile.toString());
        Cli.Result fromStdin = baton.runWithInput("name: second\nschedule: every hour\ncommand:\n"
            + "  shell: \"true\"\n", "job", "apply", "-f", "-");
        assertOk(fromStdin);
        assertEquals("created job second\n", fromStdin.stdout());
        Cli.Result usage = baton.run("job", "frobnicate");
        assertEquals(2, usage.exitCode(), usage.toString());
        assertEquals("", usage.stdout());
        assertTrue(usage.stderr().startsWith("baton: Unmatched argument"), usage.toString());

        Cli.Result list = baton.run("job", "list");
        assertOk(list);
        assertEquals(baton.withEnv(Map.of("BATON_CLI_DAEMON", "off")).run("job", "list").stdout(), list.stdout());
        Cli.Result status = baton.run("daemon", "status");
        Matcher served = DAEMON.matcher(status.stdout());
        assertTrue(served.find(), status.toString());
        assertTrue(Integer.parseInt(served.group(2)) >= 5, "the calls above went through the daemon: " + status);
      } finally {
        Optional<Long> pid = daemonPid(baton);
        assertOk(baton.run("daemon", "stop"));
        pid.flatMap(ProcessHandle::of).ifPresent(daemon -> Deadline.await(Duration.ofSeconds(30),
            "the CLI daemon to end", () -> !daemon.isAlive()));
      }
      assertEquals(3, baton.run("daemon", "status").exitCode());
    }
  }

  private static Optional<Long> daemonPid(Cli baton) {
    try {
      Matcher m = DAEMON.matcher(baton.run("daemon", "status").stdout());
      return m.find() ? Optional.of(Long.parseLong(m.group(1))) : Optional.empty();
    } catch (java.io.IOException | InterruptedException e) {
      return Optional.empty();
    }
  }

  private static void assertOk(Cli.Result r) {
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("", r.stderr(), r.toString());
  }
}
