package dev.baton.bench;

import static dev.baton.bench.Main.fmt0;
import static dev.baton.bench.Main.fmt2;
import static dev.baton.bench.Main.pct;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/** The figures of one run, rendered as Markdown. */
final class Report {
  static final double THROUGHPUT_TARGET = 0.80;
  static final double START_P50_TARGET_MS = 2;
  static final double START_P99_TARGET_MS = 10;
  static final double CREATE_TARGET = 10_000;
  static final double CPU_PER_RUN_TARGET_MS = 3;

  String machine;
  ZonedDateTime started;
  ZonedDateTime finished;
  String loadAtStart;
  String loadAtEnd;
  boolean quick;
  int slots;
  int concurrency;
  /** How the agents start commands, from their start line; and whether that is one exec per run. */
  String agentLaunch;
  boolean oneExecPerRun;

  SpawnBaseline.Result baselineDefault;
  SpawnBaseline.Result baselineVfork;
  SpawnBaseline.Result baselineVforkSetsid;

  int warmupRuns;
  /** Share of the coordinator's and agents' CPU that the JIT threads took during the last warm-up batch. */
  double warmupJitShare;
  int runs;
  double throughput;
  double throughputSeconds;
  double submitSeconds;
  ProcStat.Cpu coordinatorCpu;
  List<ProcStat.Cpu> agentCpu;
  List<String> agentNames;
  ProcStat.Cpu benchCpu;
  double machineCpu;

  int latencyRuns;
  double latencyRate;
  double latencyAchievedRate;
  int latencyLateSubmits;
  Main.Percentiles queuedToStarted;
  Main.Percentiles queuedToAssigned;
  Main.Percentiles queuedToFinished;

  String createSchedule;
  int createCount;
  double createShared;
  double createOwn;
  /** CPU during the creation phase with a channel per client. */
  double createSeconds;
  ProcStat.Cpu createCoordinatorCpu;
  double createClientCpu;
  double createMachineCpu;

  /** How quickly bin/baton answers; null if not measured. */
  CliBench.Figures cli;

  private final StringBuilder out = new StringBuilder();

