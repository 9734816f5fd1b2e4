package dev.baton.bench;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Everything the benchmark started, stopped once at the end, on failure and on Ctrl-C alike (a shutdown hook and the
 * main thread's finally both call {@link #run}): processes get SIGTERM, then SIGKILL after 10 s; the work directory
 * is deleted.
 */
final class Cleanup {
  private record Tracked(Process process, String name) {}

  private final List<Tracked> processes = new ArrayList<>();
  private final AtomicBoolean done = new AtomicBoolean();
  private Path workDir;
  private boolean keepWorkDir;

  Cleanup() {
    Runtime.getRuntime().addShutdownHook(new Thread(this::run, "bench-cleanup"));
  }

  /** Whether cleanup has begun (e.g. the shutdown hook of a Ctrl-C or SIGTERM): failures after it are its doing. */
  boolean started() {
    return done.get();
  }

  synchronized void track(Process process, String name) {
    processes.add(new Tracked(process, name));
  }

  synchronized void workDir(Path dir, boolean keep) {
    this.workDir = dir;
    this.keepWorkDir = keep;
  }

  /** Stops every live process, the most recently started first (agents before their coordinator). */
  void run() {
    if (!done.compareAndSet(false, true)) {
      return;
    }
    List<Tracked> live;
    Path dir;
    synchronized (this) {
      live = new ArrayList<>(processes);
      dir = workDir;
    }
    java.util.Collections.reverse(live);
    // Agents first, so that they do not spend the coordinator's last seconds reconnecting; then the rest.
    stop(live.stream().filter(t -> t.name().startsWith("agent")).toList());
    stop(live.stream().filter(t -> !t.name().startsWith("agent")).toList());
    if (dir != null) {
      if (keepWorkDir) {
        System.err.println("[bench] work directory kept: " + dir);
      } else {
        deleteRecursively(dir);
      }
    }
  }

  private static void stop(List<Tracked> group) {
    for (Tracked t : group) {
      if (t.process().isAlive()) {
        t.process().destroy(); // SIGTERM
      }
    }
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    for (Tracked t : group) {
      try {
        long left = end - System.nanoTime();
        if (!t.process().waitFor(Math.max(0, left), TimeUnit.NANOSECONDS)) {
          System.err.println("[bench] " + t.name() + " ignored SIGTERM for 10 s: SIGKILL");
          t.process().destroyForcibly();
          t.process().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        t.process().destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      System.err.println("[bench] could not delete " + dir + ": " + e);
    }
  }
}
