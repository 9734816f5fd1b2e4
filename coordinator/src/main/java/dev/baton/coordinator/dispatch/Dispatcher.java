package dev.baton.coordinator.dispatch;

import dev.baton.proto.v1.ErrorReason;
import com.google.protobuf.util.Durations;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.FatalHandler;
import dev.baton.coordinator.store.StoreException;
import dev.baton.client.Times;
import dev.baton.coordinator.request.AnswerRecorder;
import dev.baton.coordinator.run.ActiveRuns;
import dev.baton.coordinator.run.BackfillQueue;
import dev.baton.coordinator.run.DeadLetters;
import dev.baton.coordinator.run.OverlapRules;
import dev.baton.coordinator.run.OutputStore;
import dev.baton.coordinator.run.RetryPlanner;
import dev.baton.coordinator.run.RetryQueue;
import dev.baton.coordinator.run.RunTransition;
import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.job.JobValidator;
import dev.baton.coordinator.run.RunChanges;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.run.RunStateMachine;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.worker.WorkerSession;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.CancelAttempt;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Drain;
import dev.baton.proto.v1.HeartbeatAck;
import dev.baton.proto.v1.HeldRun;
import dev.baton.proto.v1.HeldRunDecision;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ResultAck;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RejectReason;
import dev.baton.proto.v1.RunFinished;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.Welcome;
import dev.baton.proto.v1.Worker;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns workers and in-flight runs: it applies what agents report, places queued runs on
 * workers, and declares silent workers dead. Everything it changes in one pass of its loop is committed as one
 * synced WriteBatch (so a burst of reports costs one fsync), and only then are acknowledgements and assignments
 * sent: an agent never holds an assignment the store does not know, and never drops a result the store has not
 * kept.
 *
 * <p>Decisions are delegated to pure code: {@link Placement} picks the worker, {@link RunChanges} and the run state
 * machine say what a report does to a run. Other threads talk to the dispatcher only by {@link #submit}.
 */
public final class Dispatcher implements AutoCloseable {
  /** Timing settings sent to agents and used for liveness. */
  public record Timing(Duration heartbeatInterval, Duration workerTtl, Duration fenceMargin, long maxOutputBytes) {}

  private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
  private static final int MAX_ASSIGNMENTS_PER_ROUND = 2_000;
  /** How many queued runs that cannot be placed a pass looks at to say why they wait, and how often. */
  private static final int WAITING_REASON_SCAN = 256;
  private static final Duration WAITING_REASON_PERIOD = Duration.ofSeconds(1);
  private static final int MAX_OUTPUT_CHUNK = 64 * 1024;
  private static final Duration IDLE_WAKE = Duration.ofMillis(100);
  /** Pause after a round the store refused, before trying again. */
  private static final Duration STORE_RETRY = Duration.ofMillis(200);

  private final Store store;
  private final RunStore runs;
  private final ReadyQueue ready;
  private final OutputStore output;
  private final RunEventHub events;
  private final RetryQueue retries;
  private final DeadLetters deadLetters;
  private final DispatchSettingsStore dispatchSettings;
  private final JobRegistry jobs;
  private final ActiveRuns active;
  private final BackfillQueue backfills;
  private final WaveProgress waves;
  /** Backfill runs of one job allowed in the queue or running at once when its runs may overlap. */
  private static final int BACKFILL_AT_ONCE = 4;
  private final JobDurations durations = new JobDurations();
  private final RoundRobinCursor roundRobin = new RoundRobinCursor();
  private final Clock clock;
  private final RandomGenerator random;
  private final Timing timing;
  private final long epoch;
  private final LinkedBlockingQueue<Consumer<Round>> tasks = new LinkedBlockingQueue<>();
  private final AtomicBoolean wakePending = new AtomicBoolean();
  private final AtomicBoolean running = new AtomicBoolean();
  private final Map<String, LabelSelector> selectors = new HashMap<>();
  private Thread thread;

  // Confined to the dispatcher thread.
  private final Map<String, WorkerSession> sessions = new LinkedHashMap<>();
  /** Run id -> worker id, for every run ASSIGNED or RUNNING. */
  private final Map<String, String> inFlight = new HashMap<>();
  /** In-flight runs found in the store at start, waiting for their agent to say hello again. */
  private final Set<String> awaitingReconnect = new HashSet<>();
  /** Until when runs found in flight at start wait for their agents; set when agents can first connect. */
  private Instant reconnectDeadline = Instant.MAX;
  private long assignSequence;
  private Instant lastDeadlineSweep = Instant.EPOCH;
  private static final Duration DEADLINE_SWEEP = Duration.ofSeconds(1);
  private Instant nextWaitingReasons = Instant.EPOCH;
  /** The last round was refused by the store (logged once per streak). */
  private boolean storeFailing;
  /** In-memory worker state must be rebuilt from the store before the next round ({@link #resetFromStore}). */
  private boolean reloadNeeded;
  private volatile FatalHandler fatal = FatalHandler.exitProcess();

  public Dispatcher(Store store, RunStore runs, ReadyQueue ready, OutputStore output, RunEventHub events,
      RetryQueue retries, DeadLetters deadLetters, DispatchSettingsStore dispatchSettings, JobRegistry jobs,
      ActiveRuns active, BackfillQueue backfills, Clock clock, RandomGenerator random, Timing timing, long epoch) {
    this.active = active;
    this.backfills = backfills;
    this.waves = new WaveProgress(runs, jobs, active, clock, (id, why) -> cancel(id, why));
    this.dispatchSettings = dispatchSettings;
    this.jobs = jobs;
    this.store = store;
    this.runs = runs;
    this.ready = ready;
    this.output = output;
    this.events = events;
    this.retries = retries;
    this.deadLetters = deadLetters;
    this.clock = clock;
    this.random = random;
    this.timing = timing;
    this.epoch = epoch;
    ready.onAdd(this::wake);
  }

  /** Reads the runs that were in flight when the coordinator stopped. Call once before {@link #start}. */
  public void load() {
    inFlight.clear();
    awaitingReconnect.clear();
    store.scan(ColumnFamily.IN_FLIGHT, null, null, false, (key, value) -> {
      String runId = Long.toString(Keys.runId(key));
      inFlight.put(runId, new String(value, StandardCharsets.UTF_8));
      awaitingReconnect.add(runId);
      return true;
    });
    if (!inFlight.isEmpty()) {
      log.info("{} runs were in flight at the last stop; waiting up to {} for their agents", inFlight.size(),
          restartGrace());
    }
  }

  /**
   * How long runs found in flight at start wait for their agents before they count as lost: twice the worker TTL,
   * from the moment agents can connect. An agent that has lost its coordinator retries within a quarter of its
   * fence time, but a restart under load delays its hello by seconds; a hello later still can reclaim its runs
   * while their new attempts wait in the queue ({@link RunChanges#reclaimable}).
   */
  private Duration restartGrace() {
    return timing.workerTtl().multipliedBy(2);
  }

  /** Starts the loop. Call once the agents' service accepts connections: the restart grace counts from here. */
  public void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    reconnectDeadline = clock.instant().plus(restartGrace());
    thread = new Thread(this::loop, "baton-dispatch");
    thread.setDaemon(true);
    thread.start();
  }

  /** What to do when the loop fails beyond one task or run (default: exit the process). Set before {@link #start}. */
  public void onFatal(FatalHandler handler) {
    this.fatal = handler;
  }

  /** Runs {@code task} on the dispatcher thread, inside the next round. */
  public void submit(Consumer<Round> task) {
    tasks.add(task);
  }

  /** Makes the dispatcher look at the queue and the workers again soon. */
  public void wake() {
    if (wakePending.compareAndSet(false, true)) {
      tasks.add(round -> {});
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The loop

  private void loop() {
    while (running.get()) {
      try {
        Consumer<Round> first = tasks.poll(untilNextLook().toNanos(), TimeUnit.NANOSECONDS);
        List<Consumer<Round>> more = new ArrayList<>();
        tasks.drainTo(more, 10_000);
        // Cleared only after draining: a wake-up whose task was drained above is served by this pass; one that
        // comes after this line finds the flag clear and queues a task, so no wake-up is ever lost.
        wakePending.set(false);
        if (reloadNeeded) {
          resetFromStore();
        }
        Round round = new Round(store, runs, events);
        if (first != null) {
          runTask(round, first);
        }
        for (Consumer<Round> task : more) {
          runTask(round, task);
        }
        expireWorkers(round);
        queueDueRetries(round);
        skipMissedStartDeadlines(round);
        releaseBackfills(round);
        // Placement joins the same round: one synced write for the reports and the assignments they made room for.
        placeQueuedRuns(round);
        waves.continueWaves(round);
        boolean writes = !round.batch().isEmpty(); // read before the commit, which closes the batch
        round.commit();
        if (storeFailing && writes) {
          storeFailing = false;
          log.info("the store takes writes again; dispatching goes on");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (StoreException e) {
        if (!storeFailing) {
          storeFailing = true;
          log.error("the store refused a write: {}; agents reconnect and dispatch waits until it takes writes again",
              e.getMessage());
        }
        reloadNeeded = true;
        try {
          Thread.sleep(STORE_RETRY.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      } catch (Throwable t) {
        // Not confined to one task or run (those are handled below): a dispatcher that goes on after this could
        // hold runs it will never place. Stop, and let the process be restarted.
        running.set(false);
        fatal.fatal(Thread.currentThread().getName(), t);
        return;
      }
    }
  }

  /** How long the loop may wait for a task: {@link #IDLE_WAKE}, or less when a held run becomes ready sooner. */
  private Duration untilNextLook() {
    Instant now = clock.instant();
    return ready.firstHeldAfter(now)
        .map(held -> Duration.between(now, held))
        .filter(wait -> wait.compareTo(IDLE_WAKE) < 0)
        .orElse(IDLE_WAKE);
  }

  /**
   * After a round the store did not take (a full disk, an I/O error): nothing of it was acknowledged, but its
   * in-memory changes (placements, workers' held runs) no longer match the store. Start over from the store as after
   * a restart: agents reconnect and say again what they hold, and their reports come again with it.
   */
  private void resetFromStore() {
    for (WorkerSession session : sessions.values()) {
      session.close(Status.UNAVAILABLE.withDescription("the coordinator could not write its store; reconnect"));
    }
    sessions.clear();
    load();
    reconnectDeadline = clock.instant().plus(restartGrace());
    reloadNeeded = false;
  }

  /** Runs one task; a bug in it (not a store failure) drops its changes and leaves the rest of the round intact. */
  private void runTask(Round round, Consumer<Round> task) {
    Round.Mark mark = round.mark();
    try {
      task.accept(round);
      round.keep(mark);
    } catch (StoreException e) {
      throw e;
    } catch (RuntimeException e) {
      round.rollback(mark);
      log.error("a dispatcher task failed; its changes were dropped", e);
    }
  }

  /**
   * Does the round's work for one run. A bug that shows only for this run (a stored value the code cannot handle)
   * must not stall every other run: its changes are dropped and the run FAILS with the error as its reason.
   */
  private void forRun(Round round, long runId, Runnable work) {
    Round.Mark mark = round.mark();
    try {
      work.run();
      round.keep(mark);
    } catch (StoreException e) {
      throw e;
    } catch (RuntimeException e) {
      round.rollback(mark);
      failBroken(round, runId, e);
    }
  }

  private void failBroken(Round round, long runId, RuntimeException e) {
    log.error("run {} cannot be dispatched; it fails", runId, e);
    String id = Long.toString(runId);
    retries.of(runId).ifPresent(due -> retries.remove(round.batch(), due));
    Optional<Run> found = round.read(id);
    if (found.isEmpty()) {
      return;
    }
    Run run = found.get();
    if (run.getState() == RunState.RUN_STATE_QUEUED) {
      ready.remove(round.batch(), ReadyQueue.entryOf(run));
    }
    if (inFlight.remove(id) != null) {
      round.batch().delete(ColumnFamily.IN_FLIGHT, Keys.run(runId));
    }
    if (RunStateMachine.allows(run.getState(), RunTransition.FAIL)) {
      round.write(run, RunChanges.failInternally(run, "internal error: " + e, clock.instant()));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Agents

  /** A new stream said hello. */
  public void hello(WorkerSession session) {
    submit(round -> onHello(round, session));
  }

  /** A message on an established stream. */
  public void message(WorkerSession session, AgentMessage message) {
    submit(round -> onMessage(round, session, message));
  }

  /** The stream ended; the worker's runs stay with it until it comes back or its TTL runs out. */
  public void disconnected(WorkerSession session) {
    submit(round -> {
      session.disconnected();
      log.info("worker {} ({}) disconnected; its {} runs wait up to {} for it", session.name(), session.id(),
          session.held().size(), timing.workerTtl());
    });
  }

  private void onHello(Round round, WorkerSession session) {
    Instant now = clock.instant();
    WorkerSession previous = sessions.put(session.id(), session);
    if (previous != null && previous != session) {
      // The agent reconnected: its old stream is dead even if we have not noticed yet.
      previous.close(Status.ABORTED.withDescription("replaced by a new connection of the same agent"));
    }
    Set<String> mentioned = new HashSet<>();
    List<HeldRunDecision> decisions = new ArrayList<>();
    // The welcome goes out first, before the acknowledgements of the results the hello carried; it is built at the
    // commit, once the decisions below are all made.
    round.after(() -> session.send(CoordinatorMessage.newBuilder().setWelcome(welcome(session, decisions)).build()));
    for (HeldRun held : session.helloMessage().getHeldRunsList()) {
      mentioned.add(held.getRunId());
      Optional<Run> found = held.getRunning()
          ? round.read(held.getRunId()).map(run -> reclaimIfStillQueued(round, run, held.getAttempt(), session,
              held.getPid()))
          : Optional.empty();
      boolean current = found.isPresent() && isCurrentOn(found.get(), held.getAttempt(), session.id());
      if (held.getRunning()) {
        decisions.add(HeldRunDecision.newBuilder().setRunId(held.getRunId()).setAttempt(held.getAttempt())
            .setKeep(current).build());
        if (current) {
          Run run = found.get();
          session.hold(new WorkerSession.Held(run.getId(), held.getAttempt(), slotsOf(run)), ++assignSequence);
          inFlight.put(run.getId(), session.id());
          if (run.getState() == RunState.RUN_STATE_ASSIGNED) {
            round.write(run, RunChanges.start(run, held.getPid(), RunChanges.current(run).getAssignTime(), now));
          }
        }
      } else {
        onFinished(round, session, held.getResult());
      }
      awaitingReconnect.remove(held.getRunId());
    }
    // Runs this worker held before that it no longer mentions were lost with it (the agent restarted).
    for (Map.Entry<String, String> e : new ArrayList<>(inFlight.entrySet())) {
      if (e.getValue().equals(session.id()) && !mentioned.contains(e.getKey())) {
        session.release(e.getKey());
        lose(round, e.getKey(), "agent " + session.name() + " reconnected without it");
      }
    }
    session.heard(now);
    log.info("worker {} ({}) connected: {} slots, labels {}, {} held runs", session.name(), session.id(),
        session.slots(), session.labels(), session.helloMessage().getHeldRunsCount());
    wake();
  }

  private Welcome welcome(WorkerSession session, List<HeldRunDecision> decisions) {
    return Welcome.newBuilder()
        .setEpoch(epoch)
        .setHeartbeatInterval(Durations.fromMillis(timing.heartbeatInterval().toMillis()))
        .setWorkerTtl(Durations.fromMillis(timing.workerTtl().toMillis()))
        .setFenceMargin(Durations.fromMillis(timing.fenceMargin().toMillis()))
        .setMaxOutputChunkBytes(MAX_OUTPUT_CHUNK)
        .addAllHeldRunDecisions(decisions)
        .setWorkerId(session.id())
        .build();
  }

  private void onMessage(Round round, WorkerSession session, AgentMessage message) {
    if (sessions.get(session.id()) != session) {
      return; // a stream that was replaced or declared dead: its reports come again on the new stream
    }
    Instant now = clock.instant();
    session.heard(now);
    switch (message.getKindCase()) {
      case HEARTBEAT -> {
        if (message.getHeartbeat().getDraining() && !session.draining()) {
          session.drain();
          log.info("worker {} ({}) is draining", session.name(), session.id());
        }
        session.send(CoordinatorMessage.newBuilder().setHeartbeatAck(HeartbeatAck.newBuilder()
            .setSequence(message.getHeartbeat().getSequence()).setEpoch(epoch)).build());
      }
      case ACCEPTED -> { }
      case REJECTED -> {
        var rejected = message.getRejected();
        round.read(rejected.getRunId())
            .filter(run -> isCurrentOn(run, rejected.getAttempt(), session.id()))
            .ifPresent(run -> {
              if (rejected.getReason() == RejectReason.REJECT_REASON_NOT_ALLOWED) {
                refusedByLimits(round, session, run, rejected.getMessage());
              } else {
                session.release(run.getId());
                requeue(round, run, AttemptOutcome.ATTEMPT_OUTCOME_REJECTED,
                    "worker " + session.name() + " refused it: " + rejected.getReason() + " " + rejected.getMessage());
              }
              wake();
            });
      }
      case STARTED -> {
        var started = message.getStarted();
        Optional<Run> current = round.read(started.getRunId())
            .filter(run -> isCurrentOn(run, started.getAttempt(), session.id()));
        if (current.isEmpty()) {
          // Started after the coordinator gave up on it (say, past the start bound): it must not run beside the
          // attempt that replaced it.
          round.after(() -> session.send(CoordinatorMessage.newBuilder().setCancel(CancelAttempt.newBuilder()
              .setRunId(started.getRunId()).setAttempt(started.getAttempt()).setEpoch(epoch)
              .setReason("the coordinator has moved on from this attempt")
              .setKillGrace(Durations.fromMillis(0))).build()));
          return;
        }
        session.started(started.getRunId());
        current.filter(run -> run.getState() == RunState.RUN_STATE_ASSIGNED)
            .ifPresent(run -> round.write(run, RunChanges.start(run, started.getPid(), started.getStartTime(), now)));
      }
      case FINISHED -> onFinished(round, session, message.getFinished());
      default -> log.warn("worker {} sent an unexpected {}", session.name(), message.getKindCase());
    }
  }

  private void onFinished(Round round, WorkerSession session, RunFinished result) {
    Optional<Run> found = round.read(result.getRunId())
        .map(run -> reclaimIfStillQueued(round, run, result.getAttempt(), session, 0));
    if (found.isPresent() && isCurrentOn(found.get(), result.getAttempt(), session.id())) {
      Run run = found.get();
      // What of the output did not arrive as chunks comes from the tail the result carries.
      long outputKeptFrom = output.finish(round.batch(), run, result);
      leaveWorker(round, run.getId(), session);
      if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_LOST) {
        // The agent killed it because it could not hear a coordinator (self-fencing): as with a lost worker, the
        // run gets a new attempt, counted against its lost-attempt limit.
        requeue(round, run, AttemptOutcome.ATTEMPT_OUTCOME_LOST, "its agent gave it up: " + result.getError());
      } else {
        recordFinished(round, run, result, outputKeptFrom);
      }
      wake();
    }
    // Acknowledge every report, current or stale, once the store has what it needs: the agent may forget it.
    round.after(() -> session.send(CoordinatorMessage.newBuilder().setAck(ResultAck.newBuilder()
        .setRunId(result.getRunId()).setAttempt(result.getAttempt())).build()));
  }

  /**
   * An agent's limits forbid the run (its command, its user): the attempt fails with the agent's reason — retried
   * elsewhere if the job retries — and that worker is sent no more runs of the job until it connects again.
   */
  private void refusedByLimits(Round round, WorkerSession session, Run run, String why) {
    int attempt = RunChanges.current(run).getNumber();
    output.forget(run.getId(), attempt);
    leaveWorker(round, run.getId(), session);
    session.refusedJob(run.getJob(), why);
    log.warn("worker {} ({}) refused run {} of job {} by its limits: {}", session.name(), session.id(), run.getId(),
        run.getJob(), why);
    recordFinished(round, run, RunFinished.newBuilder().setRunId(run.getId()).setAttempt(attempt)
        .setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
        .setError("refused by worker " + session.name() + ": " + why)
        .setFinishTime(Times.toProto(clock.instant())).build(), 0);
  }

  private void recordFinished(Round round, Run run, RunFinished result, long outputKeptFrom) {
    Run next = RunChanges.finish(run, result, outputKeptFrom, clock.instant());
    if ((next.getState() == RunState.RUN_STATE_FAILED || next.getState() == RunState.RUN_STATE_TIMED_OUT)
        && !run.getCancelRequested()) {
      next = afterFailure(round, next, result);
    }
    round.write(run, next);
    if (next.getState() == RunState.RUN_STATE_SUCCEEDED && result.hasStartTime() && result.hasFinishTime()) {
      durations.record(run.getJob(), Duration.between(Times.toInstant(result.getStartTime()),
          Times.toInstant(result.getFinishTime())));
    }
  }

  /**
   * A failed or timed-out run: retried after the job's delay, dead-lettered when its retries are exhausted, or
   * left FAILED when its job does not retry this failure.
   */
  private Run afterFailure(Round round, Run failed, RunFinished result) {
    Optional<Job> job = jobs.find(failed.getJob());
    if (job.isEmpty()) {
      return failed;
    }
    Instant now = clock.instant();
    OptionalInt exitCode = result.hasExitCode() ? OptionalInt.of(result.getExitCode()) : OptionalInt.empty();
    RetryPlanner.Decision decision = RetryPlanner.decide(job.get().getRetry(), RunChanges.failuresInSeries(failed),
        result.getOutcome(), exitCode, random);
    if (decision instanceof RetryPlanner.Retry retry) {
      Instant due = now.plus(retry.delay());
      retries.add(round.batch(), Long.parseLong(failed.getId()), due);
      return RunChanges.awaitRetry(failed, due, retry.retryNumber(), failed.getStateReason());
    }
    if (decision instanceof RetryPlanner.Exhausted exhausted) {
      Run dead = RunChanges.deadLetter(failed, exhausted.reason(), now);
      DeadLetter.Builder entry = DeadLetter.newBuilder().setRun(dead).setReason(exhausted.reason())
          .setOutputTail(result.getOutputTail()).setDeadLetterTime(Times.toProto(now));
      if (result.hasExitCode()) {
        entry.setLastExitCode(result.getExitCode());
      }
      deadLetters.put(round.batch(), entry.build());
      return dead;
    }
    return failed;
  }

  /** Retries whose delay is over become QUEUED as a new attempt. */
  private void queueDueRetries(Round round) {
    Instant now = clock.instant();
    for (RetryQueue.Due due : retries.due(now)) {
      forRun(round, due.runId(), () -> {
        retries.remove(round.batch(), due);
        round.read(Long.toString(due.runId()))
            .filter(run -> RunStateMachine.allows(run.getState(), RunTransition.RETRY))
            .ifPresent(run -> {
              Run queued = RunChanges.retry(run, now);
              round.write(run, queued);
              ready.add(round.batch(), queued);
            });
      });
    }
  }

  /**
   * A worker reports on an attempt that was declared lost (its TTL ran out, or it did not come back in time after a
   * restart). If the attempt queued in its place has not left the queue, the reported attempt wins: the run is
   * taken out of the queue and is RUNNING on this worker again, so a result that exists never turns into another
   * execution. Otherwise the run as it is.
   */
  private Run reclaimIfStillQueued(Round round, Run run, int attempt, WorkerSession session, long pid) {
    if (!RunChanges.reclaimable(run, attempt, session.id())) {
      return run;
    }
    Run reclaimed = RunChanges.reclaim(run, pid, clock.instant());
    ready.remove(round.batch(), ReadyQueue.entryOf(run));
    round.write(run, reclaimed);
    round.batch().put(ColumnFamily.IN_FLIGHT, Keys.run(Long.parseLong(run.getId())),
        session.id().getBytes(StandardCharsets.UTF_8));
    inFlight.put(run.getId(), session.id());
    log.info("worker {} ({}) reclaimed run {} attempt {}: its replacement had not left the queue", session.name(),
        session.id(), run.getId(), attempt);
    return reclaimed;
  }

  private static boolean isCurrentOn(Run run, int attempt, String workerId) {
    return RunChanges.isCurrentOn(run, attempt, workerId);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Liveness

  /**
   * How long an agent may take from an assignment to reporting its process started. Spawning takes milliseconds;
   * an agent that heartbeats but starts nothing for this long (a stuck spawner, a full process table) would hold
   * the run ASSIGNED forever.
   */
  private Duration startBound() {
    return timing.workerTtl().multipliedBy(3);
  }

  /** Runs not started within {@link #startBound} go back to the queue as a new attempt; their worker takes no more. */
  private void requeueUnstarted(Round round, Instant now) {
    for (WorkerSession session : sessions.values()) {
      if (session.unstarted().isEmpty()) {
        continue;
      }
      for (Map.Entry<String, Instant> waiting : List.copyOf(session.unstarted().entrySet())) {
        if (Duration.between(waiting.getValue(), now).compareTo(startBound()) <= 0) {
          continue;
        }
        String runId = waiting.getKey();
        forRun(round, Long.parseLong(runId), () -> {
          String why = "not started by worker " + session.name() + " within "
              + dev.baton.client.DurationText.format(startBound()) + " of its assignment";
          Optional<Run> run = round.read(runId).filter(r -> r.getState() == RunState.RUN_STATE_ASSIGNED
              && RunChanges.current(r).getWorkerId().equals(session.id()));
          session.release(runId);
          if (run.isEmpty()) {
            return;
          }
          int attempt = RunChanges.current(run.get()).getNumber();
          requeue(round, run.get(), AttemptOutcome.ATTEMPT_OUTCOME_LOST, why);
          // Should it still start the process, it kills it at once: the run is another attempt's now.
          round.after(() -> session.send(CoordinatorMessage.newBuilder().setCancel(CancelAttempt.newBuilder()
              .setRunId(runId).setAttempt(attempt).setEpoch(epoch).setReason(why)
              .setKillGrace(Durations.fromMillis(0))).build()));
          session.markUnhealthy("run " + runId + " attempt " + attempt + " " + why
              + "; it takes no new work until it reconnects");
          log.warn("worker {} ({}) is unhealthy: run {} {}", session.name(), session.id(), runId, why);
        });
      }
    }
  }

  private void expireWorkers(Round round) {
    Instant now = clock.instant();
    requeueUnstarted(round, now);
    Iterator<WorkerSession> it = sessions.values().iterator();
    while (it.hasNext()) {
      WorkerSession session = it.next();
      if (Duration.between(session.lastHeard(), now).compareTo(timing.workerTtl()) <= 0) {
        continue;
      }
      it.remove();
      log.warn("worker {} ({}) silent for more than {}: dead; requeueing its {} runs", session.name(), session.id(),
          timing.workerTtl(), session.held().size());
      session.close(Status.UNAVAILABLE.withDescription("no heartbeat for "
          + dev.baton.client.DurationText.format(timing.workerTtl())));
      for (String runId : new ArrayList<>(session.held().keySet())) {
        session.release(runId);
        lose(round, runId, "worker " + session.name() + " lost (no heartbeat for "
            + dev.baton.client.DurationText.format(timing.workerTtl()) + ")");
      }
    }
    if (!awaitingReconnect.isEmpty() && now.isAfter(reconnectDeadline)) {
      for (String runId : awaitingReconnect) {
        String workerId = inFlight.get(runId);
        if (workerId != null && !sessions.containsKey(workerId)) {
          lose(round, runId, "its worker did not reconnect within "
              + dev.baton.client.DurationText.format(restartGrace())
              + " of the coordinator's restart");
        }
      }
      awaitingReconnect.clear();
    }
  }

  /** A run's worker is gone: a new attempt, or CANCELLED if a cancel was waiting. */
  private void lose(Round round, String runId, String reason) {
    Optional<Run> found = round.read(runId);
    inFlight.remove(runId);
    round.batch().delete(ColumnFamily.IN_FLIGHT, Keys.run(Long.parseLong(runId)));
    if (found.isEmpty() || !(found.get().getState() == RunState.RUN_STATE_ASSIGNED
        || found.get().getState() == RunState.RUN_STATE_RUNNING)) {
      return;
    }
    requeue(round, found.get(), AttemptOutcome.ATTEMPT_OUTCOME_LOST, reason);
  }

  private void requeue(Round round, Run run, AttemptOutcome outcome, String reason) {
    output.forget(run.getId(), RunChanges.current(run).getNumber());
    inFlight.remove(run.getId());
    round.batch().delete(ColumnFamily.IN_FLIGHT, Keys.run(Long.parseLong(run.getId())));
    Instant now = clock.instant();
    if (run.getCancelRequested()) {
      round.write(run, RunChanges.cancel(run, run.getCancelReason(), now));
      return;
    }
    Run next = RunChanges.requeue(run, outcome, reason, maxLostAttempts(run), now);
    round.write(run, next);
    if (next.getState() == RunState.RUN_STATE_QUEUED) {
      ready.add(round.batch(), next);
    }
  }

  private void leaveWorker(Round round, String runId, WorkerSession session) {
    session.release(runId);
    inFlight.remove(runId);
    round.batch().delete(ColumnFamily.IN_FLIGHT, Keys.run(Long.parseLong(runId)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Placement

  private void placeQueuedRuns(Round round) {
    if (ready.entries().isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    int assigned = 0;
    List<WorkerSession> workers = new ArrayList<>(sessions.values());
    // Once nothing more can be placed, the walk goes on through the head of the queue so that its runs say why they
    // wait (no matching worker, all draining), but at most once a second: a long queue on a busy fleet is normal, and
    // this pass runs after every report of every agent.
    boolean explain = !now.isBefore(nextWaitingReasons);
    boolean anyRoom = workers.stream().anyMatch(Dispatcher::hasRoomNow);
    if (!explain && !anyRoom) {
      return; // nothing can be placed: do not walk a long queue for nothing (it may hold 100,000s of runs)
    }
    // Ordering a long queue by policy costs a sort; only placement needs that order. Saying why runs wait does not:
    // the head of the queue in key order (priority, then age) serves.
    int explained = 0;
    for (ReadyQueue.Entry entry : anyRoom ? inPolicyOrder(now) : ready.readyAt(now)) {
      boolean placing = assigned < MAX_ASSIGNMENTS_PER_ROUND && workers.stream().anyMatch(Dispatcher::hasRoomNow);
      if (!placing && (!explain || explained++ >= WAITING_REASON_SCAN)) {
        break;
      }
      boolean[] placed = {false};
      forRun(round, entry.runId(), () -> placed[0] = placeOne(round, entry, workers, placing, now));
      if (placed[0]) {
        assigned++;
      }
    }
    if (explained > 0) {
      nextWaitingReasons = now.plus(WAITING_REASON_PERIOD);
    }
  }

  /** Assigns one queued run if a worker can take it, or says why it waits; whether it was assigned. */
  private boolean placeOne(Round round, ReadyQueue.Entry entry, List<WorkerSession> workers, boolean placing,
      Instant now) {
    String runId = Long.toString(entry.runId());
    Optional<Run> found = round.read(runId);
    if (found.isEmpty() || found.get().getState() != RunState.RUN_STATE_QUEUED) {
      ready.remove(round.batch(), entry); // left the queue some other way
      return false;
    }
    Run run = found.get();
    Optional<Job> job = jobs.find(run.getJob());
    if (job.isEmpty()) {
      ready.remove(round.batch(), entry);
      round.write(run, RunChanges.skip(run, "job " + run.getJob() + " was deleted before the run started", now));
      return false;
    }
    Optional<String> late = missedStartDeadline(run, job.get(), now);
    if (late.isPresent()) {
      ready.remove(round.batch(), entry);
      round.write(run, RunChanges.skip(run, late.get(), now));
      return false;
    }
    if (OverlapRules.waitsForActive(job.get().getOverlap(), run.getCatchUp()) && anotherRunExecutes(run)) {
      return false; // QUEUE_ONE / REPLACE / a catch-up run: it starts once the run ahead of it has stopped
    }
    LabelSelector selector = selectors.computeIfAbsent(job.get().getSelector(), LabelSelector::parse);
    int slots = Math.max(1, job.get().getSlots());
    Optional<WorkerSession> worker = placing ? Placement.choose(workers, selector, slots, run.getJob()) : Optional.empty();
    if (worker.isEmpty()) {
      String waiting = Placement.waitingReason(workers, selector, run.getJob());
      if (!waiting.equals(run.getStateReason())) {
        round.write(run, run.toBuilder().setStateReason(waiting).build());
      }
      return false;
    }
    assign(round, entry, run, job.get(), worker.get(), slots, now);
    roundRobin.served(run.getJob());
    return true;
  }

  private static boolean hasRoomNow(WorkerSession worker) {
    return worker.acceptsWork() && worker.freeSlots() > 0;
  }

  /**
   * Moves pending backfill runs into the queue, oldest first: one at a time for a job whose runs must not overlap
   * (the next once nothing of the job is active), up to {@link #BACKFILL_AT_ONCE} active for ALLOW.
   */
  private void releaseBackfills(Round round) {
    Instant now = clock.instant();
    for (String name : backfills.jobs()) {
      Optional<Job> job = jobs.find(name);
      int room = (job.isPresent() && job.get().getOverlap() == dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW
          ? BACKFILL_AT_ONCE : 1) - round.activeOf(active, name).size();
      for (long runId : backfills.oldest(name, Math.max(0, room))) {
        forRun(round, runId, () -> releaseBackfill(round, name, job, runId, now));
      }
    }
  }

  private void releaseBackfill(Round round, String name, Optional<Job> job, long runId, Instant now) {
    backfills.remove(round.batch(), name, runId);
    Optional<Run> run = round.read(Long.toString(runId)).filter(r -> r.getState() == RunState.RUN_STATE_PENDING);
    if (run.isEmpty()) {
      return; // cancelled meanwhile
    }
    if (job.isEmpty()) {
      round.write(run.get(), RunChanges.skip(run.get(), "job " + name + " was deleted before the run started", now));
      return;
    }
    Run queued = RunChanges.release(run.get(), now);
    round.write(run.get(), queued);
    ready.add(round.batch(), queued);
  }

  /** A reason if the run was not started within its job's start deadline of its scheduled time. */
  private static Optional<String> missedStartDeadline(Run run, Job job, Instant now) {
    if (!job.hasStartDeadline() || Durations.toMillis(job.getStartDeadline()) <= 0) {
      return Optional.empty();
    }
    Duration deadline = Duration.ofMillis(Durations.toMillis(job.getStartDeadline()));
    Instant scheduled = Times.toInstant(run.getScheduledTime());
    return now.isAfter(scheduled.plus(deadline))
        ? Optional.of("start deadline missed: not started within " + dev.baton.client.DurationText.format(deadline)
            + " of its scheduled time " + scheduled)
        : Optional.empty();
  }

  /**
   * Queued runs that nobody could take in time (no free worker) still end SKIPPED at their start deadline: once a
   * second the queue is checked, reading only the runs (and job definitions) of jobs that have a deadline.
   */
  private void skipMissedStartDeadlines(Round round) {
    Instant now = clock.instant();
    if (Duration.between(lastDeadlineSweep, now).compareTo(DEADLINE_SWEEP) < 0) {
      return;
    }
    lastDeadlineSweep = now;
    if (!jobs.anyStartDeadline()) {
      return;
    }
    Map<String, Optional<Job>> jobsWithDeadline = new HashMap<>();
    for (ReadyQueue.Entry entry : ready.entries()) {
      String name = ready.jobOf(entry);
      if (name == null || !jobs.hasStartDeadline(name)) {
        continue; // most jobs have none: a map lookup, not a read of the job, per queued run
      }
      forRun(round, entry.runId(), () -> {
        Optional<Job> job = jobsWithDeadline.computeIfAbsent(name,
            n -> jobs.find(n).filter(j -> j.hasStartDeadline() && Durations.toMillis(j.getStartDeadline()) > 0));
        if (job.isEmpty()) {
          return;
        }
        round.read(Long.toString(entry.runId()))
            .filter(run -> run.getState() == RunState.RUN_STATE_QUEUED)
            .ifPresent(run -> missedStartDeadline(run, job.get(), now).ifPresent(why -> {
              ready.remove(round.batch(), entry);
              round.write(run, RunChanges.skip(run, why, now));
            }));
      });
    }
  }

  /** Whether another run of the same job is assigned or running right now. */
  private boolean anotherRunExecutes(Run run) {
    long id = Long.parseLong(run.getId());
    for (long other : active.of(run.getJob())) {
      if (other != id && inFlight.containsKey(Long.toString(other))) {
        return true;
      }
    }
    return false;
  }

  /**
   * The queue in the order of the dispatch policy in force. The store's key order is already the PRIORITY order,
   * so PRIORITY is sorted only when a run has waited long enough to be lifted a level (aging).
   */
  private Iterable<ReadyQueue.Entry> inPolicyOrder(Instant now) {
    DispatchSettings settings = dispatchSettings.current();
    DispatchPolicy policy = DispatchOrder.policyOf(settings);
    if (policy == DispatchPolicy.DISPATCH_POLICY_PRIORITY && !anyAged(now, DispatchOrder.agingOf(settings))) {
      return ready.readyAt(now);
    }
    List<DispatchOrder.Candidate> candidates = new ArrayList<>();
    for (ReadyQueue.Entry e : ready.readyAt(now)) {
      candidates.add(DispatchOrder.Candidate.of(e, ready.jobOf(e)));
    }
    return DispatchOrder.order(settings, candidates, now, durations, roundRobin).stream()
        .map(DispatchOrder.Candidate::entry)::iterator;
  }

  /** Whether the oldest MEDIUM or LOW run has waited longer than the aging period. */
  private boolean anyAged(Instant now, Duration aging) {
    long limit = now.minus(aging).toEpochMilli();
    for (int level = Priority.PRIORITY_MEDIUM_VALUE; level <= Priority.PRIORITY_LOW_VALUE; level++) {
      ReadyQueue.Entry oldest = ready.entries().ceiling(new ReadyQueue.Entry(level, Long.MIN_VALUE, Long.MIN_VALUE));
      if (oldest != null && oldest.priority() == level && oldest.queuedMillis() < limit) {
        return true;
      }
    }
    return false;
  }

  private void assign(Round round, ReadyQueue.Entry entry, Run run, Job job, WorkerSession worker, int slots,
      Instant now) {
    Run assigned = RunChanges.assign(run, worker.id(), worker.name(), epoch, now);
    round.write(run, assigned);
    ready.remove(round.batch(), entry);
    round.batch().put(ColumnFamily.IN_FLIGHT, Keys.run(entry.runId()), worker.id().getBytes(StandardCharsets.UTF_8));
    int attempt = RunChanges.current(assigned).getNumber();
    Assignment message = Assignment.newBuilder()
        .setEpoch(epoch)
        .setRunId(run.getId())
        .setAttempt(attempt)
        .setJob(job.getName())
        .setWaveId(run.getWaveId())
        .setScheduledTime(run.getScheduledTime())
        .setCommand(job.getCommand())
        .putAllEnv(job.getEnvMap())
        .setWorkingDir(job.getWorkingDir())
        .setTimeout(job.getTimeout())
        .setKillGrace(job.getKillGrace())
        .setOnDisconnect(job.getOnDisconnect())
        .setSlots(slots)
        .setMaxOutputBytes(timing.maxOutputBytes())
        .setRunAs(job.getRunAs())
        .putAllParams(run.getParamsMap())
        .build();
    // Held only once nothing above can throw: a run that fails here must not leave a slot taken.
    worker.hold(new WorkerSession.Held(run.getId(), attempt, slots), ++assignSequence);
    worker.awaitStart(run.getId(), now);
    inFlight.put(run.getId(), worker.id());
    round.after(() -> worker.send(CoordinatorMessage.newBuilder().setAssign(message).build()));
  }

  private int slotsOf(Run run) {
    return jobs.find(run.getJob()).map(j -> Math.max(1, j.getSlots()))
        .orElse(1);
  }

  private int maxLostAttempts(Run run) {
    return jobs.find(run.getJob())
        .map(Job::getMaxLostAttempts).filter(n -> n > 0).orElse(JobValidator.DEFAULT_MAX_LOST_ATTEMPTS);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Requests from the API

  private static BatonException storeFailed() {
    return BatonException.unavailable(ErrorReason.ERROR_REASON_STORE_FAILED,
        "the coordinator's store failed and is being reopened; nothing was changed, try again");
  }

  private static BatonException deadLetterNotFound(String runId) {
    return BatonException.notFound(ErrorReason.ERROR_REASON_DEAD_LETTER_NOT_FOUND, "baton.v1.DeadLetter", runId,
        "run '" + runId + "' is not in the dead-letter queue");
  }

  /**
   * Cancels a run: a queued one leaves the queue at once; an assigned or running one is stopped by its agent and
   * ends CANCELLED when the agent reports it. FAILED_PRECONDITION for a run already final.
   */
  public CompletableFuture<Run> cancel(String runId, String reason) {
    CompletableFuture<Run> result = new CompletableFuture<>();
    submit(round -> {
      try {
        Run run = round.read(runId).orElseThrow(() -> RunStore.runNotFound(runId));
        Instant now = clock.instant();
        Run next;
        switch (run.getState()) {
          case RUN_STATE_QUEUED -> {
            next = RunChanges.cancel(run, reason, now);
            ready.remove(round.batch(), ReadyQueue.entryOf(run));
          }
          case RUN_STATE_ASSIGNED, RUN_STATE_RUNNING -> {
            next = RunChanges.requestCancel(run, reason, now);
            WorkerSession session = sessions.get(RunChanges.current(run).getWorkerId());
            Duration grace = jobs.find(run.getJob())
                .map(j -> Duration.ofMillis(Durations.toMillis(j.getKillGrace()))).orElse(Duration.ofSeconds(10));
            if (session != null) {
              CancelAttempt cancel = CancelAttempt.newBuilder().setRunId(run.getId())
                  .setAttempt(RunChanges.current(run).getNumber()).setReason(reason)
                  .setKillGrace(Durations.fromMillis(grace.toMillis())).setEpoch(epoch).build();
              round.after(() -> session.send(CoordinatorMessage.newBuilder().setCancel(cancel).build()));
            }
          }
          default -> {
            boolean retryPending = retries.of(Long.parseLong(runId)).isPresent();
            if (!RunStateMachine.allows(run.getState(), RunTransition.CANCEL)
                || (!retryPending && !RunStateMachine.isActive(run.getState()))) {
              throw BatonException.failedPrecondition(ErrorReason.ERROR_REASON_RUN_FINAL,
                  "run " + runId + " is already " + stateName(run.getState())
                  + "; only runs not yet final can be cancelled");
            }
            retries.of(Long.parseLong(runId)).ifPresent(due -> retries.remove(round.batch(), due));
            if (run.getState() == RunState.RUN_STATE_PENDING) {
              backfills.remove(round.batch(), run.getJob(), Long.parseLong(runId));
            }
            next = RunChanges.cancel(run, reason, now);
          }
        }
        round.write(run, next);
        round.after(() -> result.complete(next));
        round.onFailure(() -> result.completeExceptionally(storeFailed()));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Gives a dead-lettered run a fresh series of attempts. NOT_FOUND if it is not in the dead-letter queue. */
  public CompletableFuture<Run> redrive(String runId, String requestedBy) {
    return redrive(runId, requestedBy, AnswerRecorder.NONE);
  }

  /** As {@link #redrive(String, String)}, recording the queued run as the answer, with it. */
  public CompletableFuture<Run> redrive(String runId, String requestedBy, AnswerRecorder recorder) {
    CompletableFuture<Run> result = new CompletableFuture<>();
    submit(round -> {
      try {
        if (deadLetters.get(runId).isEmpty()) {
          throw deadLetterNotFound(runId);
        }
        Run run = round.read(runId).orElseThrow(() -> RunStore.runNotFound(runId));
        deadLetters.remove(round.batch(), runId);
        queueNewSeries(round, run, RunTransition.REDRIVE, "redriven by " + requestedBy, requestedBy, recorder,
            result);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /**
   * Runs a FAILED or TIMED_OUT run again as a fresh series of attempts (recorded like a redrive). FAILED_PRECONDITION
   * for a run in another state, with a retry still to come, or in the dead-letter queue (that one is redriven).
   */
  public CompletableFuture<Run> rerun(String runId, String requestedBy) {
    return rerun(runId, requestedBy, AnswerRecorder.NONE);
  }

  /** As {@link #rerun(String, String)}, recording the queued run as the answer, with it. */
  public CompletableFuture<Run> rerun(String runId, String requestedBy, AnswerRecorder recorder) {
    CompletableFuture<Run> result = new CompletableFuture<>();
    submit(round -> {
      try {
        Run run = round.read(runId).orElseThrow(() -> RunStore.runNotFound(runId));
        boolean failed = run.getState() == RunState.RUN_STATE_FAILED || run.getState() == RunState.RUN_STATE_TIMED_OUT;
        if (!failed || !RunStore.finishedForGood(run) || deadLetters.get(runId).isPresent()) {
          throw BatonException.failedPrecondition(ErrorReason.ERROR_REASON_RUN_NOT_RERUNNABLE, "run " + runId
              + " is " + stateName(run.getState()) + (run.hasNextAttemptTime() ? " with a retry to come" : "")
              + (deadLetters.get(runId).isPresent() ? " in the dead-letter queue (redrive it)" : "")
              + "; only a FAILED or TIMED_OUT run at rest can be rerun")
              .concerning("baton.v1.Run", runId);
        }
        queueNewSeries(round, run, RunTransition.RERUN, "rerun by " + requestedBy, requestedBy, recorder, result);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Queues a fresh series of attempts of {@code run} (a redrive or a rerun); {@code result} gets it once written. */
  private void queueNewSeries(Round round, Run run, RunTransition how, String reason, String requestedBy,
      AnswerRecorder recorder, CompletableFuture<Run> result) {
    Run queued = RunChanges.newSeries(run, how, reason, requestedBy, clock.instant());
    round.write(run, queued);
    ready.add(round.batch(), queued);
    recorder.record(round.batch(), queued);
    round.after(() -> result.complete(queued));
    round.onFailure(() -> result.completeExceptionally(storeFailed()));
  }

  /** Removes a run from the dead-letter queue; the run stays in the history, DEAD_LETTERED. */
  public CompletableFuture<Void> purge(String runId) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    submit(round -> {
      if (deadLetters.get(runId).isEmpty()) {
        result.completeExceptionally(deadLetterNotFound(runId));
        return;
      }
      deadLetters.remove(round.batch(), runId);
      round.read(runId).ifPresent(run -> waves.continueWave(round, run.getWaveId(), run.getJob(), run.getState()));
      round.after(() -> result.complete(null));
      round.onFailure(() -> result.completeExceptionally(storeFailed()));
    });
    return result;
  }

  /** Tells a worker (by name or id) to take no new work. NOT_FOUND if no such worker is connected. */
  public CompletableFuture<Worker> drain(String nameOrId) {
    CompletableFuture<Worker> result = new CompletableFuture<>();
    submit(round -> {
      Optional<WorkerSession> session = session(nameOrId);
      if (session.isEmpty()) {
        result.completeExceptionally(workerNotFound(nameOrId));
        return;
      }
      session.get().drain();
      session.get().send(CoordinatorMessage.newBuilder()
          .setDrain(Drain.newBuilder().setReason("drained by an operator").setExitWhenIdle(true)).build());
      result.complete(session.get().toProto());
    });
    return result;
  }

  /** One connected worker, by name or id; NOT_FOUND if none. */
  public CompletableFuture<Worker> worker(String nameOrId) {
    CompletableFuture<Worker> result = new CompletableFuture<>();
    submit(round -> session(nameOrId).map(WorkerSession::toProto).ifPresentOrElse(result::complete,
        () -> result.completeExceptionally(workerNotFound(nameOrId))));
    return result;
  }

  private Optional<WorkerSession> session(String nameOrId) {
    return sessions.values().stream().filter(s -> s.id().equals(nameOrId) || s.name().equals(nameOrId)).findFirst();
  }

  private static BatonException workerNotFound(String nameOrId) {
    return BatonException.notFound(ErrorReason.ERROR_REASON_WORKER_NOT_FOUND, "baton.v1.Worker", nameOrId,
        "no connected worker named '" + nameOrId + "'");
  }

  /**
   * How many runs are not at rest: queued, assigned, running, waiting for a retry, or pending backfills. Counted on
   * the dispatch thread, so a backfill run it moves from pending to queued is counted once, never zero or two times.
   */
  public CompletableFuture<Long> activeRunCount() {
    CompletableFuture<Long> result = new CompletableFuture<>();
    submit(round -> result.complete(active.count() + backfills.pendingCount()));
    return result;
  }

  /**
   * What the metrics report of dispatch, read on the dispatch thread in one go.
   *
   * @param queued QUEUED runs by priority
   * @param assigned runs sent to a worker and not started yet
   * @param running runs whose process runs (as far as the coordinator knows)
   * @param retrying failed runs waiting out a retry delay
   * @param pending backfill runs waiting for their job's overlap policy to let them in
   * @param workers the connected workers
   */
  public record Gauges(Map<Priority, Long> queued, long assigned, long running, long retrying, long pending,
      List<Worker> workers) {}

  public CompletableFuture<Gauges> gauges() {
    CompletableFuture<Gauges> result = new CompletableFuture<>();
    submit(round -> {
      long held = 0;
      long unstarted = 0;
      for (WorkerSession session : sessions.values()) {
        held += session.held().size();
        unstarted += session.unstarted().size();
      }
      result.complete(new Gauges(ready.depth(), unstarted, held - unstarted, retries.size(),
          backfills.pendingCount(), workerList()));
    });
    return result;
  }

  /**
   * Removes runs from the history (retention), on the dispatch thread so that no change of the same run can come
   * between the check and the removal: each still there and at rest for good is removed with its output; others (a
   * rerun meanwhile, a dead letter) stay. Returns how many were removed.
   */
  public CompletableFuture<Integer> forget(List<Long> runIds) {
    CompletableFuture<Integer> result = new CompletableFuture<>();
    submit(round -> {
      int removed = 0;
      for (long id : runIds) {
        Optional<Run> run = round.read(Long.toString(id));
        if (run.isPresent() && RunStore.finishedForGood(run.get())) {
          round.forget(run.get());
          removed++;
        }
      }
      int count = removed;
      round.after(() -> result.complete(count));
      round.onFailure(() -> result.completeExceptionally(new IllegalStateException("the store did not take it")));
    });
    return result;
  }

  /** The connected workers, by name. */
  public CompletableFuture<List<Worker>> workers() {
    CompletableFuture<List<Worker>> result = new CompletableFuture<>();
    submit(round -> result.complete(workerList()));
    return result;
  }

  /** The connected workers by name (on the dispatch thread). */
  private List<Worker> workerList() {
    return sessions.values().stream().map(WorkerSession::toProto).sorted(Comparator.comparing(Worker::getName))
        .toList();
  }

  public long epoch() {
    return epoch;
  }

  private static String stateName(RunState state) {
    return state.name().replace("RUN_STATE_", "");
  }

  @Override
  public void close() {
    if (!running.compareAndSet(true, false)) {
      return;
    }
    wake();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // The loop has stopped: nobody else touches the sessions now. Agents reconnect to the next coordinator.
    for (WorkerSession session : sessions.values()) {
      session.close(Status.UNAVAILABLE.withDescription("the coordinator is shutting down"));
    }
    sessions.clear();
  }
}
