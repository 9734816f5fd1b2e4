package dev.baton.bench;

import static dev.baton.bench.Main.log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How quickly {@code bin/baton} answers, as a person or a script calls it: the median wall time of
 * {@link #CALLS} calls of each command, from fork to exit, against {@code /bin/true} and a bare {@code java
 * -version} measured in the same run. Calls go through this user's CLI daemon (in a runtime directory of the
 * bench's own, stopped at the end), as they do by default; a few calls with {@code BATON_CLI_DAEMON=off} show what
 * a JVM of its own costs.
 */
final class CliBench {
  static final double TARGET_MS = 300;
  static final int CALLS = 10;
  private static final int CALLS_WITHOUT_DAEMON = 3;
  /** Calls made before measuring, so that the daemon has loaded and compiled what a call needs. */
  private static final int WARM_UP_CALLS = 30;

  /** Median milliseconds, by what was called. */
  record Figures(double trueMs, double javaVersionMs, Map<String, Double> throughDaemon,
      Map<String, Double> withoutDaemon) {}

  private final Path baton;
  private final Map<String, String> env = new LinkedHashMap<>();

  private CliBench(Path root, String target, Path work) throws IOException {
    this.baton = root.resolve("bin/baton");
    Path runtime = Files.createDirectories(work.resolve("cli-runtime"));
    Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
    env.put("BATON_COORDINATOR", target);
    env.put("XDG_RUNTIME_DIR", runtime.toString());
  }

  /**
   * @param target the coordinator
   * @param runId a run that exists, for {@code run get}
   * @param work where the daemon's runtime directory goes
   */
  static Figures measure(Path root, String target, String runId, Path work) throws IOException,
      InterruptedException {
    return new CliBench(root, target, work).measure(runId);
  }

  private Figures measure(String runId) throws IOException, InterruptedException {
    List<List<String>> commands = List.of(List.of("job", "list"), List.of("run", "get", runId), List.of("--help"));
    try {
      log("CLI: starting the CLI daemon and warming it up (" + WARM_UP_CALLS + " calls)");
      checked(baton(List.of("job", "list")), Map.of()); // starts the daemon
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (run(baton(List.of("daemon", "status")), Map.of()) != 0) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the CLI daemon did not start within 60 s");
        }
        Thread.sleep(100);
      }
      for (int i = 0; i < WARM_UP_CALLS; i++) {
        checked(baton(commands.get(i % commands.size())), Map.of());
      }
      log("CLI: " + CALLS + " calls of each, through the daemon, and of /bin/true and java -version");
      double trueMs = median(List.of("/bin/true"), Map.of(), CALLS);
      double javaMs = median(List.of(java(), "-version"), Map.of(), CALLS);
      Map<String, Double> throughDaemon = new LinkedHashMap<>();
      for (List<String> command : commands) {
        throughDaemon.put(String.join(" ", command), median(baton(command), Map.of(), CALLS));
      }
      log("CLI: " + CALLS_WITHOUT_DAEMON + " calls of each with BATON_CLI_DAEMON=off");
      Map<String, Double> withoutDaemon = new LinkedHashMap<>();
      for (List<String> command : commands) {
        withoutDaemon.put(String.join(" ", command), median(baton(command), Map.of("BATON_CLI_DAEMON", "off"),
            CALLS_WITHOUT_DAEMON));
      }
      return new Figures(trueMs, javaMs, throughDaemon, withoutDaemon);
    } finally {
      run(baton(List.of("daemon", "stop")), Map.of());
    }
  }

  /** The java that bin/baton runs: the first on PATH. */
  private static String java() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "java");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return "java";
  }

  /** Median wall time of {@code calls} runs of {@code command}, each of which must exit 0. */
  private double median(List<String> command, Map<String, String> more, int calls) throws IOException,
      InterruptedException {
    double[] ms = new double[calls];
    for (int i = 0; i < calls; i++) {
      long start = System.nanoTime();
      checked(command, more);
      ms[i] = (System.nanoTime() - start) / 1e6;
    }
    return median(ms);
  }

  /** {@code bin/baton} with these arguments. */
  private List<String> baton(List<String> args) {
    List<String> command = new ArrayList<>(List.of(baton.toString()));
    command.addAll(args);
    return command;
  }

  private void checked(List<String> command, Map<String, String> more) throws IOException, InterruptedException {
    int code = run(command, more);
    if (code != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + code);
    }
  }

  private int run(List<String> command, Map<String, String> more) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().putAll(env);
    builder.environment().putAll(more);
    Process process = builder.start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not end within 60 s");
    }
    return process.exitValue();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The figures as rows of the report's table: figure, measured, target, verdict. */
  static List<String[]> rows(Figures f) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"baseline: `/bin/true`, median of " + CALLS, ms(f.trueMs()), "—", "—"});
    rows.add(new String[] {"baseline: a bare JVM, `java -version`, median of " + CALLS, ms(f.javaVersionMs()), "—",
        "—"});
    f.throughDaemon().forEach((command, median) -> rows.add(new String[] {"**`baton " + command + "`**, median of "
        + CALLS + " (through the CLI daemon)", ms(median), "≤ 300 ms", median <= TARGET_MS ? "meets" : "**misses**"}));
    f.withoutDaemon().forEach((command, median) -> rows.add(new String[] {"info: `baton " + command
        + "` with BATON_CLI_DAEMON=off (a JVM of its own), median of " + CALLS_WITHOUT_DAEMON, ms(median), "—",
        "—"}));
    return rows;
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.0f ms", v);
  }
}
