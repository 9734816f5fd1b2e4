package dev.baton.coordinator.dispatch;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.error.BatonException;
import dev.baton.client.Times;
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
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.ResultAck;
import dev.baton.proto.v1.Run;
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
  private final Instant reconnectDeadline;
  private long assignSequence;
  private volatile int inFlightCount;
  private Instant lastDeadlineSweep = Instant.EPOCH;
  private static final Duration DEADLINE_SWEEP = Duration.ofSeconds(1);
  private Instant nextWaitingReasons = Instant.EPOCH;

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
    this.reconnectDeadline = clock.instant().plus(timing.workerTtl());
    ready.onAdd(this::wake);
  }

  /** Reads the runs that were in flight when the coordinator stopped. Call once before {@link #start}. */
  public void load() {
    store.scan(ColumnFamily.IN_FLIGHT, null, null, false, (key, value) -> {
      String runId = Long.toString(Keys.runId(key));
      inFlight.put(runId, new String(value, StandardCharsets.UTF_8));
      awaitingReconnect.add(runId);
      return true;
    });
    if (!inFlight.isEmpty()) {
      log.info("{} runs were in flight at the last stop; waiting up to {} for their agents", inFlight.size(),
          timing.workerTtl());
    }
  }

  public void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    thread = new Thread(this::loop, "baton-dispatch");
    thread.setDaemon(true);
    thread.start();
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
        Consumer<Round> first = tasks.poll(IDLE_WAKE.toMillis(), TimeUnit.MILLISECONDS);
        List<Consumer<Round>> more = new ArrayList<>();
        tasks.drainTo(more, 10_000);
        // Cleared only after draining: a wake-up whose task was drained above is served by this pass; one that
        // comes after this line finds the flag clear and queues a task, so no wake-up is ever lost.
        wakePending.set(false);
        Round round = new Round(store, runs, events);
        if (first != null) {
          first.accept(round);
        }
        for (Consumer<Round> task : more) {
          task.accept(round);
        }
        expireWorkers(round);
        queueDueRetries(round);
        skipMissedStartDeadlines(round);
        releaseBackfills(round);
        // Placement joins the same round: one synced write for the reports and the assignments they made room for.
        placeQueuedRuns(round);
        waves.continueWaves(round);
        round.commit();
        inFlightCount = inFlight.size();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // A failed round (the store, a bug) must not kill the loop: nothing of it was acknowledged.
        log.error("dispatch round failed", e);
      }
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
    for (HeldRun held : session.helloMessage().getHeldRunsList()) {
      mentioned.add(held.getRunId());
      Optional<Run> found = round.read(held.getRunId());
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
    Welcome welcome = Welcome.newBuilder()
        .setEpoch(epoch)
        .setHeartbeatInterval(Durations.fromMillis(timing.heartbeatInterval().toMillis()))
        .setWorkerTtl(Durations.fromMillis(timing.workerTtl().toMillis()))
        .setFenceMargin(Durations.fromMillis(timing.fenceMargin().toMillis()))
        .setMaxOutputChunkBytes(MAX_OUTPUT_CHUNK)
        .addAllHeldRunDecisions(decisions)
        .setWorkerId(session.id())
        .build();
    round.after(() -> session.send(CoordinatorMessage.newBuilder().setWelcome(welcome).build()));
    session.heard(now);
    log.info("worker {} ({}) connected: {} slots, labels {}, {} held runs", session.name(), session.id(),
        session.slots(), session.labels(), session.helloMessage().getHeldRunsCount());
    wake();
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
              session.release(run.getId());
              requeue(round, run, AttemptOutcome.ATTEMPT_OUTCOME_REJECTED,
                  "worker " + session.name() + " refused it: " + rejected.getReason() + " " + rejected.getMessage());
              wake();
            });
      }
      case STARTED -> {
        var started = message.getStarted();
        round.read(started.getRunId())
            .filter(run -> isCurrentOn(run, started.getAttempt(), session.id()))
            .filter(run -> run.getState() == RunState.RUN_STATE_ASSIGNED)
            .ifPresent(run -> round.write(run,
                RunChanges.start(run, started.getPid(), started.getStartTime(), now)));
      }
      case OUTPUT -> {
        OutputChunk chunk = message.getOutput();
        if (round.read(chunk.getRunId()).filter(run -> isCurrentOn(run, chunk.getAttempt(), session.id()))
            .isPresent()) {
          output.append(round.batch(), chunk);
          round.batch().afterCommit(() -> events.publishOutput(chunk));
        }
      }
      case FINISHED -> onFinished(round, session, message.getFinished());
      default -> log.warn("worker {} sent an unexpected {}", session.name(), message.getKindCase());
    }
  }

  private void onFinished(Round round, WorkerSession session, RunFinished result) {
    Optional<Run> found = round.read(result.getRunId());
    if (found.isPresent() && isCurrentOn(found.get(), result.getAttempt(), session.id())) {
      Run run = found.get();
      long runId = Long.parseLong(run.getId());
      if (!result.getOutputTail().isEmpty() && !output.hasAny(runId, result.getAttempt())) {
        // The streamed chunks were lost with a connection: keep the tail the journal carried.
        output.append(round.batch(), OutputChunk.newBuilder().setRunId(run.getId()).setAttempt(result.getAttempt())
            .setOffset(result.getOutputBytes() - result.getOutputTail().size()).setData(result.getOutputTail())
            .build());
      }
      leaveWorker(round, run.getId(), session);
      output.forget(run.getId(), result.getAttempt());
      if (result.getOutcome() == AttemptOutcome.ATTEMPT_OUTCOME_LOST) {
        // The agent killed it because it could not hear a coordinator (self-fencing): as with a lost worker, the
        // run gets a new attempt, counted against its lost-attempt limit.
        requeue(round, run, AttemptOutcome.ATTEMPT_OUTCOME_LOST, "its agent gave it up: " + result.getError());
      } else {
        recordFinished(round, run, result);
      }
      wake();
    }
    // Acknowledge every report, current or stale, once the store has what it needs: the agent may forget it.
    round.after(() -> session.send(CoordinatorMessage.newBuilder().setAck(ResultAck.newBuilder()
        .setRunId(result.getRunId()).setAttempt(result.getAttempt())).build()));
  }

  private void recordFinished(Round round, Run run, RunFinished result) {
    Run next = RunChanges.finish(run, result, clock.instant());
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
      retries.remove(round.batch(), due);
      round.read(Long.toString(due.runId()))
          .filter(run -> RunStateMachine.allows(run.getState(), RunTransition.RETRY))
          .ifPresent(run -> {
            Run queued = RunChanges.retry(run, now);
            round.write(run, queued);
            ready.add(round.batch(), queued);
          });
    }
  }

  private boolean isCurrentOn(Run run, int attempt, String workerId) {
    return (run.getState() == RunState.RUN_STATE_ASSIGNED || run.getState() == RunState.RUN_STATE_RUNNING)
        && RunChanges.isCurrent(run, attempt)
        && RunChanges.current(run).getWorkerId().equals(workerId);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Liveness

  private void expireWorkers(Round round) {
    Instant now = clock.instant();
    Iterator<WorkerSession> it = sessions.values().iterator();
    while (it.hasNext()) {
      WorkerSession session = it.next();
      if (Duration.between(session.lastHeard(), now).compareTo(timing.workerTtl()) <= 0) {
        continue;
      }
      it.remove();
      log.warn("worker {} ({}) silent for more than {}: dead; requeueing its {} runs", session.name(), session.id(),
          timing.workerTtl(), session.held().size());
      session.close(Status.UNAVAILABLE.withDescription("no heartbeat for " + timing.workerTtl()));
      for (String runId : new ArrayList<>(session.held().keySet())) {
        session.release(runId);
        lose(round, runId, "worker " + session.name() + " lost (no heartbeat for " + timing.workerTtl() + ")");
      }
    }
    if (!awaitingReconnect.isEmpty() && now.isAfter(reconnectDeadline)) {
      for (String runId : awaitingReconnect) {
        String workerId = inFlight.get(runId);
        if (workerId != null && !sessions.containsKey(workerId)) {
          lose(round, runId, "its worker did not reconnect within " + timing.workerTtl()
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
    int explained = 0;
    for (ReadyQueue.Entry entry : inPolicyOrder(now)) {
      boolean placing = assigned < MAX_ASSIGNMENTS_PER_ROUND && workers.stream().anyMatch(Dispatcher::hasRoomNow);
      if (!placing && (!explain || explained++ >= WAITING_REASON_SCAN)) {
        break;
      }
      String runId = Long.toString(entry.runId());
      Optional<Run> found = round.read(runId);
      if (found.isEmpty() || found.get().getState() != RunState.RUN_STATE_QUEUED) {
        ready.remove(round.batch(), entry); // left the queue some other way
        continue;
      }
      Run run = found.get();
      Optional<Job> job = jobs.find(run.getJob());
      if (job.isEmpty()) {
        ready.remove(round.batch(), entry);
        round.write(run, RunChanges.skip(run, "job " + run.getJob() + " was deleted before the run started", now));
        continue;
      }
      Optional<String> late = missedStartDeadline(run, job.get(), now);
      if (late.isPresent()) {
        ready.remove(round.batch(), entry);
        round.write(run, RunChanges.skip(run, late.get(), now));
        continue;
      }
      if (OverlapRules.waitsForActive(job.get().getOverlap()) && anotherRunExecutes(run)) {
        continue; // QUEUE_ONE / REPLACE: it starts once the run ahead of it has stopped
      }
      LabelSelector selector = selectors.computeIfAbsent(job.get().getSelector(), LabelSelector::parse);
      int slots = Math.max(1, job.get().getSlots());
      Optional<WorkerSession> worker = placing ? Placement.choose(workers, selector, slots) : Optional.empty();
      if (worker.isEmpty()) {
        String waiting = Placement.waitingReason(workers, selector);
        if (!waiting.equals(run.getStateReason())) {
          round.write(run, run.toBuilder().setStateReason(waiting).build());
        }
        continue;
      }
      assign(round, entry, run, job.get(), worker.get(), slots, now);
      roundRobin.served(run.getJob());
      assigned++;
    }
    if (explained > 0) {
      nextWaitingReasons = now.plus(WAITING_REASON_PERIOD);
    }
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
        backfills.remove(round.batch(), name, runId);
        Optional<Run> run = round.read(Long.toString(runId)).filter(r -> r.getState() == RunState.RUN_STATE_PENDING);
        if (run.isEmpty()) {
          continue; // cancelled meanwhile
        }
        if (job.isEmpty()) {
          round.write(run.get(), RunChanges.skip(run.get(), "job " + name + " was deleted before the run started", now));
          continue;
        }
        Run queued = RunChanges.release(run.get(), now);
        round.write(run.get(), queued);
        ready.add(round.batch(), queued);
      }
    }
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
   * second the queue is checked, reading only the runs of jobs that have a deadline.
   */
  private void skipMissedStartDeadlines(Round round) {
    Instant now = clock.instant();
    if (Duration.between(lastDeadlineSweep, now).compareTo(DEADLINE_SWEEP) < 0) {
      return;
    }
    lastDeadlineSweep = now;
    Map<String, Optional<Job>> jobsWithDeadline = new HashMap<>();
    for (ReadyQueue.Entry entry : ready.entries()) {
      Optional<Job> job = jobsWithDeadline.computeIfAbsent(ready.jobOf(entry),
          name -> jobs.find(name)
              .filter(j -> j.hasStartDeadline() && Durations.toMillis(j.getStartDeadline()) > 0));
      if (job.isEmpty()) {
        continue;
      }
      round.read(Long.toString(entry.runId()))
          .filter(run -> run.getState() == RunState.RUN_STATE_QUEUED)
          .ifPresent(run -> missedStartDeadline(run, job.get(), now).ifPresent(why -> {
            ready.remove(round.batch(), entry);
            round.write(run, RunChanges.skip(run, why, now));
          }));
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
      return ready.entries();
    }
    List<DispatchOrder.Candidate> candidates = new ArrayList<>(ready.entries().size());
    for (ReadyQueue.Entry e : ready.entries()) {
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
    worker.hold(new WorkerSession.Held(run.getId(), attempt, slots), ++assignSequence);
    inFlight.put(run.getId(), worker.id());
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
        .build();
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

  /**
   * Cancels a run: a queued one leaves the queue at once; an assigned or running one is stopped by its agent and
   * ends CANCELLED when the agent reports it. FAILED_PRECONDITION for a run already final.
   */
  public CompletableFuture<Run> cancel(String runId, String reason) {
    CompletableFuture<Run> result = new CompletableFuture<>();
    submit(round -> {
      try {
        Run run = round.read(runId).orElseThrow(() -> BatonException.notFound("no run with id '" + runId + "'"));
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
              throw BatonException.failedPrecondition("run " + runId + " is already " + stateName(run.getState())
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
        round.onFailure(() -> result.completeExceptionally(BatonException.unavailable("the store failed")));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Gives a dead-lettered run a fresh series of attempts. NOT_FOUND if it is not in the dead-letter queue. */
  public CompletableFuture<Run> redrive(String runId, String requestedBy) {
    CompletableFuture<Run> result = new CompletableFuture<>();
    submit(round -> {
      try {
        if (deadLetters.get(runId).isEmpty()) {
          throw BatonException.notFound("run '" + runId + "' is not in the dead-letter queue");
        }
        Run run = round.read(runId).orElseThrow(() -> BatonException.notFound("no run with id '" + runId + "'"));
        Run queued = RunChanges.redrive(run, requestedBy, clock.instant());
        deadLetters.remove(round.batch(), runId);
        round.write(run, queued);
        ready.add(round.batch(), queued);
        round.after(() -> result.complete(queued));
        round.onFailure(() -> result.completeExceptionally(BatonException.unavailable("the store failed")));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Removes a run from the dead-letter queue; the run stays in the history, DEAD_LETTERED. */
  public CompletableFuture<Void> purge(String runId) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    submit(round -> {
      if (deadLetters.get(runId).isEmpty()) {
        result.completeExceptionally(BatonException.notFound("run '" + runId + "' is not in the dead-letter queue"));
        return;
      }
      deadLetters.remove(round.batch(), runId);
      round.read(runId).ifPresent(run -> waves.continueWave(round, run.getWaveId(), run.getJob(), run.getState()));
      round.after(() -> result.complete(null));
      round.onFailure(() -> result.completeExceptionally(BatonException.unavailable("the store failed")));
    });
    return result;
  }

  /** Tells a worker (by name or id) to take no new work. NOT_FOUND if no such worker is connected. */
  public CompletableFuture<Worker> drain(String nameOrId) {
    CompletableFuture<Worker> result = new CompletableFuture<>();
    submit(round -> {
      Optional<WorkerSession> session = sessions.values().stream()
          .filter(s -> s.id().equals(nameOrId) || s.name().equals(nameOrId)).findFirst();
      if (session.isEmpty()) {
        result.completeExceptionally(BatonException.notFound("no connected worker named '" + nameOrId + "'"));
        return;
      }
      session.get().drain();
      session.get().send(CoordinatorMessage.newBuilder()
          .setDrain(Drain.newBuilder().setReason("drained by an operator").setExitWhenIdle(true)).build());
      result.complete(session.get().toProto());
    });
    return result;
  }

  /** The connected workers, by name. */
  public CompletableFuture<List<Worker>> workers() {
    CompletableFuture<List<Worker>> result = new CompletableFuture<>();
    submit(round -> result.complete(sessions.values().stream().map(WorkerSession::toProto)
        .sorted(Comparator.comparing(Worker::getName)).toList()));
    return result;
  }

  public long epoch() {
    return epoch;
  }

  /** Runs assigned or running, as of the last round (read from any thread; approximate while it changes). */
  public int inFlightCount() {
    return inFlightCount;
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
