package dev.baton.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** What the report says about the machine, from /proc and the JVM. */
final class Machine {
  private Machine() {}

  /** "AMD EPYC, nproc 2, 23.5 GiB memory, OpenJDK 64-Bit Server VM 17.0.15+6-Debian-1deb12u1". */
  static String describe() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException e) {
      // keep "unknown CPU"
    }
    String memory = "unknown memory";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          memory = String.format(Locale.ROOT, "%.1f GiB memory", kib / 1024.0 / 1024.0);
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // keep "unknown memory"
    }
    String java = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    return cpu + ", nproc " + Runtime.getRuntime().availableProcessors() + ", " + memory + ", " + java
        + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version");
  }

  /** The 1-, 5- and 15-minute load averages. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " / " + f[1] + " / " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }


}
