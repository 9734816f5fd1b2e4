package dev.baton.bench;

import static dev.baton.bench.Main.fmt0;
import static dev.baton.bench.Main.fmt2;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bin/baton-bench --scale}: the figures of DESIGN.md section 10 that need many jobs.
 *
 * <ol>
 *   <li>Schedule lag with N cron jobs (default 100,000), each ticking once a minute, spread over the minute (job i
 *       at second i mod 60): every job's run of one whole minute is found and its lag, tick → queued (the run's
 *       create time minus its scheduled time; 0 for a tick decided ahead, which was queued before its time and held
 *       until then), measured. No agent is connected, so the runs only queue: the figure
 *       is the scheduler's, not the machine's spawn rate. The machine's fsync rate is measured in the same run, as
 *       the baseline the lag depends on.
 *   <li>Restart with M job definitions (default 1,000,000): the coordinator is stopped and started again; the time
 *       from the launch to serving, and to dispatching (a probe run assigned and finished by an agent), and the heap
 *       in use after the restart.
 * </ol>
 */
final class ScaleBench {
  private static final int CLIENT_THREADS = 16;

  /** What was measured. */
  static final class Figures {
    double fsyncPerSecond;
    int cronJobs;
    double cronCreatePerSecond;
    int ticksExpected;
    int ticksFound;
    int ticksLate; // created after the end of their minute
    int ticksAhead; // decided ahead: created before their time, held in the queue until then
    long leastAheadMillis = Long.MAX_VALUE; // the shortest time a tick was decided before its time
    Main.Percentiles lag;
    double restartWithCronSeconds;
    int definitions;
    double definitionsCreatePerSecond;
    double restartToServingSeconds;
    double restartToDispatchingSeconds;
    long heapUsedBytes;
    long heapMaxBytes;
    long rssBytes;
  }

  private final Cluster cluster;
  private final Path work;

  ScaleBench(Cluster cluster, Path work) {
    this.cluster = cluster;
    this.work = work;
  }

