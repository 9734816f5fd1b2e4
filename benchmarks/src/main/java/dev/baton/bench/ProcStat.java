package dev.baton.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** CPU time from /proc: of one process (its own threads, and its reaped children), and of the whole machine. */
final class ProcStat {
  private ProcStat() {}

  /** Clock ticks per second of /proc's times; 100 on every Linux we know of, asked of getconf when it answers. */
  static final double TICKS = clockTicks();

  /**
   * CPU seconds of one process: its own threads, the children it has waited for (their whole lives), and of its
   * own, the JIT compiler threads' (warm-up rather than work; included in {@code self}).
   */
  record Cpu(double self, double children, double jit) {
    Cpu minus(Cpu earlier) {
      return new Cpu(self - earlier.self, children - earlier.children, jit - earlier.jit);
    }

    double total() {
      return self + children;
    }
  }

  /** The process's CPU so far; zeros if it is gone (the phase's figures then show it). */
  static Cpu of(long pid) {
    return read(Path.of("/proc", Long.toString(pid)));
  }

  /**
   * The process and its long-lived helper processes together: an agent and its lifeline reaper (a child that lives
   * as long as the agent, so its CPU never reaches the agent's reaped-children figure).
   */
  static Cpu withHelpers(long pid) {
    Cpu cpu = of(pid);
    for (long helper : helpersOf(pid)) {
      Cpu h = of(helper);
      cpu = new Cpu(cpu.self() + h.total(), cpu.children(), cpu.jit());
    }
    return cpu;
  }

  /** Live children of {@code pid} that run the agent's lifeline reaper. */
  private static List<Long> helpersOf(long pid) {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : proc) {
        try {
          String[] f = fields(Files.readString(dir.resolve("stat")));
          if (Long.parseLong(f[1]) == pid && Files.readString(dir.resolve("cmdline")).contains("declare -A groups")) {
            out.add(Long.parseLong(dir.getFileName().toString()));
          }
        } catch (IOException | RuntimeException gone) {
          // ended while we looked
        }
      }
    } catch (IOException e) {
      // no /proc: no helpers counted
    }
    return out;
  }

  static Cpu self() {
    return read(Path.of("/proc/self"));
  }

  private static Cpu read(Path process) {
    try {
      String[] f = fields(Files.readString(process.resolve("stat")));
      long utime = Long.parseLong(f[11]);
      long stime = Long.parseLong(f[12]);
      long cutime = Long.parseLong(f[13]);
      long cstime = Long.parseLong(f[14]);
      return new Cpu((utime + stime) / TICKS, (cutime + cstime) / TICKS, jit(process));
    } catch (IOException | RuntimeException e) {
      return new Cpu(0, 0, 0);
    }
  }

  /** CPU seconds of the HotSpot compiler threads ("C1 CompilerThre", "C2 CompilerThre") of a process. */
  private static double jit(Path process) throws IOException {
    long ticks = 0;
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
      for (Path task : tasks) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          if (name.contains("CompilerThre")) {
            String[] f = fields(stat);
            ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
          }
        } catch (IOException | RuntimeException gone) {
          // the thread ended meanwhile
        }
      }
    }
    return ticks / TICKS;
  }

  /** The fields after the command name, which is in parentheses and may hold spaces: state (field 3) first. */
  private static String[] fields(String stat) {
    return stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
  }

  /** Busy CPU seconds of the whole machine so far, all cores together (everything but idle and iowait). */
  static double machineBusy() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
        if (line.startsWith("cpu ")) {
          String[] f = line.trim().split("\\s+");
          long busy = 0;
          for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
            if (i != 4 && i != 5) {
              busy += Long.parseLong(f[i]);
            }
          }
          return busy / TICKS;
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return 0;
  }

  private static double clockTicks() {
    try {
      Process p = new ProcessBuilder(List.of("getconf", "CLK_TCK")).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Double.parseDouble(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
