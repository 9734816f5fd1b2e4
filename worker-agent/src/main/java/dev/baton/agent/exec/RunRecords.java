package dev.baton.agent.exec;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file per running process group in the agent's state directory, so that an agent restarted after a crash finds
 * and kills whatever its previous life left running (if the lifeline reaper could not). Each record keeps the
 * group leader's start time from {@code /proc}, so a process id reused by an unrelated process is never killed.
 */
public final class RunRecords {
  private static final Logger log = LoggerFactory.getLogger(RunRecords.class);

  private final Path directory;
  private final ProcessGroups groups = new ProcessGroups();

  public RunRecords(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
  }

  /** A run's group started. */
  public void record(long pgid) {
    try {
      Files.writeString(directory.resolve(Long.toString(pgid)), startTime(pgid).orElse(""));
    } catch (IOException e) {
      log.warn("cannot record process group {}: {}", pgid, e.getMessage());
    }
  }

  /** A run's group ended. */
  public void remove(long pgid) {
    try {
      Files.deleteIfExists(directory.resolve(Long.toString(pgid)));
    } catch (IOException e) {
      log.warn("cannot remove the record of process group {}: {}", pgid, e.getMessage());
    }
  }

  /** Kills every recorded group that still has live processes from before; clears the records. Returns how many. */
  public int killLeftovers() {
    int killed = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path file : files) {
        long pgid;
        try {
          pgid = Long.parseLong(file.getFileName().toString());
        } catch (NumberFormatException e) {
          continue;
        }
        String recorded = Files.readString(file).trim();
        Optional<String> now = startTime(pgid);
        // The leader may be gone while its children live on: the group id stays reserved for them, so members
        // found with that group are ours. A live leader must be the one recorded, not a reused pid.
        boolean ours = now.isPresent() ? now.get().equals(recorded) : hasLiveMembers(pgid);
        if (ours && groups.signalGroup(pgid, Signal.KILL)) {
          killed++;
          log.warn("killed process group {} left running by a previous agent", pgid);
        }
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      log.warn("cannot read the run records in {}: {}", directory, e.getMessage());
    }
    return killed;
  }

  /** Whether any live (not zombie) process belongs to group {@code pgid}. */
  static boolean hasLiveMembers(long pgid) {
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : proc) {
        Optional<String[]> stat = statFields(dir.getFileName().toString());
        if (stat.isPresent() && !stat.get()[0].equals("Z") && stat.get()[2].equals(Long.toString(pgid))) {
          return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  /** Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. */
  static Optional<String> startTime(long pid) {
    return statFields(Long.toString(pid)).map(fields -> fields[19]);
  }

  /**
   * The fields of /proc/PID/stat after the command name (which is in parentheses and may hold spaces): state,
   * ppid, pgrp, ... Empty if the process is gone.
   */
  private static Optional<String[]> statFields(String pid) {
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      return Optional.of(stat.substring(stat.lastIndexOf(')') + 2).split(" "));
    } catch (IOException | RuntimeException gone) {
      return Optional.empty();
    }
  }
}
