package dev.baton.agent;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.baton.client.Times;
import dev.baton.agent.exec.ExecResult;
import dev.baton.agent.exec.LaunchSpec;
import dev.baton.agent.exec.RunLimits;
import dev.baton.agent.exec.UserAccount;
import dev.baton.agent.exec.ProcessListener;
import dev.baton.agent.exec.ProcessRunner;
import dev.baton.agent.exec.RunRecords;
import dev.baton.agent.exec.RunningProcess;
import dev.baton.agent.journal.ResultJournal;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.AssignmentAccepted;
import dev.baton.proto.v1.AssignmentRejected;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.HeldRun;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.OutputStream;
import dev.baton.proto.v1.RejectReason;
import dev.baton.proto.v1.RunFinished;
import dev.baton.proto.v1.RunStarted;
import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attempts this agent runs: starts them as the coordinator assigns them, reports their progress, keeps each
 * result in the journal until it is acknowledged, and stops them on cancel, on a coordinator that moved on, or
 * when the agent fences itself off.
 */
public final class Runs {
  private static final Logger log = LoggerFactory.getLogger(Runs.class);

  /** An attempt in progress. */
  private record Active(Assignment assignment, RunningProcess process) {}

  private final ProcessRunner runner;
  private final ResultJournal journal;
  private final RunRecords records;
  private final Path workDir;
  private volatile RunLimits limits = RunLimits.none(0, true);
  private final int slots;
  private final Object lock = new Object();
  /** Key: run id. Guarded by lock. */
  private final Map<String, Active> active = new HashMap<>();
  /** Stops asked for before the process existed (between accept and spawn), by run id: the reason. */
  private final Map<String, String> stopBeforeStart = new HashMap<>(); // guarded by lock
  /**
   * Results the journal could not keep (the disk is full and no space was reserved): still reported, and offered
   * again at each hello until acknowledged, as long as this process lives. Key: run id / attempt.
   */
  private final Map<String, RunFinished> unjournaled = new java.util.concurrent.ConcurrentHashMap<>();
  private int usedSlots; // guarded by lock
  private boolean draining; // guarded by lock
  private volatile Consumer<AgentMessage> outbox = message -> {};
  private volatile Runnable onIdle = () -> {};
  /**
   * Spawning takes a millisecond or more; done on the stream's callback thread it would start one process at a
   * time whatever the slots. One spawning thread per slot keeps the stream free and uses the capacity.
   */
  private final ExecutorService spawner;

  private volatile java.util.function.IntConsumer fencedKills = n -> {};
  private final Clock clock;

