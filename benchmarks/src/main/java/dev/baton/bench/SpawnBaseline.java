package dev.baton.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The baseline every throughput figure is divided by: raw {@code ProcessBuilder} spawns of a command, each waited
 * for, from {@code concurrency} threads. Measured in this JVM (its launch mechanism) or in a child JVM started with
 * another one.
 */
final class SpawnBaseline {
  static final String LAUNCH_PROPERTY = "jdk.lang.Process.launchMechanism";
  /** How a child JVM hands back one measurement on its stdout. */
  private static final String LINE = "BASELINE";

  private SpawnBaseline() {}

  /**
   * One measurement.
   *
   * @param mechanism the launch mechanism of the JVM that measured it
   * @param cpuPerSpawnMs CPU per spawn, milliseconds: the measuring JVM and its children together
   */
  record Result(String command, String mechanism, int concurrency, int count, double seconds, double perSecond,
      double cpuPerSpawnMs, double childCpuPerSpawnMs) {
    String toLine() {
      return String.join("\t", LINE, command, mechanism, Integer.toString(concurrency), Integer.toString(count),
          Double.toString(seconds), Double.toString(perSecond), Double.toString(cpuPerSpawnMs),
          Double.toString(childCpuPerSpawnMs));
    }

    static Result parse(String line) {
      String[] f = line.split("\t");
      return new Result(f[1], f[2], Integer.parseInt(f[3]), Integer.parseInt(f[4]), Double.parseDouble(f[5]),
          Double.parseDouble(f[6]), Double.parseDouble(f[7]), Double.parseDouble(f[8]));
    }
  }

  /** This JVM's launch mechanism as a name; Linux's JDK 17 default is POSIX_SPAWN. */
  static String mechanism() {
    String set = System.getProperty(LAUNCH_PROPERTY);
    return set == null || set.isBlank() ? "POSIX_SPAWN" : set.toUpperCase(Locale.ROOT);
  }

  /** Spawns {@code warmup} times (not counted), then {@code count} times, measured. */
  static Result measure(List<String> command, int concurrency, int warmup, int count) throws Exception {
    spawn(command, concurrency, warmup);
    ProcStat.Cpu before = ProcStat.self();
    long t0 = System.nanoTime();
    spawn(command, concurrency, count);
    double seconds = (System.nanoTime() - t0) / 1e9;
    ProcStat.Cpu used = ProcStat.self().minus(before);
    return new Result(String.join(" ", command), mechanism(), concurrency, count, seconds, count / seconds,
        used.total() * 1000 / count, used.children() * 1000 / count);
  }

  private static void spawn(List<String> command, int concurrency, int count) throws Exception {
    AtomicInteger left = new AtomicInteger(count);
    AtomicReference<Exception> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
          while (failure.get() == null && left.getAndDecrement() > 0) {
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            int exit = p.waitFor();
            p.getInputStream().close();
            p.getErrorStream().close();
            if (exit != 0) {
              throw new IllegalStateException(String.join(" ", command) + " exited " + exit);
            }
          }
        } catch (Exception e) {
          failure.compareAndSet(null, e);
        }
      }, "spawn-" + t);
      thread.start();
      threads.add(thread);
    }
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  /** {@code --baseline-only}: measures and prints one line per command for the parent JVM. */
  static void runChildMode(int concurrency, int warmup, int count, List<List<String>> commands) throws Exception {
    for (List<String> command : commands) {
      System.out.println(measure(command, concurrency, warmup, count).toLine());
      System.out.flush();
    }
  }

  /**
   * Runs the baseline in a child JVM with {@code -Djdk.lang.Process.launchMechanism=mechanism}: same classpath, same
   * code, same run.
   */
  static List<Result> inChildJvm(String mechanism, int concurrency, int warmup, int count, List<String> commands,
      Cleanup cleanup) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> argv = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-D" + LAUNCH_PROPERTY + "=" + mechanism,
        "-cp", System.getProperty("java.class.path"), Main.class.getName(), "--baseline-only",
        "--concurrency", Integer.toString(concurrency), "--warmup", Integer.toString(warmup),
        "--count", Integer.toString(count)));
    for (String command : commands) {
      argv.add("--command");
      argv.add(command);
    }
    Process child = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    cleanup.track(child, "baseline JVM (" + mechanism + ")");
    List<Result> results = new ArrayList<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith(LINE + "\t")) {
          results.add(Result.parse(line));
        }
      }
    }
    if (!child.waitFor(10, TimeUnit.MINUTES)) {
      child.destroyForcibly();
      throw new IllegalStateException("baseline JVM (" + mechanism + ") did not finish");
    }
    if (child.exitValue() != 0 || results.size() != commands.size()) {
      throw new IllegalStateException("baseline JVM (" + mechanism + ") exited " + child.exitValue() + " with "
          + results.size() + " of " + commands.size() + " results");
    }
    if (!results.get(0).mechanism().equals(mechanism)) {
      throw new IllegalStateException("baseline JVM ran with " + results.get(0).mechanism() + ", not " + mechanism);
    }
    return results;
  }

  /** setsid(1), through which the agent starts every command, or null if this machine has none. */
  static String setsid() {
    for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }
}
