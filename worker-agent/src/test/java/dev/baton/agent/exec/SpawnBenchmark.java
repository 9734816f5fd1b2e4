package dev.baton.agent.exec;

import dev.baton.proto.v1.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures end-to-end runs/s of {@code /bin/true}: raw {@code ProcessBuilder.start().waitFor()}
 * against {@link ProcessRunner} (spawn through setsid, two pipe readers, exit watch, result). Not
 * a test: run it by hand, once per launch mechanism, e.g.
 *
 * <pre>
 * java [-Djdk.lang.Process.launchMechanism=VFORK] -cp CLASSPATH \
 *     dev.baton.agent.exec.SpawnBenchmark [threads=2] [seconds=5] [name filter]
 * </pre>
 */
public final class SpawnBenchmark {

  private interface Job {
    void run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int threads = args.length > 0 ? Integer.parseInt(args[0]) : 2;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    String only = args.length > 2 ? args[2] : "";
    System.out.printf(
        "launchMechanism=%s threads=%d seconds=%d cpus=%d%n",
        System.getProperty("jdk.lang.Process.launchMechanism", "default(POSIX_SPAWN)"),
        threads,
        seconds,
        Runtime.getRuntime().availableProcessors());

    Map<String, String> batonEnv =
        Map.of(
            "BATON_JOB", "bench",
            "BATON_RUN_ID", "0123456789abcdef",
            "BATON_ATTEMPT", "1",
            "BATON_WAVE_ID", "",
            "BATON_SCHEDULED_TIME", "2025-01-01T00:00:00Z",
            "BATON_EPOCH", "7");
    try (ProcessRunner runner = new ProcessRunner(Clock.systemUTC())) {
      Job raw = () -> new ProcessBuilder("/bin/true").start().waitFor();
      Job rawSetsid = () -> new ProcessBuilder("/usr/bin/setsid", "--", "/bin/true").start().waitFor();
      Job bare = () -> runOnce(runner, Map.of(), Duration.ZERO);
      Job full = () -> runOnce(runner, batonEnv, Duration.ofHours(1));
      for (int round = 0; round < 2; round++) {
        measure("raw ProcessBuilder /bin/true", raw, threads, seconds, only);
        measure("raw ProcessBuilder setsid /bin/true", rawSetsid, threads, seconds, only);
        measure("ProcessRunner /bin/true", bare, threads, seconds, only);
        measure("ProcessRunner /bin/true +6 env +timeout", full, threads, seconds, only);
      }
    }
  }

  private static void runOnce(ProcessRunner runner, Map<String, String> env, Duration timeout)
      throws Exception {
    CompletableFuture<ExecResult> done = new CompletableFuture<>();
    runner.start(
        new LaunchSpec(
            "bench", 1, ProcessRunnerTest.argv("/bin/true"), env, null, timeout,
            Duration.ofSeconds(1), 1 << 20),
        new ProcessListener() {
          @Override
          public void started(long pid, Instant at) {}

          @Override
          public void output(OutputStream stream, long offset, byte[] data) {}

          @Override
          public void finished(ExecResult result) {
            done.complete(result);
          }
        });
    ExecResult result = done.get();
    if (result.exitCode().orElse(-1) != 0) {
      throw new IllegalStateException("unexpected " + result);
    }
  }

  private static void measure(String name, Job job, int threads, int seconds, String only)
      throws Exception {
    if (!name.contains(only)) {
      return;
    }
    // Warm-up, then the measured interval.
    runFor(job, threads, Duration.ofSeconds(1));
    long cpu0 = jvmCpuNanos();
    long children0 = childrenCpuTicks();
    long t0 = System.nanoTime();
    long runs = runFor(job, threads, Duration.ofSeconds(seconds));
    double elapsed = (System.nanoTime() - t0) / 1e9;
    double jvmCpuMs = (jvmCpuNanos() - cpu0) / 1e6 / runs;
    double childCpuMs = (childrenCpuTicks() - children0) * 10.0 / runs;
    System.out.printf(
        "%-42s %7.0f runs/s   CPU per run: JVM %.2f ms, children %.2f ms%n",
        name, runs / elapsed, jvmCpuMs, childCpuMs);
  }

  private static long runFor(Job job, int threads, Duration duration) throws Exception {
    long deadline = System.nanoTime() + duration.toNanos();
    AtomicLong count = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Thread worker =
          new Thread(
              () -> {
                try {
                  while (System.nanoTime() < deadline) {
                    job.run();
                    count.incrementAndGet();
                  }
                } catch (Exception e) {
                  synchronized (errors) {
                    errors.add(e);
                  }
                }
              },
              "bench-" + i);
      worker.start();
      workers.add(worker);
    }
    for (Thread worker : workers) {
      worker.join();
    }
    if (!errors.isEmpty()) {
      throw new IllegalStateException("benchmark failed", errors.get(0));
    }
    return count.get();
  }

  private static long jvmCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** cutime + cstime of this JVM: CPU of reaped children, in clock ticks (1/100 s). */
  private static long childrenCpuTicks() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[13]) + Long.parseLong(f[14]);
  }
}
