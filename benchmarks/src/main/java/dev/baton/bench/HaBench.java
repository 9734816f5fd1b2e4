package dev.baton.bench;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.TriggerJobRequest;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * {@code --ha}: the figures of high availability (issue: failover time and the cost of synchronous replication),
 * with etcd, three coordinators and an agent, each a separate process started as an operator would.
 *
 * <ul>
 *   <li>The cost of replication: job creation and trigger throughput from 16 clients against a standalone
 *       coordinator, then against a leader with two in-sync standbys, in the same run.
 *   <li>Failover time, five times: {@code kill -9} of the leader (a prober triggers a run every 50 ms) → the first
 *       assignment the new leader makes; the killed coordinator is restarted and rejoins before the next round.
 * </ul>
 */
final class HaBench {
  private static final int CLIENT_THREADS = 16;
  private static final Duration LEASE_TTL = Duration.ofSeconds(3);
  private static final Duration WAIT = Duration.ofSeconds(90);

  /** What was measured. */
  static final class Figures {
    int operations;
    double createStandalone;
    double createHa;
    double triggerStandalone;
    double triggerHa;
    final List<Long> failoverMillis = new ArrayList<>();
  }

  /** One started process. */
  private record Node(String name, List<String> command, Path out, Path err, AtomicReference<Process> process) {
    void kill9() throws InterruptedException {
      process.get().destroyForcibly();
      process.get().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private final Path root;
  private final Path work;
  private final Cleanup cleanup;

  HaBench(Path root, Path work, Cleanup cleanup) {
    this.root = root;
    this.work = work;
    this.cleanup = cleanup;
  }

  Figures run(int operations) throws Exception {
    Figures f = new Figures();
    f.operations = operations;
    Files.createDirectories(work.resolve("logs"));

    Main.log("standalone coordinator: " + operations + " creates and triggers from " + CLIENT_THREADS + " clients");
    int port = freePort();
    Node standalone = start("standalone", List.of(launcher("baton-coordinator"), "--listen", "127.0.0.1:" + port,
        "--data-dir", work.resolve("standalone-data").toString(), "--http", "127.0.0.1:0"), "listening on");
    try (BatonClient client = BatonClient.connect("127.0.0.1:" + port)) {
      f.createStandalone = creates(client, operations, "s");
      f.triggerStandalone = triggers(client, operations);
    }
    stop(standalone);
    Main.log("  create " + fmt(f.createStandalone) + "/s, trigger " + fmt(f.triggerStandalone) + "/s");

    int etcdClient = freePort();
    int etcdPeer = freePort();
    start("etcd", List.of("etcd", "--name", "bench", "--data-dir", work.resolve("etcd-data").toString(),
        "--listen-client-urls", "http://127.0.0.1:" + etcdClient,
        "--advertise-client-urls", "http://127.0.0.1:" + etcdClient,
        "--listen-peer-urls", "http://127.0.0.1:" + etcdPeer,
        "--initial-advertise-peer-urls", "http://127.0.0.1:" + etcdPeer,
        "--initial-cluster", "bench=http://127.0.0.1:" + etcdPeer), "ready to serve client requests");
    List<Node> coordinators = new ArrayList<>();
    List<String> targets = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      int p = freePort();
      targets.add("127.0.0.1:" + p);
      coordinators.add(start("coordinator-" + i, List.of(launcher("baton-coordinator"), "--listen",
          "127.0.0.1:" + p, "--http", "127.0.0.1:0", "--data-dir", work.resolve("c" + i + "-data").toString(),
          "--etcd", "127.0.0.1:" + etcdClient, "--lease-ttl", LEASE_TTL.toSeconds() + "s"), "listening on"));
    }
    String all = String.join(",", targets);
    try (BatonClient client = BatonClient.connect(all)) {
      awaitInSync(client, 2);
      Main.log("leader with two in-sync standbys: the same creates and triggers");
      f.createHa = creates(client, operations, "h");
      f.triggerHa = triggers(client, operations);
      Main.log("  create " + fmt(f.createHa) + "/s, trigger " + fmt(f.triggerHa) + "/s");

      start("agent", List.of(launcher("baton-agent"), "--coordinator", all, "--name", "bench-agent",
          "--slots", "4", "--state-dir", work.resolve("agent").toString(), "--allow-root"), " started, coordinator ");
      client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName("probe")
          .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW).setCommand(Command.newBuilder().setShell("true")))
          .build());
      AtomicBoolean stop = new AtomicBoolean();
      Thread prober = new Thread(() -> {
        while (!stop.get()) {
          try {
            client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName("probe").build());
            Thread.sleep(50);
          } catch (InterruptedException e) {
            return;
          } catch (RuntimeException e) {
            // not acknowledged during the failover: the next one
          }
        }
      }, "prober");
      prober.start();
      try {
        for (int round = 1; round <= 5; round++) {
          awaitInSync(client, 2);
          // The agent serves the leader and the prober's runs are assigned: the kill finds everything at work.
          ClusterStatus before = client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
          firstAssignmentAfter(client, before.getEpoch() - 1, Instant.now().minusSeconds(1));
          ClusterStatus status = client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
          Node leader = coordinators.get(targets.indexOf(status.getSelf().getAddress()));
          long oldEpoch = status.getEpoch();
          Instant killed = Instant.now();
          leader.kill9();
          long millis = firstAssignmentAfter(client, oldEpoch, killed).toMillis();
          f.failoverMillis.add(millis);
          Main.log("  failover " + round + ": first assignment of the new leader " + millis + " ms after the kill");
          restart(leader, "listening on");
        }
      } finally {
        stop.set(true);
        prober.join(10_000);
      }
    }
    return f;
  }

  /** Waits for a run assigned in a newer epoch than {@code oldEpoch} and returns its assignment's delay. */
  private static Duration firstAssignmentAfter(BatonClient client, long oldEpoch, Instant killed)
      throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      try {
        Optional<Instant> first = client.runs().listRuns(ListRunsRequest.newBuilder().setJob("probe")
            .setPageSize(200).build()).getRunsList().stream()
            .flatMap(r -> r.getAttemptsList().stream())
            .filter(a -> a.getEpoch() > oldEpoch && a.hasAssignTime())
            .map(Attempt::getAssignTime).map(Times::toInstant).min(Instant::compareTo);
        if (first.isPresent()) {
          return Duration.between(killed, first.get());
        }
      } catch (RuntimeException e) {
        // the election goes on
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no assignment by a new leader within " + WAIT);
  }

  private static void awaitInSync(BatonClient client, int standbys) throws InterruptedException {
    long end = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < end) {
      try {
        ClusterStatus s = client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
        if (s.getSelf().getRole() == CoordinatorRole.COORDINATOR_ROLE_LEADER && s.getCoordinatorsList().stream()
            .filter(c -> c.getRole() == CoordinatorRole.COORDINATOR_ROLE_STANDBY && c.getInSync()).count()
            >= standbys) {
          return;
        }
      } catch (RuntimeException e) {
        // no leader yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no leader with " + standbys + " in-sync standbys within " + WAIT);
  }

  private static double creates(BatonClient client, int count, String prefix) throws Exception {
    return parallel(count, i -> client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder()
        .setName(prefix + "-" + i).setCommand(Command.newBuilder().setShell("true"))).build()));
  }

  /** Triggers of one ALLOW job with no agent: each a synced, replicated write of a queued run. */
  private static double triggers(BatonClient client, int count) throws Exception {
    String job = "t-" + System.nanoTime();
    client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName(job)
        .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW).setCommand(Command.newBuilder().setShell("true"))).build());
    return parallel(count, i -> client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName(job).build()));
  }

  /** Runs {@code action} {@code count} times from 16 threads; returns the rate per second. */
  private static double parallel(int count, IntConsumer action) throws Exception {
    AtomicInteger next = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(CLIENT_THREADS);
    long start = System.nanoTime();
    for (int t = 0; t < CLIENT_THREADS; t++) {
      new Thread(() -> {
        try {
          int i;
          while (failure.get() == null && (i = next.getAndIncrement()) < count) {
            action.accept(i);
          }
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      }).start();
    }
    done.await();
    if (failure.get() != null) {
      throw new IllegalStateException("a call failed: " + failure.get(), failure.get());
    }
    return count / ((System.nanoTime() - start) / 1e9);
  }

  static String render(Figures f) {
    List<Long> sorted = f.failoverMillis.stream().sorted().toList();
    long median = sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
    return "## High availability (" + f.operations + " operations from " + CLIENT_THREADS + " clients; lease TTL "
        + LEASE_TTL.toSeconds() + " s)\n\n"
        + "| figure | standalone | leader + 2 in-sync standbys | ratio |\n| --- | --- | --- | --- |\n"
        + "| job creation /s | " + fmt(f.createStandalone) + " | " + fmt(f.createHa) + " | "
        + String.format("%.2f", f.createHa / f.createStandalone) + " |\n"
        + "| trigger /s | " + fmt(f.triggerStandalone) + " | " + fmt(f.triggerHa) + " | "
        + String.format("%.2f", f.triggerHa / f.triggerStandalone) + " |\n\n"
        + "Failover, `kill -9` of the leader → first assignment by the new leader: median " + median + " ms of "
        + sorted.size() + " (" + f.failoverMillis.stream().map(m -> m + " ms").collect(Collectors.joining(", "))
        + ").\n";
  }

  private static String fmt(double v) {
    return String.format("%,.0f", v);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private String launcher(String name) {
    return root.resolve("bin").resolve(name).toString();
  }

  private Node start(String name, List<String> command, String readyLine) throws IOException, InterruptedException {
    Node node = new Node(name, command, work.resolve("logs").resolve(name + ".out"),
        work.resolve("logs").resolve(name + ".err"), new AtomicReference<>());
    restart(node, readyLine);
    return node;
  }

  /** Starts (again) the node's process and waits until its ready line appears once more. */
  private void restart(Node node, String readyLine) throws IOException, InterruptedException {
    long seen = count(node, readyLine);
    Process p = new ProcessBuilder(node.command()).directory(work.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(node.out().toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(node.err().toFile())).start();
    cleanup.track(p, node.name());
    node.process().set(p);
    long end = System.nanoTime() + WAIT.toNanos();
    while (count(node, readyLine) == seen) {
      if (!p.isAlive()) {
        throw new IllegalStateException(node.name() + " exited with " + p.exitValue());
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException(node.name() + " did not start within " + WAIT);
      }
      Thread.sleep(20);
    }
  }

  /** How many times the ready line appears in the node's output and log so far. */
  private static long count(Node node, String line) {
    long n = 0;
    for (Path file : List.of(node.out(), node.err())) {
      try {
        String text = Files.exists(file) ? Files.readString(file) : "";
        for (int i = text.indexOf(line); i >= 0; i = text.indexOf(line, i + 1)) {
          n++;
        }
      } catch (IOException e) {
        // not written yet
      }
    }
    return n;
  }

  private static void stop(Node node) throws InterruptedException {
    node.process().get().destroy();
    if (!node.process().get().waitFor(30, TimeUnit.SECONDS)) {
      node.process().get().destroyForcibly();
    }
  }
}