  String render() {
    // The fastest way this machine spawns from a JVM is the bar: the agents spawn their own way (posix_spawn).
    boolean vforkFaster = baselineVfork.perSecond() >= baselineDefault.perSecond();
    SpawnBaseline.Result best = vforkFaster ? baselineVfork : baselineDefault;
    SpawnBaseline.Result other = vforkFaster ? baselineDefault : baselineVfork;

    line("# Baton benchmark, " + DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(started.withNano(0)));
    line("");
    line("Machine: " + machine + ". Load average (1/5/15 min) " + loadAtStart + " at start, " + loadAtEnd
        + " at end.");
    line("");
    line("Setup: standalone coordinator + 2 agents (" + slots + " slots each; commands start " + agentLaunch
        + "), each its own process started through bin/; benchmark client in a fourth JVM; all on 127.0.0.1."
        + (quick ? " **--quick: small counts, a smoke run; the figures mean little.**" : ""));
    line("");
    line("| figure | measured | target | verdict |");
    line("| --- | --- | --- | --- |");
    row("baseline: raw ProcessBuilder spawns of /bin/true, default launcher (" + baselineDefault.mechanism()
            + "), concurrency " + concurrency + ", " + fmt0(baselineDefault.count()) + " spawns",
        fmt0(baselineDefault.perSecond()) + " /s", "—", "—");
    row("baseline: raw ProcessBuilder spawns of /bin/true, VFORK (child JVM), concurrency " + concurrency + ", "
            + fmt0(baselineVfork.count()) + " spawns",
        fmt0(baselineVfork.perSecond()) + " /s", "—", "—");
    if (baselineVforkSetsid != null) {
      row("info: raw spawns of `" + baselineVforkSetsid.command() + "`, VFORK, concurrency " + concurrency
              + " (two execs, as agents started commands before posix_spawn)",
          fmt0(baselineVforkSetsid.perSecond()) + " /s", "—", "—");
    }
    row("**execs per run** (the command leads its own session without a setsid process in front)",
        oneExecPerRun ? "1" : "2", "1", verdict(oneExecPerRun));
    row("end-to-end throughput, " + fmt0(runs) + " one-time /bin/true runs, 16 client threads",
        fmt0(throughput) + " runs/s", "—", "—");
    double bestRatio = throughput / best.perSecond();
    double otherRatio = throughput / other.perSecond();
    row("**throughput ÷ the faster raw baseline (" + best.mechanism() + ")**", ratio(bestRatio), "≥ 0.80",
        verdict(bestRatio >= THROUGHPUT_TARGET));
    row("throughput ÷ the " + other.mechanism() + " baseline", ratio(otherRatio), "—", "—");
    double ownPerRun = ownCpu() / runs * 1000;
    row("**CPU per run of Baton's own processes** (coordinator + agent JVMs and their lifeline reapers, not the "
            + "job processes; from /proc)",
        String.format(Locale.ROOT, "%.2f ms", ownPerRun), "≤ 3 ms", verdict(ownPerRun <= CPU_PER_RUN_TARGET_MS));
    row("info: of that, JIT compiler threads (warm-up, not work)",
        String.format(Locale.ROOT, "%.2f ms", jitCpu() / runs * 1000), "—", "—");
    String at = "at " + fmt0(latencyAchievedRate) + " runs/s (½ throughput), " + fmt0(latencyRuns) + " runs";
    row("dispatch latency queued → process started, p50, " + at, ms(queuedToStarted.p50()), "≤ 2 ms",
        verdict(queuedToStarted.p50() <= START_P50_TARGET_MS));
    row("dispatch latency queued → process started, p99", ms(queuedToStarted.p99()), "≤ 10 ms",
        verdict(queuedToStarted.p99() <= START_P99_TARGET_MS));
    row("queued → process started, p95 / max", ms(queuedToStarted.p95()) + " / " + ms(queuedToStarted.max()),
        "—", "—");
    row("info: queued → assigned (sent to an agent), p50 / p95 / p99 / max",
        ms(queuedToAssigned.p50()) + " / " + ms(queuedToAssigned.p95()) + " / " + ms(queuedToAssigned.p99())
            + " / " + ms(queuedToAssigned.max()), "—", "—");
    row("queued → finished reported (SUCCEEDED recorded), p50 / p95 / p99 / max",
        ms(queuedToFinished.p50()) + " / " + ms(queuedToFinished.p95()) + " / " + ms(queuedToFinished.p99())
            + " / " + ms(queuedToFinished.max()), "—", "—");
    boolean sharedBetter = createShared >= createOwn;
    row("**job creation through the API, 16 concurrent clients, synced** (" + fmt0(createCount) + " jobs, "
            + (sharedBetter ? "one shared channel" : "a channel per client") + ")",
        fmt0(Math.max(createShared, createOwn)) + " /s", "≥ 10,000 /s",
        verdict(Math.max(createShared, createOwn) >= CREATE_TARGET));
    row("job creation, the other way (" + (sharedBetter ? "a channel per client" : "one shared channel") + ")",
        fmt0(Math.min(createShared, createOwn)) + " /s", "—", "—");
    if (createCoordinatorCpu != null) {
      int cores = Runtime.getRuntime().availableProcessors();
      row("info: CPU per create (a channel per client): coordinator (of it, JIT) / benchmark client; the machine's "
              + "cores busy",
          String.format(Locale.ROOT, "%.2f (%.2f) / %.2f ms; %s", createCoordinatorCpu.self() / createCount * 1000,
              createCoordinatorCpu.jit() / createCount * 1000, createClientCpu / createCount * 1000,
              pct(createMachineCpu / (createSeconds * cores))), "—", "—");
    }
    if (cli != null) {
      for (String[] row : CliBench.rows(cli)) {
        row(row[0], row[1], row[2], row[3]);
      }
    }
    line("");

    cpuSection(best, other);
    notes(best);
    return out.toString().stripTrailing();
  }

