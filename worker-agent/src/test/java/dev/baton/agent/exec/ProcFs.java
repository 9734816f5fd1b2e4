package dev.baton.agent.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads process groups from /proc, which is always there (procps may not be). */
final class ProcFs {

  private ProcFs() {}

  /** Fields of /proc/PID/stat that the tests look at. */
  record Stat(long pid, char state, long ppid, long pgrp, long session) {

    /** Parses a stat line; the command name may hold spaces and parentheses, so fields start after the last ')'. */
    static Stat parse(String line) {
      long pid = Long.parseLong(line.substring(0, line.indexOf(' ')));
      String[] rest = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
      return new Stat(
          pid,
          rest[0].charAt(0),
          Long.parseLong(rest[1]),
          Long.parseLong(rest[2]),
          Long.parseLong(rest[3]));
    }
  }

  /**
   * Processes of group {@code pgid} that still run. Zombies do not count: they are dead, and in
   * this sandbox pid 1 does not reap orphans, so they would stay forever.
   */
  static List<Stat> liveMembers(long pgid) {
    List<Stat> members = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : dirs) {
        Stat stat;
        try {
          stat = Stat.parse(Files.readString(dir.resolve("stat")));
        } catch (IOException | RuntimeException e) {
          continue; // gone meanwhile
        }
        if (stat.pgrp() == pgid && stat.state() != 'Z' && stat.state() != 'X') {
          members.add(stat);
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return members;
  }

  /** Waits until no process of group {@code pgid} runs; fails with the survivors otherwise. */
  static void awaitGroupGone(long pgid, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    List<Stat> members;
    while (!(members = liveMembers(pgid)).isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("process group " + pgid + " still has " + members);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** SIGKILL to a whole group, for cleaning up after a test. */
  static void killGroup(long pgid) throws IOException, InterruptedException {
    new ProcessBuilder("/bin/sh", "-c", "kill -s KILL -- -" + pgid).inheritIO().start().waitFor();
  }
}
