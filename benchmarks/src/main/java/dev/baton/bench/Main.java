package dev.baton.bench;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.TriggerJobResponse;
import com.google.common.util.concurrent.ListenableFuture;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code bin/baton-bench}: measures the figures of DESIGN.md section 10 that one machine can show, each against a
 * baseline measured in the same run, and prints them as a Markdown table.
 *
 * <ol>
 *   <li>Baselines: raw {@code ProcessBuilder} spawns of {@code /bin/true} at the agents' total slot count, with this
 *       JVM's default launch mechanism and, in a child JVM, with VFORK (the mechanism {@code bin/baton-agent} uses).
 *   <li>End-to-end throughput of one-time {@code /bin/true} runs: a standalone coordinator and two agents, each its
 *       own process started through {@code bin/}, runs triggered from 16 client threads, completions counted on
 *       {@code WatchRunEvents}.
 *   <li>Latency at half that throughput: queued → process started, and queued → finished reported.
 *   <li>Job creation through the API from 16 concurrent clients, on one shared channel and on one channel each.
 * </ol>
 *
 * <p>Not a test: nothing runs it during {@code mvn verify}.
 */
public final class Main {
  private static final int CLIENT_THREADS = 16;
  /** Warm-up runs at least; then batches until the JIT settles (see warmUp). */
  private static final int DEFAULT_WARMUP = 5_000;
  private static final int WARMUP_BATCH = 2_500;
  private static final int MAX_WARMUP = 30_000;
  /** The JIT has settled once its threads take less than this share of the Baton processes' CPU. */
  private static final double JIT_SETTLED = 0.10;
  private static final int AGENTS = 2;
  private static final String THROUGHPUT_JOB = "bench-true";

  /** What the command line asked for. */
  private record Options(int runs, int slots, boolean quick, Path out, boolean keep, boolean scale, int cronJobs,
      int definitions, boolean ha, Integer warmup, boolean cli) {}

  /** How many of each thing to do: full or --quick. */
  private record Sizes(int e2eWarmup, int runs, int baselineWarmup, int baselineCount, int latencyRuns,
      int createWarmup, int createCount) {
    static Sizes of(Options o) {
      return o.quick()
          ? new Sizes(o.warmup() != null ? o.warmup() : 100, o.runs(), 100, 500, 300, 200, 2_000)
          : new Sizes(o.warmup() != null ? o.warmup() : DEFAULT_WARMUP, o.runs(), 500, 5_000, 3_000, 2_000, 40_000);
    }
  }

  private final Options options;
  private final Sizes sizes;
  private final Cleanup cleanup;
  private Cluster cluster;