  /** Synced 200-byte appends per second on the work directory's disk, over {@code seconds}. */
  static double fsyncRate(Path dir, double seconds) throws IOException {
    Path file = dir.resolve("fsync-probe");
    ByteBuffer record = ByteBuffer.allocate(200);
    long count = 0;
    long end = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      while (System.nanoTime() < end) {
        record.clear();
        out.write(record);
        out.force(false);
        count++;
      }
    }
    double rate = count / ((System.nanoTime() - start) / 1e9);
    Files.delete(file);
    return rate;
  }

  void scheduleLag(BatonClient client, int jobs, Figures f) throws Exception {
    f.cronJobs = jobs;
    f.fsyncPerSecond = fsyncRate(work, 3);
    Main.log("fsync baseline: " + fmt0(f.fsyncPerSecond) + " synced appends/s");
    Main.log("creating " + fmt0(jobs) + " cron jobs, each once a minute at second (i mod 60)");
    long start = System.nanoTime();
    createJobs(client, jobs, i -> Job.newBuilder().setName("cron-" + i)
        .setSchedule((i % 60) + " * * * * ?")
        .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
        .setCommand(Command.newBuilder().setShell("true")));
    f.cronCreatePerSecond = jobs / ((System.nanoTime() - start) / 1e9);
    Main.log("  " + fmt0(f.cronCreatePerSecond) + " jobs/s (while the created jobs already tick)");

    // One whole minute, starting at the next full minute after a minute of warm-up.
    Instant minute = ZonedDateTime.now(ZoneOffset.UTC).withSecond(0).withNano(0).plusMinutes(2).toInstant();
    Instant end = minute.plusSeconds(60);
    Main.log("measuring the ticks of " + minute + " to " + end);
    sleepUntil(end.plusSeconds(10));
    Map<String, Run> byJob = new HashMap<>();
    List<Long> lags = new ArrayList<>();
    String token = "";
    // Newest first: page until the runs are older than the minute.
    outer:
    while (true) {
      ListRunsResponse page = client.runs().listRuns(ListRunsRequest.newBuilder().setPageSize(1000)
          .setPageToken(token).build());
      for (Run run : page.getRunsList()) {
        Instant scheduled = Times.toInstant(run.getScheduledTime());
        if (Times.toInstant(run.getCreateTime()).isBefore(minute.minusSeconds(30))) {
          break outer;
        }
        if (!run.getJob().startsWith("cron-") || scheduled.isBefore(minute) || !scheduled.isBefore(end)) {
          continue;
        }
        if (byJob.put(run.getJob(), run) == null) {
          Instant created = Times.toInstant(run.getCreateTime());
          // A tick decided ahead was durably queued before its time and held until then: its lag is 0.
          lags.add(Math.max(0, Duration.between(scheduled, created).toNanos()));
          if (created.isBefore(scheduled)) {
            f.ticksAhead++;
            f.leastAheadMillis = Math.min(f.leastAheadMillis, Duration.between(created, scheduled).toMillis());
          }
          if (!created.isBefore(end)) {
            f.ticksLate++;
          }
        }
      }
      if (page.getNextPageToken().isEmpty()) {
        break;
      }
      token = page.getNextPageToken();
    }
    f.ticksExpected = jobs;
    f.ticksFound = byJob.size();
    f.lag = Main.Percentiles.of(lags.stream().mapToLong(Long::longValue).toArray());
    Main.log("  " + fmt0(f.ticksFound) + " of " + fmt0(jobs) + " ticks found, " + fmt0(f.ticksAhead)
        + " decided ahead; lag " + f.lag);

    f.restartWithCronSeconds = cluster.restartCoordinator() / 1e9;
    Main.log("restart with " + fmt0(jobs) + " cron jobs and their runs: serving after "
        + fmt2(f.restartWithCronSeconds) + " s");
  }

  void manyDefinitions(int definitions, int agentSlots, Figures f) throws Exception {
    f.definitions = definitions;
    if (f.fsyncPerSecond == 0) { // not measured yet: the schedule-lag phase was skipped
      f.fsyncPerSecond = fsyncRate(work, 3);
    }
    // A daily cron 12 hours away: a real schedule in the index that does not tick while this runs.
    ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).plusHours(12);
    String schedule = at.getMinute() + " " + at.getHour() + " * * *";
    try (BatonClient client = BatonClient.connect(cluster.target())) {
      Main.log("creating " + fmt0(definitions) + " job definitions (schedule \"" + schedule + "\")");
      long start = System.nanoTime();
      AtomicInteger progress = new AtomicInteger();
      createJobs(client, definitions, i -> {
        if (progress.incrementAndGet() % 100_000 == 0) {
          Main.log("  " + fmt0(progress.get()) + " created");
        }
        return Job.newBuilder().setName("def-" + i).setSchedule(schedule)
            .setCommand(Command.newBuilder().setShell("true"));
      });
      f.definitionsCreatePerSecond = definitions / ((System.nanoTime() - start) / 1e9);
      Main.log("  " + fmt0(f.definitionsCreatePerSecond) + " jobs/s");
      client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName("probe")
          .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
          .setCommand(Command.newBuilder().setShell("true"))).build());
    }
    cluster.startAgent("scale", agentSlots);

    long launched = System.nanoTime(); // the restart's SIGTERM and stop are a few ms; counted, to be safe
    f.restartToServingSeconds = cluster.restartCoordinator() / 1e9;
    try (BatonClient client = BatonClient.connect(cluster.target())) {
      // Dispatching: the agent reconnects by itself; a probe run must be assigned and finished.
      String id = client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName("probe").build()).getRun().getId();
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        Run run = client.runs().getRun(dev.baton.proto.v1.GetRunRequest.newBuilder().setId(id).build());
        if (run.getState() == RunState.RUN_STATE_SUCCEEDED) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the probe run did not succeed within 60 s of the restart: " + run);
        }
        Thread.sleep(5);
      }
      f.restartToDispatchingSeconds = (System.nanoTime() - launched) / 1e9;
      client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    }
    long pid = cluster.coordinator().pid();
    long[] heap = heapAfterGc(pid);
    f.heapUsedBytes = heap[0];
    f.heapMaxBytes = heap[1];
    f.rssBytes = rss(pid);
    Main.log("restart with " + fmt0(definitions) + " definitions: serving after " + fmt2(f.restartToServingSeconds)
        + " s, dispatching after " + fmt2(f.restartToDispatchingSeconds) + " s; heap in use after a full GC "
        + (f.heapUsedBytes >> 20) + " MiB of " + (f.heapMaxBytes >> 20) + " MiB; RSS " + (f.rssBytes >> 20) + " MiB");
  }

  /** Creates {@code count} jobs from {@link #CLIENT_THREADS} threads, each with its own channel. */
  private void createJobs(BatonClient shared, int count, java.util.function.IntFunction<Job.Builder> job)
      throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(CLIENT_THREADS);
    for (int t = 0; t < CLIENT_THREADS; t++) {
      Thread thread = new Thread(() -> {
        try (BatonClient client = BatonClient.connect(cluster.target())) {
          int i;
          while (failure.get() == null && (i = next.getAndIncrement()) < count) {
            client.jobs().createJob(CreateJobRequest.newBuilder().setJob(job.apply(i)).build());
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      }, "create-" + t);
      thread.start();
    }
    done.await();
    if (failure.get() != null) {
      throw new IllegalStateException("CreateJob failed: " + failure.get(), failure.get());
    }
  }

  /** {used, max} heap bytes of a JVM after a full GC, through jcmd. */
  private static long[] heapAfterGc(long pid) throws IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("total (\\d+)K, used (\\d+)K").matcher(info);
    long used = 0;
    long total = 0;
    while (m.find()) {
      total += Long.parseLong(m.group(1)) * 1024;
      used += Long.parseLong(m.group(2)) * 1024;
    }
    if (total == 0) {
      throw new IllegalStateException("cannot read the heap from jcmd GC.heap_info:\n" + info);
    }
    return new long[] {used, total};
  }

  private static String jcmd(long pid, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException("jcmd " + command + " failed: " + out);
    }
    return out;
  }

  private static long rss(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return 0;
  }

  private static void sleepUntil(Instant when) throws InterruptedException {
    long millis = Duration.between(Instant.now(), when).toMillis();
    if (millis > 0) {
      Thread.sleep(millis);
    }
  }

  /** The figures as a Markdown table. */
  static String render(Figures f, String machine, ZonedDateTime started) {
    StringBuilder out = new StringBuilder();
    out.append("# Baton scale benchmark, ").append(started.withNano(0)).append("\n\n");
    out.append("Machine: ").append(machine).append(". Standalone coordinator started through bin/ (default 1 GiB "
        + "heap); no agent during the schedule-lag phase (runs only queue).\n\n");
    out.append("| figure | measured | target | verdict |\n| --- | --- | --- | --- |\n");
    out.append("| baseline: synced 200-byte appends on the data disk | ").append(fmt0(f.fsyncPerSecond))
        .append(" /s | — | — |\n");
    if (f.lag != null) {
      out.append("| creating ").append(fmt0(f.cronJobs)).append(" cron jobs (16 clients), while they tick | ")
          .append(fmt0(f.cronCreatePerSecond)).append(" /s | — | — |\n");
      out.append("| ticks of one whole minute found, ").append(fmt0(f.cronJobs)).append(" jobs each once a minute | ")
          .append(fmt0(f.ticksFound)).append(" of ").append(fmt0(f.ticksExpected)).append(" (").append(f.ticksLate)
          .append(" created after their minute) | all, in their minute | ")
          .append(f.ticksFound == f.ticksExpected && f.ticksLate == 0 ? "met" : "**missed**").append(" |\n");
      out.append("| schedule lag, tick → queued (a run decided ahead: 0), ").append(fmt0(f.cronJobs))
          .append(" jobs spread over the minute; ").append(fmt0(f.ticksAhead)).append(" decided ahead")
          .append(f.ticksAhead > 0 ? ", the closest " + f.leastAheadMillis + " ms before its tick" : "").append(" | ")
          .append(f.lag).append(" | p99 ≤ 5 ms | ").append(f.lag.p99() <= 5 ? "met" : "**missed**").append(" |\n");
      out.append("| restart with them (SIGTERM, start): launch → serving | ").append(fmt2(f.restartWithCronSeconds))
          .append(" s | — | — |\n");
    }
    if (f.definitions > 0) {
      out.append("| creating ").append(fmt0(f.definitions)).append(" job definitions (16 clients) | ")
          .append(fmt0(f.definitionsCreatePerSecond)).append(" /s | — | — |\n");
      out.append("| restart with ").append(fmt0(f.definitions)).append(" definitions: launch → serving | ")
          .append(fmt2(f.restartToServingSeconds)).append(" s | — | — |\n");
      out.append("| restart with ").append(fmt0(f.definitions)).append(" definitions: launch → dispatching "
          + "(a probe run finished by an agent) | ").append(fmt2(f.restartToDispatchingSeconds))
          .append(" s | ≤ 10 s | ").append(f.restartToDispatchingSeconds <= 10 ? "met" : "**missed**").append(" |\n");
      out.append("| heap in use after the restart (after a full GC) | ").append(f.heapUsedBytes >> 20)
          .append(" MiB (of ").append(f.heapMaxBytes >> 20).append(" MiB committed; RSS ").append(f.rssBytes >> 20)
          .append(" MiB) | ≤ 1 GiB | ").append(f.heapUsedBytes <= 1L << 30 ? "met" : "**missed**").append(" |\n");
    }
    return out.toString();
  }
}