  /**
   * @param records the live process groups: what the lifeline reaper kills if this agent dies, and what a
   *     restarted agent kills if a crashed one left it running
   * @param clock stamps each chunk of output with when it was read
   */
  public Runs(ProcessRunner runner, ResultJournal journal, RunRecords records, Path workDir, int slots,
      Clock clock) {
    this.clock = clock;
    this.runner = runner;
    this.journal = journal;
    this.records = records;
    this.workDir = workDir;
    this.slots = slots;
    AtomicInteger threads = new AtomicInteger();
    this.spawner = Executors.newFixedThreadPool(Math.min(slots, 64), r -> {
      Thread t = new Thread(r, "baton-spawn-" + threads.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** Stops the spawning threads; running processes are left to the caller. */
  public void close() {
    spawner.shutdown();
    try {
      spawner.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Where reports go: the current stream, or nowhere while disconnected (results wait in the journal). */
  public void outbox(Consumer<AgentMessage> send) {
    this.outbox = send;
  }

  /** Called whenever the agent has no attempt left running. */
  public void onIdle(Runnable listener) {
    this.onIdle = listener;
  }

  public int freeSlots() {
    synchronized (lock) {
      return slots - usedSlots;
    }
  }

  public int running() {
    synchronized (lock) {
      return active.size();
    }
  }

  public boolean draining() {
    synchronized (lock) {
      return draining;
    }
  }

  /** Takes no new work from now on. */
  public void drain() {
    synchronized (lock) {
      draining = true;
    }
    if (running() == 0) {
      onIdle.run();
    }
  }

  /** What this agent agrees to run (default: anything, as any user). Call before assignments arrive. */
  public void limits(RunLimits limits) {
    this.limits = limits;
  }

  /** Accepts and starts an assignment, or refuses it. */
  public void assign(Assignment assignment) {
    RunLimits.Decision decision = limits.decide(assignment.getCommand(), assignment.getEnvMap(),
        assignment.getRunAs(), assignment.getWorkingDir().isEmpty() ? workDir : Path.of(assignment.getWorkingDir()),
        System.getenv("PATH"));
    if (decision instanceof RunLimits.Decision.Refuse refuse) {
      log.warn("{}/{}: refused by this agent's limits: {}", assignment.getRunId(), assignment.getAttempt(),
          refuse.reason());
      outbox.accept(AgentMessage.newBuilder().setRejected(AssignmentRejected.newBuilder()
          .setRunId(assignment.getRunId()).setAttempt(assignment.getAttempt())
          .setReason(RejectReason.REJECT_REASON_NOT_ALLOWED).setMessage(refuse.reason())).build());
      return;
    }
    UserAccount user = ((RunLimits.Decision.Run) decision).user().orElse(null);
    RejectReason refusal = null;
    synchronized (lock) {
      if (draining) {
        refusal = RejectReason.REJECT_REASON_DRAINING;
      } else if (active.containsKey(assignment.getRunId())) {
        return; // a repeated assignment of what already runs: nothing to do
      } else if (slots - usedSlots < Math.max(1, assignment.getSlots())) {
        refusal = RejectReason.REJECT_REASON_NO_SLOTS;
      } else {
        usedSlots += Math.max(1, assignment.getSlots());
        active.put(assignment.getRunId(), new Active(assignment, null));
      }
    }
    if (refusal != null) {
      outbox.accept(AgentMessage.newBuilder().setRejected(AssignmentRejected.newBuilder()
          .setRunId(assignment.getRunId()).setAttempt(assignment.getAttempt()).setReason(refusal)).build());
      return;
    }
    // Accepted is reported by the spawning thread right before started (or finished, if it could not start): the
    // two messages then share one write to the stream instead of a write each.
    spawner.execute(() -> {
      journal.reserve(assignment.getRunId(), assignment.getAttempt());
      Reporter reporter = new Reporter(assignment);
      RunningProcess process;
      try {
        process = runner.start(launchSpec(assignment, user), reporter);
      } catch (RuntimeException e) {
        // A bad assignment (say, a malformed duration) must end its run, not the spawning thread or the run.
        log.error("{}/{}: cannot start", assignment.getRunId(), assignment.getAttempt(), e);
        reporter.finished(ExecResult.notStarted("cannot start: " + e, Instant.now()));
        return;
      }
      String stop;
      synchronized (lock) {
        // A fast command may have finished (and left the table) before start() returned.
        Active current = active.get(assignment.getRunId());
        if (current != null && current.process() == null) {
          active.put(assignment.getRunId(), new Active(assignment, process));
        }
        stop = stopBeforeStart.remove(assignment.getRunId());
      }
      if (stop != null) {
        process.kill(stop);
      }
    });
  }

  /** Stops an attempt at the coordinator's request. */
  public void cancel(String runId, int attempt, String reason, Duration grace) {
    RunningProcess process = processOrMarkStop(runId, attempt, reason);
    if (process != null) {
      process.cancel(reason, grace);
    }
  }

  /** Kills an attempt the coordinator no longer considers current. */
  public void kill(String runId, int attempt, String reason) {
    RunningProcess process = processOrMarkStop(runId, attempt, reason);
    if (process != null) {
      process.kill(reason);
    }
  }

  /** The attempt's process; if it is accepted but not spawned yet, remembers to stop it as soon as it is. */
  private RunningProcess processOrMarkStop(String runId, int attempt, String reason) {
    synchronized (lock) {
      Active a = active.get(runId);
      if (a == null || a.assignment().getAttempt() != attempt) {
        return null;
      }
      if (a.process() == null) {
        stopBeforeStart.put(runId, reason);
      }
      return a.process();
    }
  }

  /**
   * Self-fencing: the coordinator has not been heard for nearly its TTL, so it will soon give these runs to
   * another worker. Kill every attempt whose job says {@code on_disconnect: KILL} first, so that no run ever
   * executes twice at once.
   */
  public void fence(String reason) {
    List<RunningProcess> doomed = new ArrayList<>();
    synchronized (lock) {
      for (Active a : active.values()) {
        if (a.assignment().getOnDisconnect() == DisconnectPolicy.DISCONNECT_POLICY_KEEP) {
          continue;
        }
        if (a.process() != null) {
          doomed.add(a.process());
        } else {
          stopBeforeStart.put(a.assignment().getRunId(), reason);
        }
      }
    }
    if (!doomed.isEmpty()) {
      log.warn("{}: killing {} runs (on_disconnect: kill)", reason, doomed.size());
      fencedKills.accept(doomed.size());
    }
    doomed.forEach(p -> p.kill(reason));
  }

  /** Hears how many runs each self-fencing killed (for the agent's metrics). */
  public void onFencedKills(java.util.function.IntConsumer listener) {
    this.fencedKills = listener;
  }

  /** The result of an attempt is durable at the coordinator. */
  public void acknowledged(String runId, int attempt) {
    unjournaled.remove(runId + "/" + attempt);
    journal.remove(runId, attempt);
  }

  /** What the agent holds, for its hello: running attempts and unacknowledged results. */
  public List<HeldRun> held() {
    List<HeldRun> out = new ArrayList<>();
    synchronized (lock) {
      for (Active a : active.values()) {
        HeldRun.Builder held = HeldRun.newBuilder().setRunId(a.assignment().getRunId())
            .setAttempt(a.assignment().getAttempt()).setEpoch(a.assignment().getEpoch()).setRunning(true);
        if (a.process() != null) {
          held.setPid(a.process().pid());
        }
        out.add(held.build());
      }
    }
    List<RunFinished> results = new ArrayList<>(unjournaled.values());
    try {
      results.addAll(journal.pending());
    } catch (RuntimeException e) {
      log.error("cannot read the result journal; offering only the results in memory", e);
    }
    for (RunFinished result : results) {
      out.add(HeldRun.newBuilder().setRunId(result.getRunId()).setAttempt(result.getAttempt())
          .setEpoch(result.getEpoch()).setRunning(false).setResult(result).build());
    }
    return out;
  }

  private LaunchSpec launchSpec(Assignment a, UserAccount user) {
    Map<String, String> env = new HashMap<>(a.getEnvMap());
    // Prefixed, so that a parameter (which a caller allowed to trigger may set) never sets PATH, LD_PRELOAD or the
    // job's own variables.
    a.getParamsMap().forEach((name, value) -> env.put("BATON_PARAM_" + name, value));
    env.put("BATON_JOB", a.getJob());
    env.put("BATON_RUN_ID", a.getRunId());
    env.put("BATON_ATTEMPT", Integer.toString(a.getAttempt()));
    env.put("BATON_WAVE_ID", a.getWaveId());
    env.put("BATON_SCHEDULED_TIME", DateTimeFormatter.ISO_INSTANT.format(
        Instant.ofEpochMilli(Timestamps.toMillis(a.getScheduledTime()))));
    env.put("BATON_EPOCH", Long.toString(a.getEpoch()));
    Path dir = a.getWorkingDir().isEmpty() ? workDir : Path.of(a.getWorkingDir());
    Duration timeout = Duration.ofMillis(Durations.toMillis(a.getTimeout()));
    Duration grace = a.hasKillGrace() ? Duration.ofMillis(Durations.toMillis(a.getKillGrace())) : Duration.ofSeconds(10);
    long maxOutput = a.getMaxOutputBytes() > 0 ? a.getMaxOutputBytes() : 1L << 20;
    return new LaunchSpec(a.getRunId(), a.getAttempt(), a.getCommand(), env, dir, timeout, grace, maxOutput, user);
  }

  /** Turns one attempt's process events into messages for the coordinator. */
  private final class Reporter implements ProcessListener {
    private final Assignment assignment;
    private volatile long pgid = -1;
    private volatile boolean acceptedSent;

    Reporter(Assignment assignment) {
      this.assignment = assignment;
    }

    /** Reports the assignment accepted, ahead of the first report about its process. */
    private void acceptedFirst() {
      if (!acceptedSent) {
        acceptedSent = true;
        outbox.accept(AgentMessage.newBuilder().setAccepted(AssignmentAccepted.newBuilder()
            .setRunId(assignment.getRunId()).setAttempt(assignment.getAttempt())).build());
      }
    }

    @Override
    public void started(long pid, Instant at) {
      pgid = pid;
      records.record(pid);
      acceptedFirst();
      outbox.accept(AgentMessage.newBuilder().setStarted(RunStarted.newBuilder()
          .setRunId(assignment.getRunId()).setAttempt(assignment.getAttempt()).setPid(pid)
          .setStartTime(Times.toProto(at))).build());
    }

    @Override
    public void output(OutputStream stream, long offset, byte[] data) {
      outbox.accept(AgentMessage.newBuilder().setOutput(OutputChunk.newBuilder()
          .setRunId(assignment.getRunId()).setAttempt(assignment.getAttempt()).setStream(stream)
          .setOffset(offset).setData(ByteString.copyFrom(data)).setTime(Times.toProto(clock.instant()))).build());
    }

    @Override
    public void finished(ExecResult result) {
      RunFinished.Builder report = RunFinished.newBuilder()
          .setRunId(assignment.getRunId())
          .setAttempt(assignment.getAttempt())
          .setEpoch(assignment.getEpoch())
          .setOutcome(result.outcome())
          .setError(result.error())
          .setStartTime(Times.toProto(result.startTime()))
          .setFinishTime(Times.toProto(result.finishTime()))
          .setOutputBytes(result.outputBytes())
          .setOutputTail(ByteString.copyFrom(result.outputTail()));
      result.exitCode().ifPresent(report::setExitCode);
      result.signal().ifPresent(report::setSignal);
      RunFinished finished = report.build();
      if (pgid > 0) {
        records.remove(pgid);
      }
      // Durable first: once it is in the journal, no disconnect or restart can lose it. A journal that cannot take
      // it (full disk) must not leave the run hanging: the result is kept in memory and reported all the same.
      try {
        journal.add(finished);
      } catch (RuntimeException e) {
        log.error("{}/{}: the result could not be journaled; reporting it from memory: {}", finished.getRunId(),
            finished.getAttempt(), e.getMessage());
        unjournaled.put(finished.getRunId() + "/" + finished.getAttempt(), finished);
      }
      boolean idle;
      synchronized (lock) {
        if (active.remove(assignment.getRunId()) != null) {
          usedSlots -= Math.max(1, assignment.getSlots());
        }
        idle = active.isEmpty();
      }
      acceptedFirst(); // a command that could not start: no started report came before
      outbox.accept(AgentMessage.newBuilder().setFinished(finished).build());
      if (idle) {
        onIdle.run();
      }
    }
  }
}
