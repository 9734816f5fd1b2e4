package dev.baton.agent.exec;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process groups this agent is running, in its state directory, so that an agent restarted after a crash finds
 * and kills whatever its previous life left running (if the lifeline reaper could not). Each record keeps the
 * group leader's start time from {@code /proc}, so a process id reused by an unrelated process is never killed.
 *
 * <p>One append-only file, {@code groups.log}: a line {@code +PGID START} when a group starts, {@code -PGID} when it
 * ends; one write(2) each, not a file created and deleted per run. Not synced: the records only have to outlive the
 * agent process (the page cache does), since a crash of the machine ends the runs too. The file is emptied when no
 * group is left and rewritten from the live groups when it grows past {@link #COMPACT_BYTES}.
 */
public final class RunRecords implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RunRecords.class);
  static final String FILE = "groups.log";
  static final long COMPACT_BYTES = 1 << 20;

  private final Path directory;
  private final Path file;
  private final ProcessGroups groups = new ProcessGroups();
  /** Live groups and their leaders' start times, as the file says. Guarded by this. */
  private final Map<Long, String> live = new LinkedHashMap<>();
  private FileChannel out;

  public RunRecords(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
    this.file = directory.resolve(FILE);
  }

  /** The records file: {@code +PGID START} and {@code -PGID} lines ({@link Lifeline}'s reaper reads it too). */
  public Path file() {
    return file;
  }

  /** A run's group started. */
  public void record(long pgid) {
    String start = startTime(pgid).orElse("");
    synchronized (this) {
      live.put(pgid, start);
      append("+" + pgid + " " + start + "\n");
    }
  }

  /** A run's group ended. */
  public synchronized void remove(long pgid) {
    if (live.remove(pgid) == null) {
      return;
    }
    append("-" + pgid + "\n");
    try {
      if (live.isEmpty()) {
        out.truncate(0);
      } else if (out.size() > COMPACT_BYTES) {
        compact();
      }
    } catch (IOException e) {
      log.warn("cannot shorten {}: {}", file, e.getMessage());
    }
  }

  /** Kills every recorded group that still has live processes from before; clears the records. Returns how many. */
  public synchronized int killLeftovers() {
    int killed = 0;
    for (Map.Entry<Long, String> group : recorded().entrySet()) {
      long pgid = group.getKey();
      Optional<String> now = startTime(pgid);
      // The leader may be gone while its children live on: the group id stays reserved for them, so members
      // found with that group are ours. A live leader must be the one recorded, not a reused pid.
      boolean ours = now.isPresent() ? now.get().equals(group.getValue()) : hasLiveMembers(pgid);
      if (ours && groups.signalGroup(pgid, Signal.KILL)) {
        killed++;
        log.warn("killed process group {} left running by a previous agent", pgid);
      }
    }
    live.clear();
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot clear {}: {}", file, e.getMessage());
    }
    return killed;
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        // nothing to do
      }
      out = null;
    }
  }

  /** What the file (and the one-file-per-group records of agents before it) says was running. */
  private Map<Long, String> recorded() {
    Map<Long, String> groups = new LinkedHashMap<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.matches("\\d+")) { // an older agent's record: the file name is the group, its content the start
          groups.put(Long.parseLong(name), Files.readString(f).trim());
          Files.deleteIfExists(f);
        }
      }
      if (Files.exists(file)) {
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
          String[] parts = line.substring(Math.min(1, line.length())).split(" ", 2);
          try {
            if (line.startsWith("+")) {
              groups.put(Long.parseLong(parts[0]), parts.length > 1 ? parts[1] : "");
            } else if (line.startsWith("-")) {
              groups.remove(Long.parseLong(parts[0]));
            }
          } catch (NumberFormatException torn) {
            // a line cut short by the crash: the group it names was not recorded as started, or already ended
          }
        }
      }
    } catch (IOException e) {
      log.warn("cannot read the run records in {}: {}", directory, e.getMessage());
    }
    return groups;
  }

  private void append(String line) {
    try {
      if (out == null) {
        out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
      }
      ByteBuffer bytes = ByteBuffer.wrap(line.getBytes(StandardCharsets.US_ASCII));
      while (bytes.hasRemaining()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      log.warn("cannot record in {}: {}", file, e.getMessage());
    }
  }

  /** Rewrites the file with the live groups only (a new file renamed over it: never a moment without them). */
  private void compact() throws IOException {
    Path temp = directory.resolve(FILE + ".tmp");
    StringBuilder text = new StringBuilder();
    live.forEach((pgid, start) -> text.append('+').append(pgid).append(' ').append(start).append('\n'));
    Files.writeString(temp, text, StandardCharsets.US_ASCII);
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    out.close();
    out = null;
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

  /**
   * Field 22 of /proc/PID/stat: the process's start time in clock ticks since boot. Read once per run, so with one
   * read(2) into a small buffer and a scan for the field, not a whole-file read split into fifty strings.
   */
  static Optional<String> startTime(long pid) {
    byte[] stat = new byte[STAT_BYTES];
    int length;
    try (FileInputStream in = new FileInputStream("/proc/" + pid + "/stat")) {
      length = in.readNBytes(stat, 0, stat.length);
    } catch (IOException gone) {
      return Optional.empty();
    }
    int at = length - 1;
    while (at >= 0 && stat[at] != ')') { // the command name, in parentheses, may hold spaces and ')'
      at--;
    }
    // After ") ": state is field 3; the start time is field 22, 19 spaces further on.
    int start = at + 2;
    for (int spaces = 0; spaces < 19 && start < length; start++) {
      if (stat[start] == ' ') {
        spaces++;
      }
    }
    int end = start;
    while (end < length && stat[end] >= '0' && stat[end] <= '9') {
      end++;
    }
    return at < 0 || end == start ? Optional.empty()
        : Optional.of(new String(stat, start, end - start, StandardCharsets.US_ASCII));
  }

  /** Enough of /proc/PID/stat for field 22: a name of at most 15 bytes, then 21 fields of at most 21 bytes each. */
  private static final int STAT_BYTES = 1024;

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