  private Main(Options options, Cleanup cleanup) {
    this.options = options;
    this.sizes = Sizes.of(options);
    this.cleanup = cleanup;
  }

  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--baseline-only")) {
      System.exit(baselineOnly(args));
    }
    Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("baton-bench: " + e.getMessage());
      System.err.println(usage());
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.println(usage());
      System.exit(0);
      return;
    }
    Cleanup cleanup = new Cleanup();
    Main main = new Main(options, cleanup);
    int exit = 0;
    try {
      main.run();
    } catch (Throwable e) {
      exit = 1;
      if (cleanup.started()) {
        System.err.println("baton-bench: stopped by a signal; every process it started is stopped");
        return; // the shutdown hook is cleaning up; System.exit here would wait for it forever
      }
      System.err.println();
      System.err.println("baton-bench: FAILED: " + e);
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        System.err.println("  caused by: " + c);
      }
      if (main.cluster != null) {
        System.err.println(main.cluster.logTails(30));
      }
    } finally {
      cleanup.run();
    }
    System.exit(exit);
  }

  private static String usage() {
    return String.join("\n",
        "Usage: bin/baton-bench [--runs N] [--slots S] [--quick] [--out FILE] [--keep]",
        "Measures Baton's figures of DESIGN.md section 10 on this machine and prints a Markdown table.",
        "  --runs N    one-time /bin/true runs of the throughput phase (default 5000; 500 with --quick)",
        "  --slots S   slots of each of the 2 agents; the baselines spawn at 2 x S concurrency (default 4)",
        "  --warmup W  end-to-end runs before anything is measured (default: batches of " + WARMUP_BATCH
            + " from " + DEFAULT_WARMUP,
        "              on until the JIT threads take under " + pct(JIT_SETTLED) + " of the servers' CPU, at most "
            + MAX_WARMUP + "; 100 with --quick)",
        "  --quick     small counts, for a smoke run (figures not meaningful)",
        "  --out FILE  also write the report to FILE",
        "  --keep      keep the temporary work directory (data, logs) instead of deleting it",
        "  --scale     instead: the figures that need many jobs (schedule lag with --cron-jobs N cron jobs,",
        "              default 100000; restart with --definitions M job definitions, default 1000000; 0 skips one)",
        "  --ha        instead: failover time (kill -9 of the leader, 5 times) and the cost of synchronous",
        "              replication (creates and triggers, standalone vs a leader with 2 standbys; --runs of each)",
        "  --cli       instead: only how quickly bin/baton answers (also part of the default run)");
  }

  /** Null for --help. */
  private static Options parse(String[] args) {
    Integer runs = null;
    Integer warmup = null;
    int slots = 4;
    boolean quick = false;
    boolean keep = false;
    boolean scale = false;
    boolean ha = false;
    boolean cli = false;
    int cronJobs = 100_000;
    int definitions = 1_000_000;
    Path out = null;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "-h", "--help" -> {
          return null;
        }
        case "--runs" -> runs = positive(a, value(args, ++i, a));
        case "--warmup" -> warmup = count(a, value(args, ++i, a));
        case "--slots" -> slots = positive(a, value(args, ++i, a));
        case "--quick" -> quick = true;
        case "--keep" -> keep = true;
        case "--scale" -> scale = true;
        case "--ha" -> ha = true;
        case "--cli" -> cli = true;
        case "--cron-jobs" -> cronJobs = count(a, value(args, ++i, a));
        case "--definitions" -> definitions = count(a, value(args, ++i, a));
        case "--out" -> out = Path.of(value(args, ++i, a));
        default -> throw new IllegalArgumentException("unknown argument: " + a);
      }
    }
    return new Options(runs != null ? runs : quick ? 500 : 5_000, slots, quick, out, keep, scale, cronJobs,
        definitions, ha, warmup, cli);
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static int count(String flag, String text) {
    return text.equals("0") ? 0 : positive(flag, text);
  }

  private static int positive(String flag, String text) {
    try {
      int n = Integer.parseInt(text.replace("_", "").replace(",", ""));
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(flag + " must be a positive whole number, not " + text);
  }

  /** The child JVM's mode: {@code --baseline-only --concurrency C --warmup W --count N --command CMD...}. */
  private static int baselineOnly(String[] args) {
    int concurrency = 8;
    int warmup = 500;
    int count = 5_000;
    List<List<String>> commands = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--baseline-only" -> { }
        case "--concurrency" -> concurrency = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--count" -> count = Integer.parseInt(args[++i]);
        case "--command" -> commands.add(List.of(args[++i].split(" ")));
        default -> {
          System.err.println("baton-bench --baseline-only: unknown argument " + args[i]);
          return 2;
        }
      }
    }
    if (commands.isEmpty()) {
      commands.add(List.of("/bin/true"));
    }
    try {
      SpawnBaseline.runChildMode(concurrency, warmup, count, commands);
      return 0;
    } catch (Exception e) {
      System.err.println("baton-bench --baseline-only: " + e);
      return 1;
    }
  }

  // -----------------------------------------------------------------------------------------------------------------

  static void log(String message) {
    System.err.println("[bench " + DateTimeFormatter.ofPattern("HH:mm:ss").format(ZonedDateTime.now()) + "] "
        + message);
  }

  /** {@code --ha}: failover time and the cost of replication (HaBench). */
  private void runHa() throws Exception {
    Path work = Files.createTempDirectory("baton-bench-ha-");
    cleanup.workDir(work, options.keep());
    log("work directory " + work);
    HaBench.Figures figures = new HaBench(repositoryRoot(), work, cleanup).run(options.runs());
    String text = HaBench.render(figures);
    System.out.println(text);
    if (options.out() != null) {
      Files.writeString(options.out(), text + "\n", StandardCharsets.UTF_8);
    }
  }

  /** {@code --scale}: schedule lag with many cron jobs, then a restart with many definitions (ScaleBench). */
  private void runScale() throws Exception {
    ZonedDateTime started = ZonedDateTime.now();
    Path root = repositoryRoot();
    ScaleBench.Figures figures = new ScaleBench.Figures();
    Path base = Files.createTempDirectory("baton-bench-scale-");
    cleanup.workDir(base, options.keep());
    log("work directory " + base);
    if (options.cronJobs() > 0) {
      Path work = Files.createDirectories(base.resolve("schedule-lag"));
      cluster = new Cluster(root, work, cleanup);
      cluster.startCoordinator();
      try (BatonClient client = BatonClient.connect(cluster.target())) {
        new ScaleBench(cluster, work).scheduleLag(client, options.cronJobs(), figures);
      }
      cluster.stop();
    }
    if (options.definitions() > 0) {
      Path work = Files.createDirectories(base.resolve("definitions"));
      cluster = new Cluster(root, work, cleanup);
      cluster.startCoordinator();
      new ScaleBench(cluster, work).manyDefinitions(options.definitions(), options.slots(), figures);
    }
    String text = ScaleBench.render(figures, Machine.describe(), started);
    System.out.println(text);
    if (options.out() != null) {
      Files.writeString(options.out(), text + "\n", StandardCharsets.UTF_8);
    }
  }

  /** {@code --cli}: only how quickly bin/baton answers, against a coordinator with one job and one run. */
  private void runCli() throws Exception {
    Path root = repositoryRoot();
    Path work = Files.createTempDirectory("baton-bench-cli-");
    cleanup.workDir(work, options.keep());
    cluster = new Cluster(root, work, cleanup);
    cluster.startCoordinator();
    String load = Machine.loadAverage();
    CliBench.Figures figures;
    try (BatonClient client = BatonClient.connect(cluster.target())) {
      client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName(THROUGHPUT_JOB)
          .setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addArgs("/bin/true")))).build());
      figures = CliBench.measure(root, cluster.target(), triggerOne(client).getId(), work);
    }
    StringBuilder text = new StringBuilder("# Baton CLI latency, " + ZonedDateTime.now().withNano(0) + "\n\nMachine: "
        + Machine.describe() + ". Load average " + load + " at start, " + Machine.loadAverage() + " at end.\n\n"
        + "| figure | measured | target | verdict |\n| --- | --- | --- | --- |\n");
    for (String[] row : CliBench.rows(figures)) {
      text.append("| ").append(String.join(" | ", row)).append(" |\n");
    }
    System.out.println(text);
    if (options.out() != null) {
      Files.writeString(options.out(), text, StandardCharsets.UTF_8);
    }
  }

  private void run() throws Exception {
    if (options.cli()) {
      runCli();
      return;
    }
    if (options.ha()) {
      runHa();
      return;
    }
    if (options.scale()) {
      runScale();
      return;
    }
    Report report = new Report();
    report.machine = Machine.describe();
    report.started = ZonedDateTime.now();
    report.loadAtStart = Machine.loadAverage();
    int concurrency = AGENTS * options.slots();
    report.concurrency = concurrency;
    report.slots = options.slots();
    report.quick = options.quick();

    Path root = repositoryRoot();
    Path work = Files.createTempDirectory("baton-bench-");
    cleanup.workDir(work, options.keep());
    log("work directory " + work + "; repository " + root);

    cluster = new Cluster(root, work, cleanup);
    cluster.startCoordinator();
    log("coordinator pid " + cluster.coordinator().pid() + " listening on " + cluster.target());
    for (int a = 1; a <= AGENTS; a++) {
      cluster.startAgent("bench-agent-" + a, options.slots());
    }
    try (BatonClient client = BatonClient.connect(cluster.target());
        RunWatcher watcher = new RunWatcher(client.channel())) {
      cluster.awaitWorkersLive(client, options.slots());
      report.agentLaunch = cluster.agentLaunch(cluster.agents().get(0));
      report.oneExecPerRun = report.agentLaunch.contains("one exec per run");
      log(AGENTS + " agents live, " + options.slots() + " slots each; commands start " + report.agentLaunch);

      client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder()
          .setName(THROUGHPUT_JOB)
          .setDescription("baton-bench: one-time /bin/true runs")
          .setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addArgs("/bin/true")))
          // Many runs of this one job are in flight at once; FORBID would skip all but one.
          .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
      probe(client, watcher);

      warmUp(client, watcher, report);

      log("baseline, this JVM (" + SpawnBaseline.mechanism() + "): " + sizes.baselineCount() + " spawns of /bin/true"
          + " at concurrency " + concurrency);
      report.baselineDefault = SpawnBaseline.measure(List.of("/bin/true"), concurrency, sizes.baselineWarmup(),
          sizes.baselineCount());
      log("  " + fmt0(report.baselineDefault.perSecond()) + " /s");
      List<String> childCommands = new ArrayList<>(List.of("/bin/true"));
      String setsid = SpawnBaseline.setsid();
      if (setsid != null) {
        childCommands.add(setsid + " /bin/true");
      }
      log("baseline, child JVM (VFORK): " + sizes.baselineCount() + " spawns of " + String.join(", then ",
          childCommands));
      List<SpawnBaseline.Result> vfork = SpawnBaseline.inChildJvm("VFORK", concurrency, sizes.baselineWarmup(),
          sizes.baselineCount(), childCommands, cleanup);
      report.baselineVfork = vfork.get(0);
      report.baselineVforkSetsid = vfork.size() > 1 ? vfork.get(1) : null;
      log("  " + fmt0(report.baselineVfork.perSecond()) + " /s"
          + (report.baselineVforkSetsid == null ? ""
              : "; through setsid " + fmt0(report.baselineVforkSetsid.perSecond()) + " /s"));

      throughput(client, watcher, report);
      latency(client, watcher, report);
      report.cli = CliBench.measure(root, cluster.target(), triggerOne(client).getId(), work);
    }
    creation(report);

    report.loadAtEnd = Machine.loadAverage();
    report.finished = ZonedDateTime.now();
    String text = report.render();
    System.out.println(text);
    if (options.out() != null) {
      Files.writeString(options.out(), text + "\n", StandardCharsets.UTF_8);
      log("report written to " + options.out());
    }
  }

  /** The checkout: three levels above benchmarks/target/baton-benchmarks.jar, or -Dbaton.home. */
  private static Path repositoryRoot() throws URISyntaxException {
    String home = System.getProperty("baton.home");
    Path root;
    if (home != null) {
      root = Path.of(home);
    } else {
      Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      root = jar.getParent().getParent().getParent();
    }
    root = root.toAbsolutePath().normalize();
    if (!Files.isExecutable(root.resolve("bin/baton-coordinator"))) {
      throw new IllegalStateException("no bin/baton-coordinator under " + root + "; set -Dbaton.home");
    }
    return root;
  }

  /**
   * Makes sure the event stream is live before anything is measured: the server subscribes some time after the call
   * starts, so trigger single runs until one's SUCCEEDED event arrives.
   */
  private static void probe(BatonClient client, RunWatcher watcher) throws InterruptedException {
    for (int i = 0; i < 20; i++) {
      String id = triggerOne(client).getId();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(i == 0 ? 30 : 5);
      while (System.nanoTime() < end) {
        watcher.check("probe");
        if (watcher.get(id) != null) {
          return;
        }
        Thread.sleep(10);
      }
      Run run = client.runs().getRun(GetRunRequest.newBuilder().setId(id).build());
      log("probe run " + id + " is " + run.getState() + " but its SUCCEEDED event has not arrived; again");
    }
    throw new IllegalStateException("WatchRunEvents delivers no SUCCEEDED events");
  }

  private static Run triggerOne(BatonClient client) {
    Run run = client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName(THROUGHPUT_JOB).build()).getRun();
    if (run.getState() != RunState.RUN_STATE_QUEUED && run.getState() != RunState.RUN_STATE_ASSIGNED
        && run.getState() != RunState.RUN_STATE_RUNNING && run.getState() != RunState.RUN_STATE_SUCCEEDED) {
      throw new IllegalStateException("TriggerJob recorded run " + run.getId() + " " + run.getState() + " ("
          + run.getStateReason() + ")");
    }
    return run;
  }

  /** Runs triggered together: when the first call started, when the last returned, their ids. */
  private record Batch(long startNanos, long submittedNanos, List<String> ids) {}

  /** Triggers {@code count} runs from {@link #CLIENT_THREADS} threads sharing the client's channel. */
  private static Batch trigger(BatonClient client, int count) throws Exception {
    AtomicInteger left = new AtomicInteger(count);
    List<String> ids = Collections.synchronizedList(new ArrayList<>(count));
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < CLIENT_THREADS; t++) {
      Thread thread = new Thread(() -> {
        try {
          go.await();
          while (failure.get() == null && left.getAndDecrement() > 0) {
            ids.add(triggerOne(client).getId());
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "trigger-" + t);
      thread.start();
      threads.add(thread);
    }
    long start = System.nanoTime();
    go.countDown();
    for (Thread thread : threads) {
      thread.join();
    }
    long submitted = System.nanoTime();
    if (failure.get() != null) {
      throw new IllegalStateException("TriggerJob failed: " + failure.get(), failure.get());
    }
    return new Batch(start, submitted, ids);
  }

  // -----------------------------------------------------------------------------------------------------------------

  /**
   * End-to-end runs until the JIT has settled, so that what is measured is the servers' steady state: batches of
   * {@link #WARMUP_BATCH} runs, from {@link #DEFAULT_WARMUP} runs on, until the compiler threads took less than
   * {@link #JIT_SETTLED} of the coordinator's and agents' CPU during a batch, at most {@link #MAX_WARMUP} runs.
   * {@code --warmup N} (and {@code --quick}) runs exactly N instead.
   */
  private void warmUp(BatonClient client, RunWatcher watcher, Report report) throws Exception {
    boolean fixed = options.warmup() != null || options.quick();
    log("end-to-end warm-up: " + (fixed ? sizes.e2eWarmup() + " runs"
        : "batches of " + WARMUP_BATCH + " runs until the JIT threads take under " + pct(JIT_SETTLED)
            + " of the CPU (" + fmt0(DEFAULT_WARMUP) + " to " + fmt0(MAX_WARMUP) + " runs)"));
    int done = 0;
    int goal = sizes.e2eWarmup();
    while (true) {
      int batch = fixed ? goal : Math.min(WARMUP_BATCH, MAX_WARMUP - done);
      List<ProcStat.Cpu> before = batonCpu();
      watcher.awaitAll(trigger(client, batch).ids(), "warm-up", 60);
      double cpu = 0;
      double jit = 0;
      for (ProcStat.Cpu used : batonCpuSince(before)) {
        cpu += used.self();
        jit += used.jit();
      }
      done += batch;
      report.warmupRuns = done;
      report.warmupJitShare = cpu > 0 ? jit / cpu : 0;
      log("  " + fmt0(done) + " runs; the last " + fmt0(batch) + " took " + fmt2(cpu / batch * 1000) + " ms of CPU"
          + " per run, " + pct(report.warmupJitShare) + " of it JIT");
      if (fixed || done >= MAX_WARMUP || (done >= goal && report.warmupJitShare < JIT_SETTLED)) {
        return;
      }
    }
  }

  /** CPU so far of the coordinator, then each agent (with its lifeline reaper). */
  private List<ProcStat.Cpu> batonCpu() {
    List<Long> pids = new ArrayList<>();
    pids.add(cluster.coordinator().pid());
    cluster.agents().forEach(a -> pids.add(a.pid()));
    return pids.stream().map(ProcStat::withHelpers).toList();
  }

  /** CPU of the same processes since {@code before} ({@link #batonCpu}). */
  private List<ProcStat.Cpu> batonCpuSince(List<ProcStat.Cpu> before) {
    List<ProcStat.Cpu> now = batonCpu();
    List<ProcStat.Cpu> used = new ArrayList<>();
    for (int i = 0; i < now.size(); i++) {
      used.add(now.get(i).minus(before.get(i)));
    }
    return used;
  }

  private void throughput(BatonClient client, RunWatcher watcher, Report report) throws Exception {
    int n = sizes.runs();
    log("throughput: " + n + " runs of /bin/true from " + CLIENT_THREADS + " client threads");
    List<ProcStat.Cpu> before = batonCpu();
    ProcStat.Cpu selfBefore = ProcStat.self();
    double machineBefore = ProcStat.machineBusy();

    Batch batch = trigger(client, n);
    watcher.awaitAll(batch.ids(), "throughput", 60);
    long last = 0;
    for (String id : batch.ids()) {
      last = Math.max(last, watcher.get(id).receivedNanos());
    }

    double machineAfter = ProcStat.machineBusy();
    ProcStat.Cpu selfUsed = ProcStat.self().minus(selfBefore);
    List<ProcStat.Cpu> used = batonCpuSince(before);
    double seconds = (last - batch.startNanos()) / 1e9;
    report.runs = n;
    report.throughputSeconds = seconds;
    report.throughput = n / seconds;
    report.submitSeconds = (batch.submittedNanos() - batch.startNanos()) / 1e9;
    report.coordinatorCpu = used.get(0);
    report.agentCpu = used.subList(1, used.size());
    report.agentNames = cluster.agents().stream().map(a -> a.name().replaceFirst("^agent-", "")).toList();
    report.benchCpu = selfUsed;
    report.machineCpu = machineAfter - machineBefore;
    log("  " + fmt0(report.throughput) + " runs/s (" + n + " runs in " + fmt2(seconds) + " s; all triggered after "
        + fmt2(report.submitSeconds) + " s)");
  }

  private void latency(BatonClient client, RunWatcher watcher, Report report) throws Exception {
    int n = sizes.latencyRuns();
    double rate = report.throughput / 2;
    report.latencyRate = rate;
    log("latency: " + n + " runs at " + fmt0(rate) + " /s (half the throughput), paced");
    JobServiceGrpc.JobServiceFutureStub stub = JobServiceGrpc.newFutureStub(client.channel());
    TriggerJobRequest request = TriggerJobRequest.newBuilder().setName(THROUGHPUT_JOB).build();
    List<ListenableFuture<TriggerJobResponse>> calls = new ArrayList<>(n);
    long interval = (long) (1e9 / rate);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    int behind = 0;
    for (int i = 0; i < n; i++) {
      long due = start + i * interval;
      long now;
      while ((now = System.nanoTime()) < due) {
        LockSupport.parkNanos(due - now);
      }
      if (now - due > TimeUnit.MILLISECONDS.toNanos(5)) {
        behind++;
      }
      calls.add(stub.triggerJob(request));
    }
    long submitted = System.nanoTime();
    report.latencyAchievedRate = n / ((submitted - start) / 1e9);
    report.latencyLateSubmits = behind;
    List<String> ids = new ArrayList<>(n);
    for (ListenableFuture<TriggerJobResponse> call : calls) {
      ids.add(call.get(60, TimeUnit.SECONDS).getRun().getId());
    }
    watcher.awaitAll(ids, "latency", 60);

    long[] toStart = new long[n];
    long[] toAssign = new long[n];
    long[] toFinish = new long[n];
    for (int i = 0; i < n; i++) {
      Run run = watcher.get(ids.get(i)).run();
      Attempt attempt = run.getAttemptsCount() == 0 ? null : run.getAttempts(run.getAttemptsCount() - 1);
      if (attempt == null || !attempt.hasStartTime() || !attempt.hasQueueTime()) {
        run = client.runs().getRun(GetRunRequest.newBuilder().setId(ids.get(i)).build());
        attempt = run.getAttempts(run.getAttemptsCount() - 1);
      }
      Instant queued = Times.toInstant(attempt.getQueueTime());
      toStart[i] = Duration.between(queued, Times.toInstant(attempt.getStartTime())).toNanos();
      toAssign[i] = Duration.between(queued, Times.toInstant(attempt.getAssignTime())).toNanos();
      toFinish[i] = Duration.between(queued, Times.toInstant(run.getUpdateTime())).toNanos();
    }
    report.latencyRuns = n;
    report.queuedToStarted = Percentiles.of(toStart);
    report.queuedToAssigned = Percentiles.of(toAssign);
    report.queuedToFinished = Percentiles.of(toFinish);
    log("  queued -> started " + report.queuedToStarted + "; queued -> finished " + report.queuedToFinished);
  }

  private void creation(Report report) throws Exception {
    // A daily cron 12 hours from now (UTC): a real recurring schedule that cannot tick while the benchmark runs.
    // ("every 5 minutes" fires at :00, :05 … UTC, and tens of thousands of jobs ticking at once mid-measurement
    // would measure the ticks, not the creates.)
    ZonedDateTime at = ZonedDateTime.now(ZoneOffset.UTC).plusHours(12);
    String schedule = at.getMinute() + " " + at.getHour() + " * * *";
    report.createSchedule = schedule;
    report.createCount = sizes.createCount();
    try (BatonClient shared = BatonClient.connect(cluster.target())) {
      log("job creation warm-up: " + sizes.createWarmup() + " jobs (schedule \"" + schedule + "\", shell true)");
      create(List.of(shared), "w", sizes.createWarmup(), schedule);
      log("job creation, " + CLIENT_THREADS + " threads on one shared channel: " + sizes.createCount() + " jobs");
      report.createShared = create(List.of(shared), "s", sizes.createCount(), schedule);
      log("  " + fmt0(report.createShared) + " /s");
    }
    List<BatonClient> own = new ArrayList<>();
    try {
      for (int t = 0; t < CLIENT_THREADS; t++) {
        BatonClient c = BatonClient.connect(cluster.target());
        own.add(c);
        c.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance()); // connect before timing
      }
      log("job creation, " + CLIENT_THREADS + " clients with a channel each: " + sizes.createCount() + " jobs");
      ProcStat.Cpu coordinatorBefore = ProcStat.of(cluster.coordinator().pid());
      ProcStat.Cpu clientBefore = ProcStat.self();
      double machineBefore = ProcStat.machineBusy();
      long start = System.nanoTime();
      report.createOwn = create(own, "c", sizes.createCount(), schedule);
      report.createSeconds = (System.nanoTime() - start) / 1e9;
      report.createCoordinatorCpu = ProcStat.of(cluster.coordinator().pid()).minus(coordinatorBefore);
      report.createClientCpu = ProcStat.self().minus(clientBefore).total();
      report.createMachineCpu = ProcStat.machineBusy() - machineBefore;
      log("  " + fmt0(report.createOwn) + " /s");
    } finally {
      own.forEach(BatonClient::close);
    }
  }

  /** Creates {@code count} distinct jobs from {@link #CLIENT_THREADS} threads; thread t uses clients[t % size]. */
  private static double create(List<BatonClient> clients, String tag, int count, String schedule) throws Exception {
    AtomicInteger left = new AtomicInteger(count);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < CLIENT_THREADS; t++) {
      BatonClient client = clients.get(t % clients.size());
      int thread = t;
      Thread th = new Thread(() -> {
        try {
          go.await();
          int i = 0;
          while (failure.get() == null && left.getAndDecrement() > 0) {
            client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder()
                .setName("bench-create-" + tag + "-" + thread + "-" + i++)
                .setSchedule(schedule)
                .setCommand(Command.newBuilder().setShell("true"))).build());
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "create-" + t);
      th.start();
      threads.add(th);
    }
    long start = System.nanoTime();
    go.countDown();
    for (Thread th : threads) {
      th.join();
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (failure.get() != null) {
      throw new IllegalStateException("CreateJob failed: " + failure.get(), failure.get());
    }
    return count / seconds;
  }

  static String fmt0(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  static String pct(double share) {
    return String.format(Locale.ROOT, "%.0f %%", share * 100);
  }

  static String fmt2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  /** p50, p95, p99, max of durations in nanoseconds, nearest rank. */
  record Percentiles(double p50, double p95, double p99, double max) {
    static Percentiles of(long[] nanos) {
      long[] s = nanos.clone();
      Arrays.sort(s);
      return new Percentiles(rank(s, 0.50), rank(s, 0.95), rank(s, 0.99), s[s.length - 1] / 1e6);
    }

    private static double rank(long[] sorted, double p) {
      int i = (int) Math.ceil(p * sorted.length) - 1;
      return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    @Override
    public String toString() {
      return "p50 " + ms(p50) + " / p95 " + ms(p95) + " / p99 " + ms(p99) + " / max " + ms(max) + " ms";
    }

    static String ms(double v) {
      return v < 10 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%,.1f", v);
    }
  }
}