  private void cpuSection(SpawnBaseline.Result like, SpawnBaseline.Result other) {
    double perK = 1000.0 / runs;
    line("Where the CPU went during the throughput phase (" + fmt0(runs) + " runs in " + fmt2(throughputSeconds)
        + " s; the machine has " + Runtime.getRuntime().availableProcessors() + " cores = "
        + fmt2(throughputSeconds * Runtime.getRuntime().availableProcessors()) + " CPU-s):");
    line("");
    line("| process | CPU-s | CPU-s per 1,000 runs | of which JIT compiler threads, CPU-s |");
    line("| --- | --- | --- | --- |");
    double baton = coordinatorCpu.self();
    cpuRow("coordinator", coordinatorCpu.self(), perK, coordinatorCpu.jit());
    for (int i = 0; i < agentCpu.size(); i++) {
      cpuRow(agentNames.get(i) + ": agent JVM and its lifeline reaper", agentCpu.get(i).self(), perK,
          agentCpu.get(i).jit());
      cpuRow(agentNames.get(i) + ": its job processes (/bin/true)", agentCpu.get(i).children(), perK);
      baton += agentCpu.get(i).total();
    }
    cpuRow("**Baton total** (coordinator + agents + job processes)", baton, perK);
    double bench = benchCpu.total();
    cpuRow("benchmark client (16 trigger threads, event stream)", bench, perK);
    double others = Math.max(0, machineCpu - baton - bench);
    cpuRow("everything else on the machine (other users' work, kernel threads)", others, perK);
    cpuRow("machine total busy", machineCpu, perK);
    line("");
    double batonPerRun = baton / runs * 1000;
    line(String.format(Locale.ROOT, "For comparison, a raw spawn of /bin/true cost %.2f ms of CPU with %s (JVM + "
            + "child) and %.2f ms with %s. Baton spent %.2f ms per run, so on an otherwise idle machine with %d cores "
            + "the CPU alone caps Baton at about %s runs/s against %s raw %s spawns/s: a CPU-bound ratio of %s, "
            + "which does not depend on what else the machine was doing.",
        like.cpuPerSpawnMs(), like.mechanism(), other.cpuPerSpawnMs(), other.mechanism(), batonPerRun,
        Runtime.getRuntime().availableProcessors(),
        fmt0(Runtime.getRuntime().availableProcessors() * 1000 / (batonPerRun + bench / runs * 1000)),
        fmt0(Runtime.getRuntime().availableProcessors() * 1000 / like.cpuPerSpawnMs()), like.mechanism(),
        pct(like.cpuPerSpawnMs() / (batonPerRun + bench / runs * 1000))));
    line("(The cap counts the benchmark client's CPU too, since it shares the cores; the ratio is raw spawn CPU "
        + "÷ (Baton + client) CPU per run.)");
    line("");
  }

  private void notes(SpawnBaseline.Result like) {
    line("Notes:");
    line("- Each ratio divides by a baseline measured in this same run, at the agents' total slot count ("
        + concurrency + "). The bar is the faster of the JDK's two ways to spawn (" + like.mechanism() + " here); "
        + "the agents spawn their own way (glibc's posix_spawn through JNA, in a new session).");
    line("- Throughput = runs ÷ (arrival of the last SUCCEEDED event on WatchRunEvents − start of the first "
        + "TriggerJob call); all " + fmt0(runs) + " triggers had returned after " + fmt2(submitSeconds) + " s. "
        + "A warm-up of " + fmt0(warmupRuns) + " end-to-end runs preceded it, not counted, so that the JIT "
        + "has compiled the hot paths of these long-running servers (in its last batch the JIT threads took "
        + pct(warmupJitShare) + " of their CPU; what they still compile here is shown apart).");
    line("- Latency: runs submitted at a fixed rate of ½ × throughput (" + fmt0(latencyRate) + " /s asked, "
        + fmt0(latencyAchievedRate) + " /s achieved" + (latencyLateSubmits > 0
            ? ", " + latencyLateSubmits + " submissions more than 5 ms late" : "")
        + "); times from the run's last attempt: start_time − queue_time (the agent's and the coordinator's "
        + "clocks, the same machine), and the run's update_time at SUCCEEDED − queue_time.");
    line("- Job creation: distinct jobs (schedule `" + createSchedule + "` UTC, a daily cron chosen 12 h away so "
        + "no tick fires mid-measurement; shell `true`), after a warm-up; the coordinator syncs every "
        + "acknowledged write.");
    line("- This machine may have been shared with other work while this ran (see the load averages and the "
        + "\"everything else\" CPU row): the figures are noisy; the ratios and the CPU-per-run figures less so.");
    line("- Finished " + DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(finished.withNano(0)) + ".");
  }

  private void cpuRow(String what, double cpuSeconds, double perK) {
    row(what, fmt2(cpuSeconds), fmt2(cpuSeconds * perK), "");
  }

  private void cpuRow(String what, double cpuSeconds, double perK, double jit) {
    row(what, fmt2(cpuSeconds), fmt2(cpuSeconds * perK), fmt2(jit));
  }

  /** CPU seconds of the coordinator and the agent JVMs, not their job processes. */
  private double ownCpu() {
    return coordinatorCpu.self() + agentCpu.stream().mapToDouble(ProcStat.Cpu::self).sum();
  }

  private double jitCpu() {
    return coordinatorCpu.jit() + agentCpu.stream().mapToDouble(ProcStat.Cpu::jit).sum();
  }

  private void row(String figure, String measured, String target, String verdict) {
    if (verdict == null) {
      line("| " + figure + " | " + measured + " | " + target + " |");
    } else {
      line("| " + figure + " | " + measured + " | " + target + " | " + verdict + " |");
    }
  }

  private static String verdict(boolean meets) {
    return meets ? "meets" : "**misses**";
  }

  private static String ratio(double ratio) {
    return String.format(Locale.ROOT, "%.2f", ratio);
  }

  private static String ms(double v) {
    return Main.Percentiles.ms(v) + " ms";
  }

  private void line(String s) {
    out.append(s).append('\n');
  }
}
