package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.it.fixture.BatonHome;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Processes;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's quickstart, started as a person starts it in a terminal, with its output going through a pipe
 * ({@code | tee}): Ctrl-C (SIGINT to the terminal's whole process group, the pipe's reader included) stops the
 * coordinator and the agent it started; nothing is left behind.
 */
class QuickstartTest {
  @TempDir Path dir;

  @Test
  void ctrlCStopsEverythingItStartedEvenWhenItsOutputGoesThroughAPipe() throws Exception {
    Path out = dir.resolve("quickstart.out");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    // A session of its own, as a terminal gives, and every signal at its default as in a terminal (a test's
    // processes may inherit SIGINT or SIGPIPE ignored, which a script cannot undo).
    ProcessBuilder terminal = new ProcessBuilder("setsid", "env", "--default-signal", "bash", "-c",
        BatonHome.launcher("baton-quickstart") + " 2>&1 | cat > " + out)
        .directory(BatonHome.root().toFile())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("terminal.log").toFile());
    terminal.environment().put("BATON_QUICKSTART_PORT", Integer.toString(port));
    terminal.environment().put("BATON_QUICKSTART_HTTP", Integer.toString(twoFreePorts()));
    terminal.environment().put("BATON_QUICKSTART_DATA", dir.resolve("data").toString());
    // Its bin/baton calls start a CLI daemon (in a session of its own, so Ctrl-C does not reach it, as it should
    // not): in a runtime directory of this test's, and stopped at the end.
    Path runtime = java.nio.file.Files.createDirectory(dir.resolve("runtime"),
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
    terminal.environment().put("XDG_RUNTIME_DIR", runtime.toString());
    Process session = terminal.start();
    long group = session.pid(); // setsid execs in place: the session's first process leads its group
    try {
      Deadline.await(Duration.ofMinutes(3), "the quickstart to be up", () -> read(out).contains("Ctrl-C stops"));
      assertTrue(Processes.inGroup(group).size() >= 4, "script, pipe reader, coordinator, agent: "
          + Processes.inGroup(group));

      new ProcessBuilder("kill", "-INT", "--", "-" + group).inheritIO().start().waitFor();

      Deadline.await(Duration.ofSeconds(60), "every process the quickstart started to stop",
          () -> Processes.inGroup(group).isEmpty());
    } finally {
      List<Long> left = Processes.inGroup(group);
      if (!left.isEmpty()) {
        new ProcessBuilder("kill", "-KILL", "--", "-" + group).inheritIO().start().waitFor();
      }
      ProcessBuilder stopDaemon = new ProcessBuilder(BatonHome.launcher("baton").toString(), "daemon", "stop")
          .redirectErrorStream(true).redirectOutput(dir.resolve("daemon-stop.log").toFile());
      stopDaemon.environment().put("XDG_RUNTIME_DIR", runtime.toString());
      stopDaemon.start().waitFor();
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** A free port whose next port is free too (the quickstart's coordinator and agent HTTP ports). */
  private static int twoFreePorts() throws java.io.IOException {
    for (int tries = 0; tries < 50; tries++) {
      try (ServerSocket first = new ServerSocket(0)) {
        int port = first.getLocalPort();
        if (port < 65535) {
          try (ServerSocket next = new ServerSocket(port + 1)) {
            return port;
          } catch (java.io.IOException taken) {
            // try another
          }
        }
      }
    }
    throw new IllegalStateException("no two free ports in a row");
  }
}
