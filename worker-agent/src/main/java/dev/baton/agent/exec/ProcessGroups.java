package dev.baton.agent.exec;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a signal to a whole process group: kill(2) of {@code -PGID} through JNA ({@link LibC}). Java has
 * no kill(2) for negative pids; where JNA cannot bind the C library this runs {@code kill -s SIG --
 * -PGID}: procps' {@code /bin/kill} when installed, else the {@code /bin/sh} builtin.
 */
final class ProcessGroups {

  private static final Logger log = LoggerFactory.getLogger(ProcessGroups.class);

  /** setsid(1) from util-linux; Debian puts it in /usr/bin (and /bin is a link to /usr). */
  static final List<String> SETSID_CANDIDATES = List.of("/usr/bin/setsid", "/bin/setsid");

  private static final List<String> KILL_CANDIDATES = List.of("/bin/kill", "/usr/bin/kill");

  private final String killBinary;

  ProcessGroups() {
    this.killBinary = firstExecutable(KILL_CANDIDATES);
  }

  /** The setsid(1) binary to start commands through. */
  static String setsid() {
    String setsid = firstExecutable(SETSID_CANDIDATES);
    if (setsid == null) {
      throw new IllegalStateException(
          "setsid(1) not found in " + SETSID_CANDIDATES + ": install util-linux");
    }
    return setsid;
  }

  /**
   * Sends {@code signal} to every process in group {@code pgid} and waits for kill to return.
   *
   * @return true if kill reached the group; false if there is no such group (ESRCH), or kill
   *     could not run
   */
  boolean signalGroup(long pgid, Signal signal) {
    if (pgid <= 1) {
      throw new IllegalArgumentException("not a process group of a job: " + pgid);
    }
    if (LibC.AVAILABLE) {
      try {
        LibC.kill((int) -pgid, signal.number());
        return true;
      } catch (com.sun.jna.LastErrorException e) {
        if (e.getErrorCode() != LibC.ESRCH) {
          log.warn("cannot send SIG{} to process group {}: {}", signal, pgid, e.getMessage());
        }
        return false;
      }
    }
    List<String> command = new ArrayList<>(6);
    if (killBinary != null) {
      command.addAll(List.of(killBinary, "-s", signal.name(), "--", "-" + pgid));
    } else {
      command.addAll(
          List.of(Preflight.SHELL, "-c", "kill -s " + signal.name() + " -- -" + pgid));
    }
    try {
      Process kill =
          new ProcessBuilder(command)
              .redirectInput(Redirect.from(new java.io.File("/dev/null")))
              .redirectOutput(Redirect.DISCARD)
              .redirectError(Redirect.DISCARD)
              .start();
      return kill.waitFor() == 0;
    } catch (IOException e) {
      log.warn("cannot run {} to send SIG{} to process group {}", command, signal, pgid, e);
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("interrupted while sending SIG{} to process group {}", signal, pgid);
      return false;
    }
  }

  private static String firstExecutable(List<String> candidates) {
    for (String candidate : candidates) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }
}
