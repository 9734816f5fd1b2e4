package dev.baton.agent;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.exec.Lifeline;
import dev.baton.agent.exec.ProcessRunner;
import dev.baton.agent.exec.RunRecords;
import dev.baton.agent.journal.ResultJournal;
import dev.baton.agent.stream.CoordinatorLink;
import dev.baton.client.BuildInfo;
import dev.baton.proto.v1.Hello;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root of an agent process: its identity, the process runner, the journal and the link. */
public final class Agent implements Closeable {
  public static final String VERSION = BuildInfo.version();
  private static final Logger log = LoggerFactory.getLogger(Agent.class);
  /** After draining, how long to wait for the coordinator to acknowledge the last results. */
  private static final Duration ACK_WAIT = Duration.ofSeconds(10);

  private final AgentConfig config;
  private final Clock clock;
  private final CountDownLatch drained = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private String id;
  private ProcessRunner runner;
  private ResultJournal journal;
  private Runs runs;
  private Lifeline lifeline;
  private RunRecords records;
  private CoordinatorLink link;
  private AgentMetrics metrics;

  public Agent(AgentConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  public Agent start() throws IOException {
    Files.createDirectories(config.stateDir());
    Files.createDirectories(config.workDir());
    id = loadOrCreateId(config.stateDir());
    journal = new ResultJournal(config.stateDir().resolve("journal"));
    records = new RunRecords(config.stateDir().resolve("running"));
    int leftovers = records.killLeftovers();
    if (leftovers > 0) {
      log.warn("killed {} process groups left running by the previous agent on this state dir", leftovers);
    }
    lifeline = Lifeline.start(records.file());
    runner = new ProcessRunner(clock);
    runs = new Runs(runner, journal, records, config.workDir(), config.slots(), clock);
    runs.limits(config.limits());
    runs.onIdle(() -> {
      if (runs.draining()) {
        drained.countDown();
      }
    });
    Hello identity = Hello.newBuilder()
        .setAgentId(id)
        .setName(config.name())
        .putAllLabels(config.labels())
        .setSlots(config.slots())
        .setAgentVersion(VERSION)
        .build();
    link = new CoordinatorLink(config.coordinator(), config.credentials(), identity, runs, clock);
    metrics = new AgentMetrics(runs::running, config::slots, journal::depth, link::connected);
    runner.onSpawn(metrics::spawned);
    runs.onFencedKills(metrics::fencedKills);
    link.onReconnect(metrics::reconnected);
    link.start();
    log.info("agent {} ({}) started: {} slots, labels {}, coordinator {}, state in {}; commands start {}",
        config.name(), id, config.slots(), config.labels(), config.coordinator(), config.stateDir().toAbsolutePath(),
        runner.launchMethod());
    return this;
  }

  /** The stable id, made on the first start and kept in {@code STATE_DIR/agent-id}. */
  static String loadOrCreateId(Path stateDir) throws IOException {
    Path file = stateDir.resolve("agent-id");
    if (Files.exists(file)) {
      String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (!stored.isEmpty()) {
        return stored;
      }
    }
    String fresh = UUID.randomUUID().toString();
    Path temp = stateDir.resolve("agent-id.tmp");
    Files.writeString(temp, fresh + "\n", StandardCharsets.UTF_8);
    Files.move(temp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return fresh;
  }

  public String id() {
    return id;
  }

  public AgentMetrics metrics() {
    return metrics;
  }

  /** Whether the stream to a coordinator is open and welcomed now ({@code /readyz}). */
  public boolean connected() {
    return link.connected();
  }

  /** Waits until the agent has been drained (by the coordinator, or {@link #drain}) and is idle. */
  public void awaitDrained() throws InterruptedException {
    drained.await();
  }

  /** Takes no new work, lets running work finish, and waits for its results to be acknowledged. */
  public void drain() throws InterruptedException {
    runs.drain();
    drained.await();
    long deadline = System.nanoTime() + ACK_WAIT.toNanos();
    while (!journal.pending().isEmpty() && link.connected() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (link != null) {
      link.close();
    }
    if (runs != null) {
      runs.close();
    }
    if (runner != null) {
      runner.close();
    }
    if (lifeline != null) {
      lifeline.close();
    }
    if (journal != null) {
      journal.close(); // after the runs: a result finishing while they stop still goes in
    }
    if (records != null) {
      records.close(); // the records stay: runs kept going (on_disconnect: keep) are a next agent's to judge
    }
    log.info("agent stopped");
  }
}
