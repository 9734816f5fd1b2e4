package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time from /proc: of one process (its own threads, and its reaped children), and of the whole machine. */
final class ProcStat {
  private ProcStat() {}

  /** Clock ticks per second of /proc's times; 100 on every Linux we know of, asked of getconf when it answers. */
  static final double TICKS = clockTicks();

  /** CPU seconds of one process: its own threads, and the children it has waited for (their whole lives). */
  record Cpu(double self, double children) {
    Cpu minus(Cpu earlier) {
      return new Cpu(self - earlier.self, children - earlier.children);
    }

    double total() {
      return self + children;
    }
  }

  /** The process's CPU so far; zeros if it is gone (the phase's figures then show it). */
  static Cpu of(long pid) {
    return read(Path.of("/proc", Long.toString(pid), "stat"));
  }

  static Cpu self() {
    return read(Path.of("/proc/self/stat"));
  }

  private static Cpu read(Path stat) {
    try {
      String text = Files.readString(stat);
      // The command name is in parentheses and may hold spaces; fields after it start with the state (field 3).
      String[] f = text.substring(text.lastIndexOf(')') + 2).trim().split("\\s+");
      long utime = Long.parseLong(f[11]);
      long stime = Long.parseLong(f[12]);
      long cutime = Long.parseLong(f[13]);
      long cstime = Long.parseLong(f[14]);
      return new Cpu((utime + stime) / TICKS, (cutime + cstime) / TICKS);
    } catch (IOException | RuntimeException e) {
      return new Cpu(0, 0);
    }
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
