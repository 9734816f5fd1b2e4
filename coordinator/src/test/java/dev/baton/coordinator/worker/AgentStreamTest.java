package dev.baton.coordinator.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.testing.FakeAgent;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.AssignmentRejected;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.HeldRun;
import dev.baton.proto.v1.Heartbeat;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.OutputStream;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RejectReason;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunFinished;
import dev.baton.proto.v1.RunStarted;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.StreamOutputRequest;
import dev.baton.proto.v1.TriggerJobRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The worker stream against the real dispatcher and store: assignment, results, liveness, reconnects. */
class AgentStreamTest {
  private static final Predicate<CoordinatorMessage> ASSIGN = CoordinatorMessage::hasAssign;
  private static final Predicate<CoordinatorMessage> WELCOME = CoordinatorMessage::hasWelcome;
  private static final Predicate<CoordinatorMessage> ACK = CoordinatorMessage::hasAck;

  @TempDir Path dir;
  private FakeClock clock;
  private InProcessCoordinator coordinator;

  @BeforeEach
  void start() throws Exception {
    clock = FakeClock.at("2026-11-22T10:00:00Z");
    coordinator = new InProcessCoordinator(dir, clock);
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private FakeAgent agent(String id, int slots, HeldRun... held) throws InterruptedException {
    FakeAgent agent = new FakeAgent(coordinator.client().channel(), id, slots, List.of(held));
    agent.next(WELCOME);
    return agent;
  }

  /** A job whose runs may overlap, so that tests can queue several at once. */
  private void job(String name, Priority priority) {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell(name).setPriority(priority).setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)).build());
  }

  private Run trigger(String name) {
    return coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName(name).build()).getRun();
  }

  private Run run(String id) {
    return coordinator.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
  }

  private Run awaitState(String id, RunState state) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Run run = run(id);
    while (run.getState() != state && System.nanoTime() < end) {
      Thread.sleep(10);
      run = run(id);
    }
    assertEquals(state, run.getState(), run.toString());
    return run;
  }

  /** Moves the fake clock forward in steps, heartbeating in between, so the agent stays alive. */
  private void advanceAlive(FakeAgent agent, Duration by) throws InterruptedException {
    for (Duration left = by; !left.isZero(); ) {
      Duration step = left.compareTo(Duration.ofSeconds(5)) < 0 ? left : Duration.ofSeconds(5);
      clock.advance(step);
      left = left.minus(step);
      agent.send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(1)).build());
      agent.next(CoordinatorMessage::hasHeartbeatAck);
    }
  }

  private static AgentMessage finished(Assignment a, AttemptOutcome outcome, int exit) {
    return AgentMessage.newBuilder().setFinished(RunFinished.newBuilder().setRunId(a.getRunId())
        .setAttempt(a.getAttempt()).setEpoch(a.getEpoch()).setOutcome(outcome).setExitCode(exit)
        .setStartTime(Timestamps.fromMillis(1)).setFinishTime(Timestamps.fromMillis(2))).build();
  }

  /** Takes the agent's next assignment and reports its process started. */
  private static Assignment startNext(FakeAgent agent) throws InterruptedException {
    Assignment a = agent.next(ASSIGN).getAssign();
    agent.send(started(a));
    return a;
  }

  private static AgentMessage started(Assignment a) {
    return AgentMessage.newBuilder().setStarted(RunStarted.newBuilder().setRunId(a.getRunId())
        .setAttempt(a.getAttempt()).setPid(4242).setStartTime(Timestamps.fromMillis(1))).build();
  }

  /** A run of job "a" (created here) RUNNING on a new one-slot fake agent, with the agent and its assignment. */
  private record Running(FakeAgent agent, String runId, Assignment assignment) {}

  private Running runningOn(String agentId) throws InterruptedException {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent(agentId, 1);
    String id = trigger("a").getId();
    Assignment a = startNext(agent);
    awaitState(id, RunState.RUN_STATE_RUNNING);
    return new Running(agent, id, a);
  }

  @Test
  void aRunGoesFromQueuedToSucceededAndTheResultIsAcknowledged() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 2);
    Run queued = coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName("a")
        .putParams("date", "2026-12-01").build()).getRun();
    Assignment a = agent.next(ASSIGN).getAssign();
    assertEquals(queued.getId(), a.getRunId());
    assertEquals(java.util.Map.of("date", "2026-12-01"), a.getParamsMap(), "the run's parameters go with it");
    assertEquals(1, a.getAttempt());
    assertEquals("echo a", a.getCommand().getShell());
    assertEquals(coordinator.coordinator().epoch(), a.getEpoch());
    assertEquals("w1", awaitState(a.getRunId(), RunState.RUN_STATE_ASSIGNED).getAttempts(0).getWorkerId());

    agent.send(started(a));
    assertEquals(4242, awaitState(a.getRunId(), RunState.RUN_STATE_RUNNING).getAttempts(0).getPid());
    com.google.protobuf.Timestamp read = com.google.protobuf.util.Timestamps.fromMillis(1_764_000_000_123L);
    agent.send(AgentMessage.newBuilder().setOutput(OutputChunk.newBuilder().setRunId(a.getRunId())
        .setAttempt(1).setStream(OutputStream.OUTPUT_STREAM_STDOUT).setOffset(0)
        .setData(ByteString.copyFromUtf8("hello\n")).setTime(read)).build());
    agent.send(AgentMessage.newBuilder().setOutput(OutputChunk.newBuilder().setRunId(a.getRunId())
        .setAttempt(1).setStream(OutputStream.OUTPUT_STREAM_STDERR).setOffset(6)
        .setData(ByteString.copyFromUtf8("oops\n"))).build()); // an agent that does not stamp its output
    agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    assertEquals(a.getRunId(), agent.next(ACK).getAck().getRunId());
    Run done = awaitState(a.getRunId(), RunState.RUN_STATE_SUCCEEDED);
    assertEquals(0, done.getAttempts(0).getExitCode());
    List<OutputChunk> chunks = new ArrayList<>();
    coordinator.client().runs().streamOutput(StreamOutputRequest.newBuilder().setRunId(a.getRunId()).build())
        .forEachRemaining(chunks::add);
    assertEquals("hello\noops\n", chunks.stream().map(c -> c.getData().toStringUtf8())
        .collect(java.util.stream.Collectors.joining()));
    // Each chunk keeps its stream and the time the agent read it (none when it said none).
    assertEquals(OutputStream.OUTPUT_STREAM_STDOUT, chunks.get(0).getStream());
    assertEquals(read, chunks.get(0).getTime());
    assertEquals(OutputStream.OUTPUT_STREAM_STDERR, chunks.get(1).getStream());
    assertFalse(chunks.get(1).hasTime());

    // The same report again (a journal replay) changes nothing and is acknowledged again.
    agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 9));
    agent.next(ACK);
    assertEquals(RunState.RUN_STATE_SUCCEEDED, run(a.getRunId()).getState());
  }

  private void awaitReason(String id, String reason) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Run run = run(id);
    while (!run.getStateReason().equals(reason) && System.nanoTime() < end) {
      Thread.sleep(10);
      run = run(id);
    }
    assertEquals(reason, run.getStateReason(), run.toString());
    assertEquals(RunState.RUN_STATE_QUEUED, run.getState());
  }

  @Test
  void aRunNoWorkerCanTakeSaysWhyItWaits() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("gpu").setSelector("gpu in (a100,h100)")).build());
    String first = trigger("a").getId();
    awaitReason(first, "no worker is connected");

    // Its one slot taken, the worker ends placement; the runs behind still say why they wait, once a second.
    FakeAgent agent = agent("w1", 1);
    assertEquals(first, agent.next(ASSIGN).getAssign().getRunId());
    String gpu = trigger("gpu").getId();
    advanceAlive(agent, Duration.ofSeconds(1));
    awaitReason(gpu, "no worker matches selector gpu in (a100,h100)");
    coordinator.client().cluster().drainWorker(DrainWorkerRequest.newBuilder().setWorker("w1").build());
    String second = trigger("a").getId();
    advanceAlive(agent, Duration.ofSeconds(1));
    awaitReason(second, "every worker is draining");
  }

  @Test
  void aWorkerNeverGetsMoreThanItsSlotsAndHighPriorityGoesFirst() throws Exception {
    job("low", Priority.PRIORITY_LOW);
    job("high", Priority.PRIORITY_HIGH);
    trigger("low");
    trigger("low");
    Run high = trigger("high");
    FakeAgent agent = agent("w1", 1);
    Assignment first = agent.next(ASSIGN).getAssign();
    assertEquals(high.getId(), first.getRunId());
    agent.expectNone(ASSIGN, Duration.ofMillis(300));
    agent.send(finished(first, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    Assignment second = agent.next(ASSIGN).getAssign();
    assertEquals("low", run(second.getRunId()).getJob());
  }

  private void policy(dev.baton.proto.v1.DispatchPolicy policy) {
    coordinator.client().cluster().setDispatchPolicy(dev.baton.proto.v1.SetDispatchPolicyRequest.newBuilder()
        .setSettings(dev.baton.proto.v1.DispatchSettings.newBuilder().setPolicy(policy)).build());
  }

  @Test
  void aPolicySwitchChangesTheOrderOfAQueuedBacklog() throws Exception {
    job("low", Priority.PRIORITY_LOW);
    job("high", Priority.PRIORITY_HIGH);
    Run oldLow = trigger("low");
    clock.advance(Duration.ofMillis(5));
    Run newHigh = trigger("high");
    policy(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_FCFS);
    FakeAgent agent = agent("w1", 1);
    Assignment first = agent.next(ASSIGN).getAssign();
    assertEquals(oldLow.getId(), first.getRunId(), "FCFS: oldest first, whatever its priority");

    trigger("low");
    clock.advance(Duration.ofMillis(5));
    Run laterHigh = trigger("high");
    policy(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_PRIORITY);
    agent.send(finished(first, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    Assignment second = agent.next(ASSIGN).getAssign();
    assertEquals(newHigh.getId(), second.getRunId(), "PRIORITY: HIGH first");
    agent.send(finished(second, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    assertEquals(laterHigh.getId(), agent.next(ASSIGN).getAssign().getRunId());
  }

  @Test
  void roundRobinDoesNotLetABacklogHoldBackAnotherJob() throws Exception {
    job("busy", Priority.PRIORITY_MEDIUM);
    job("rare", Priority.PRIORITY_MEDIUM);
    for (int i = 0; i < 20; i++) {
      trigger("busy");
    }
    Run rare = trigger("rare");
    policy(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN);
    FakeAgent agent = agent("w1", 1);
    java.util.List<String> jobs = new java.util.ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Assignment a = agent.next(ASSIGN).getAssign();
      jobs.add(a.getJob());
      agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    }
    assertTrue(jobs.subList(0, 2).contains("rare"), jobs.toString());
    assertEquals(RunState.RUN_STATE_SUCCEEDED, awaitState(rare.getId(), RunState.RUN_STATE_SUCCEEDED).getState());
  }

  private void dependent(String name, String... deps) {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell(name).addAllDependencies(java.util.List.of(deps))).build());
  }

  /** Runs assigned jobs until {@code expected} have been assigned, finishing each as {@code outcome(job)} says. */
  private java.util.List<String> drive(FakeAgent agent, int expected,
      java.util.function.Function<String, AttemptOutcome> outcome) throws InterruptedException {
    java.util.List<String> order = new java.util.ArrayList<>();
    for (int i = 0; i < expected; i++) {
      Assignment a = agent.next(ASSIGN).getAssign();
      order.add(a.getJob());
      agent.send(finished(a, outcome.apply(a.getJob()),
          outcome.apply(a.getJob()) == AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED ? 0 : 1));
    }
    return order;
  }

  private dev.baton.proto.v1.Wave awaitWave(String id, dev.baton.proto.v1.WaveState state)
      throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    dev.baton.proto.v1.Wave wave;
    do {
      wave = coordinator.client().runs().getWave(dev.baton.proto.v1.GetWaveRequest.newBuilder().setId(id).build());
      if (wave.getState() == state) {
        return wave;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < end);
    throw new AssertionError("wave " + id + " is " + wave.getState() + ", not " + state + ": " + wave);
  }

  @Test
  void aDiamondRunsItsLastJobExactlyOncePerWave() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    dependent("b", "a");
    dependent("c", "a");
    dependent("d", "b", "c");
    FakeAgent agent = agent("w1", 4);
    Run root = trigger("a");
    java.util.List<String> order = drive(agent, 4, job -> AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED);
    assertEquals("a", order.get(0));
    assertEquals("d", order.get(3));
    agent.expectNone(ASSIGN, Duration.ofMillis(300));
    var wave = awaitWave(root.getId(), dev.baton.proto.v1.WaveState.WAVE_STATE_SUCCEEDED);
    assertEquals(4, wave.getNodesCount());
    var inWave = coordinator.client().runs().listRuns(dev.baton.proto.v1.ListRunsRequest.newBuilder()
        .setWaveId(root.getId()).build()).getRunsList();
    assertEquals(4, inWave.size());
    assertEquals(1, inWave.stream().filter(r -> r.getJob().equals("d")).count());
    assertTrue(inWave.stream().filter(r -> !r.getJob().equals("a"))
        .allMatch(r -> r.getReason() == dev.baton.proto.v1.RunReason.RUN_REASON_DEPENDENCY));
  }

  @Test
  void aDeadLetteredRunHoldsItsWaveAndARedriveThatSucceedsContinuesIt() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("b").addDependencies("a")
        .setRetry(dev.baton.proto.v1.RetryPolicy.newBuilder()
            .setStrategy(dev.baton.proto.v1.RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(0))).build());
    dependent("c", "b");
    FakeAgent agent = agent("w1", 2);
    Run root = trigger("a");
    drive(agent, 2, job -> job.equals("b") ? AttemptOutcome.ATTEMPT_OUTCOME_FAILED
        : AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED);
    Run b = coordinator.client().runs().listRuns(dev.baton.proto.v1.ListRunsRequest.newBuilder().setJob("b")
        .build()).getRuns(0);
    awaitState(b.getId(), RunState.RUN_STATE_DEAD_LETTERED);
    agent.expectNone(ASSIGN, Duration.ofMillis(200));
    assertEquals(dev.baton.proto.v1.WaveState.WAVE_STATE_RUNNING, coordinator.client().runs().getWave(
        dev.baton.proto.v1.GetWaveRequest.newBuilder().setId(root.getId()).build()).getState(),
        "a dead-lettered run waits in the DLQ: its wave is not over");
    coordinator.client().runs().redriveDeadLetter(dev.baton.proto.v1.RedriveDeadLetterRequest.newBuilder()
        .setRunId(b.getId()).build());
    assertEquals(java.util.List.of("b", "c"), drive(agent, 2, job -> AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED));
    awaitWave(root.getId(), dev.baton.proto.v1.WaveState.WAVE_STATE_SUCCEEDED);
  }

  @Test
  void aFinalFailureSkipsEverythingDownstreamInThatWave() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    dependent("b", "a");
    dependent("c", "a");
    dependent("d", "b", "c");
    FakeAgent agent = agent("w1", 4);
    Run root = trigger("a");
    drive(agent, 3, job -> job.equals("b") ? AttemptOutcome.ATTEMPT_OUTCOME_FAILED
        : AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED);
    agent.expectNone(ASSIGN, Duration.ofMillis(300));
    var wave = awaitWave(root.getId(), dev.baton.proto.v1.WaveState.WAVE_STATE_FAILED);
    Run d = coordinator.client().runs().listRuns(dev.baton.proto.v1.ListRunsRequest.newBuilder()
        .setJob("d").build()).getRuns(0);
    assertEquals(RunState.RUN_STATE_SKIPPED, d.getState());
    assertEquals("upstream b failed", d.getStateReason());
    assertEquals(root.getId(), d.getWaveId());
  }

  private void jobWithOverlap(String name, dev.baton.proto.v1.OverlapPolicy overlap) {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell(name).setOverlap(overlap)).build());
  }

  private Run forceTrigger(String name) {
    return coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName(name).setForce(true)
        .build()).getRun();
  }

  @Test
  void forbidRefusesATriggerWhileARunIsActiveUnlessForced() throws Exception {
    jobWithOverlap("solo", dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_FORBID);
    Run first = trigger("solo");
    var refused = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
        () -> trigger("solo"));
    assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
    assertTrue(refused.getStatus().getDescription().contains("run " + first.getId()), refused.getMessage());
    assertEquals(RunState.RUN_STATE_QUEUED, forceTrigger("solo").getState());
  }

  @Test
  void queueOneHoldsTheWaitingRunUntilTheActiveOneEnds() throws Exception {
    jobWithOverlap("q", dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE);
    FakeAgent agent = agent("w1", 4);
    Run first = trigger("q");
    Assignment a = agent.next(ASSIGN).getAssign();
    assertEquals(first.getId(), a.getRunId());
    Run waiting = trigger("q");
    org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> trigger("q"));
    agent.expectNone(ASSIGN, Duration.ofMillis(300));
    agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    assertEquals(waiting.getId(), agent.next(ASSIGN).getAssign().getRunId());
  }

  @Test
  void replaceCancelsTheActiveRunAndStartsTheNewOneWhenItHasStopped() throws Exception {
    jobWithOverlap("r", dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_REPLACE);
    FakeAgent agent = agent("w1", 4);
    Run first = trigger("r");
    Assignment a = startNext(agent);
    awaitState(first.getId(), RunState.RUN_STATE_RUNNING);
    Run second = trigger("r");
    var cancel = agent.next(CoordinatorMessage::hasCancel).getCancel();
    assertEquals(first.getId(), cancel.getRunId());
    agent.expectNone(ASSIGN, Duration.ofMillis(200));
    agent.send(AgentMessage.newBuilder().setFinished(RunFinished.newBuilder().setRunId(a.getRunId())
        .setAttempt(1).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED).setSignal(15)).build());
    assertEquals(second.getId(), agent.next(ASSIGN).getAssign().getRunId());
    assertEquals(RunState.RUN_STATE_CANCELLED, run(first.getId()).getState());
  }

  @Test
  void aRunNotStartedWithinItsStartDeadlineIsSkipped() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("prompt")
        .setStartDeadline(com.google.protobuf.util.Durations.fromSeconds(30))).build());
    Run queued = trigger("prompt");
    clock.advance(Duration.ofSeconds(31));
    Run skipped = awaitState(queued.getId(), RunState.RUN_STATE_SKIPPED);
    assertTrue(skipped.getStateReason().startsWith("start deadline missed: not started within 30s"),
        skipped.getStateReason());
  }

  @Test
  void aBackfillMakesOneRunPerTickAndReleasesThemOneAtATimeUnderForbid() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("hourly").setSchedule("hourly")).build());
    var response = coordinator.client().jobs().backfillJob(dev.baton.proto.v1.BackfillJobRequest.newBuilder()
        .setName("hourly")
        .setFrom(dev.baton.client.Times.toProto(Instant.parse("2026-11-22T06:00:00Z")))
        .setTo(dev.baton.client.Times.toProto(Instant.parse("2026-11-22T09:00:00Z")))
        .build());
    assertEquals(4, response.getRunsCount());
    java.util.Set<String> waves = new java.util.HashSet<>();
    for (Run r : response.getRunsList()) {
      assertEquals(dev.baton.proto.v1.RunReason.RUN_REASON_BACKFILL, r.getReason());
      waves.add(r.getWaveId());
    }
    assertEquals(4, waves.size(), "each its own wave");
    assertEquals(Instant.parse("2026-11-22T06:00:00Z"),
        dev.baton.client.Times.toInstant(response.getRuns(0).getScheduledTime()));

    FakeAgent agent = agent("w1", 4);
    for (int i = 0; i < 4; i++) {
      Assignment a = agent.next(ASSIGN).getAssign();
      assertEquals(response.getRuns(i).getId(), a.getRunId(), "oldest first");
      agent.expectNone(ASSIGN, Duration.ofMillis(150)); // overlap forbid: one at a time
      agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    }
    var tooMany = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class,
        () -> coordinator.client().jobs().backfillJob(dev.baton.proto.v1.BackfillJobRequest.newBuilder()
            .setName("hourly").setMaxRuns(2)
            .setFrom(dev.baton.client.Times.toProto(Instant.parse("2026-11-21T00:00:00Z")))
            .setTo(dev.baton.client.Times.toProto(Instant.parse("2026-11-22T00:00:00Z"))).build()));
    assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, tooMany.getStatus().getCode());
  }

  @Test
  void aRefusedAssignmentIsQueuedAgainAsANewAttempt() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 1);
    trigger("a");
    Assignment a = agent.next(ASSIGN).getAssign();
    agent.send(AgentMessage.newBuilder().setRejected(AssignmentRejected.newBuilder().setRunId(a.getRunId())
        .setAttempt(a.getAttempt()).setReason(RejectReason.REJECT_REASON_DRAINING)).build());
    Assignment again = agent.next(ASSIGN).getAssign();
    assertEquals(a.getRunId(), again.getRunId());
    assertEquals(2, again.getAttempt());
    Run run = run(a.getRunId());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_REJECTED, run.getAttempts(0).getOutcome());
    assertEquals(0, run.getLostAttempts());
  }

  @Test
  void aSilentWorkerIsDeadAfterItsTtlAndItsRunsGoToAnotherAsANewAttempt() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent silent = agent("w1", 1);
    Run queued = trigger("a");
    Assignment a = silent.next(ASSIGN).getAssign();
    silent.send(started(a));
    awaitState(queued.getId(), RunState.RUN_STATE_RUNNING);

    clock.advance(Duration.ofSeconds(11));
    Run requeued = awaitState(queued.getId(), RunState.RUN_STATE_QUEUED);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, requeued.getAttempts(0).getOutcome());
    assertEquals(1, requeued.getLostAttempts());
    assertEquals(2, requeued.getAttemptsCount());

    FakeAgent other = agent("w2", 1);
    Assignment retry = other.next(ASSIGN).getAssign();
    assertEquals(2, retry.getAttempt());
    // A late report of the lost attempt from the dead worker's reconnect is stale: acknowledged, ignored.
    FakeAgent back = agent("w1", 1);
    back.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    back.next(ACK);
    assertEquals(RunState.RUN_STATE_ASSIGNED, run(queued.getId()).getState());
  }

  @Test
  void anAttemptItsAgentGaveUpWhileCutOffRunsAgainAsANewAttempt() throws Exception {
    Running running = runningOn("w1");
    FakeAgent agent = running.agent();
    String id = running.runId();
    Assignment first = running.assignment();
    // Self-fencing killed it; the agent reports it once it hears a coordinator again.
    agent.send(finished(first, AttemptOutcome.ATTEMPT_OUTCOME_LOST, 0));
    agent.next(ACK);
    Assignment second = agent.next(ASSIGN).getAssign();
    assertEquals(2, second.getAttempt());
    Run run = run(id);
    assertEquals(1, run.getLostAttempts());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, run.getAttempts(0).getOutcome());
  }

  @Test
  void heartbeatsKeepAWorkerAlive() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 1);
    Run queued = trigger("a");
    Assignment a = startNext(agent);
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(4));
      agent.send(AgentMessage.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSequence(i)).build());
      agent.next(CoordinatorMessage::hasHeartbeatAck);
    }
    assertEquals(RunState.RUN_STATE_RUNNING, run(queued.getId()).getState());
  }

  @Test
  void aReconnectKeepsTheRunsItStillHoldsAndLosesTheOthers() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 2);
    Run kept = trigger("a");
    Run forgotten = trigger("a");
    Assignment k = agent.next(ASSIGN).getAssign();
    Assignment f = agent.next(ASSIGN).getAssign();
    if (!k.getRunId().equals(kept.getId())) {
      Assignment t = k;
      k = f;
      f = t;
    }
    agent.send(started(k));
    agent.send(started(f));
    awaitState(kept.getId(), RunState.RUN_STATE_RUNNING);
    agent.close();

    FakeAgent again = new FakeAgent(coordinator.client().channel(), "w1", 2, List.of(HeldRun.newBuilder()
        .setRunId(k.getRunId()).setAttempt(k.getAttempt()).setEpoch(k.getEpoch()).setRunning(true).setPid(4242)
        .build()));
    var welcome = again.next(WELCOME).getWelcome();
    assertEquals(1, welcome.getHeldRunDecisionsCount());
    assertTrue(welcome.getHeldRunDecisions(0).getKeep());
    assertEquals(RunState.RUN_STATE_RUNNING, run(kept.getId()).getState());
    Run lost = run(forgotten.getId());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, lost.getAttempts(0).getOutcome());
  }

  @Test
  void cancelOfARunningRunAsksItsAgentAndEndsCancelled() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 1);
    Run queued = trigger("a");
    Assignment a = startNext(agent);
    awaitState(queued.getId(), RunState.RUN_STATE_RUNNING);

    Run cancelling = coordinator.client().runs().cancelRun(CancelRunRequest.newBuilder().setId(queued.getId())
        .setReason("operator").build());
    assertEquals(RunState.RUN_STATE_RUNNING, cancelling.getState());
    assertTrue(cancelling.getCancelRequested());
    var cancel = agent.next(CoordinatorMessage::hasCancel).getCancel();
    assertEquals(queued.getId(), cancel.getRunId());
    agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, 0).toBuilder()
        .setFinished(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, 0).getFinished().toBuilder()
            .clearExitCode().setSignal(15)).build());
    Run done = awaitState(queued.getId(), RunState.RUN_STATE_CANCELLED);
    assertEquals("operator", done.getStateReason());
    assertFalse(done.getAttempts(0).hasExitCode());
  }

  @Test
  void failuresRetryAfterTheirDelayEvenAcrossARestartThenDeadLetterAndRedrive() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("flaky")
        .setRetry(dev.baton.proto.v1.RetryPolicy.newBuilder()
            .setStrategy(dev.baton.proto.v1.RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(2)
            .setInitialDelay(com.google.protobuf.util.Durations.fromSeconds(30)))).build());
    FakeAgent agent = agent("w1", 1);
    Run queued = trigger("flaky");
    Assignment first = startNext(agent);
    agent.send(finished(first, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 2));
    Run waiting = awaitState(queued.getId(), RunState.RUN_STATE_FAILED);
    assertEquals(Instant.parse("2026-11-22T10:00:30Z"),
        dev.baton.client.Times.toInstant(waiting.getNextAttemptTime()));
    agent.expectNone(ASSIGN, Duration.ofMillis(300));

    // The due time is durable: a restart in the middle of the delay keeps it.
    agent.close();
    coordinator.restart();
    agent = agent("w1", 1);
    agent.expectNone(ASSIGN, Duration.ofMillis(300));
    advanceAlive(agent, Duration.ofSeconds(30));
    Assignment second = agent.next(ASSIGN).getAssign();
    assertEquals(2, second.getAttempt());
    agent.send(finished(second, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 2));
    awaitState(queued.getId(), RunState.RUN_STATE_FAILED);
    advanceAlive(agent, Duration.ofSeconds(30));
    Assignment third = agent.next(ASSIGN).getAssign();
    assertEquals(3, third.getAttempt());
    agent.send(finished(third, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 2));

    Run dead = awaitState(queued.getId(), RunState.RUN_STATE_DEAD_LETTERED);
    assertEquals("exit code 2 after 2 retries", dead.getStateReason());
    var dlq = coordinator.client().runs().listDeadLetters(
        dev.baton.proto.v1.ListDeadLettersRequest.getDefaultInstance());
    assertEquals(1, dlq.getDeadLettersCount());
    assertEquals(2, dlq.getDeadLetters(0).getLastExitCode());

    dev.baton.proto.v1.RedriveDeadLetterRequest redrive = dev.baton.proto.v1.RedriveDeadLetterRequest.newBuilder()
        .setRunId(queued.getId()).setRequestedBy("alice").setRequestId("redrive-1").build();
    Run redriven = coordinator.client().runs().redriveDeadLetter(redrive);
    assertEquals(redriven, coordinator.client().runs().redriveDeadLetter(redrive), "a repeat: the first answer");
    assertEquals("alice", redriven.getRequestedBy());
    assertEquals(4, redriven.getSeriesStartAttempt());
    Assignment fourth = agent.next(ASSIGN).getAssign();
    assertEquals(4, fourth.getAttempt());
    agent.send(finished(fourth, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    awaitState(queued.getId(), RunState.RUN_STATE_SUCCEEDED);
    assertEquals(0, coordinator.client().runs().listDeadLetters(
        dev.baton.proto.v1.ListDeadLettersRequest.getDefaultInstance()).getDeadLettersCount());
  }

  @Test
  void aJobWithoutRetriesFailsForGoodAndStaysOutOfTheDeadLetterQueue() throws Exception {
    job("once", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 1);
    Run queued = trigger("once");
    Assignment a = agent.next(ASSIGN).getAssign();
    agent.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 1));
    Run failed = awaitState(queued.getId(), RunState.RUN_STATE_FAILED);
    assertFalse(failed.hasNextAttemptTime());
    assertEquals(0, coordinator.client().runs().listDeadLetters(
        dev.baton.proto.v1.ListDeadLettersRequest.getDefaultInstance()).getDeadLettersCount());
  }

  @Test
  void runsInFlightAtACoordinatorRestartAreLostIfTheirAgentNeverReturns() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent agent = agent("w1", 1);
    Run queued = trigger("a");
    startNext(agent);
    awaitState(queued.getId(), RunState.RUN_STATE_RUNNING);
    agent.close();
    coordinator.restart();
    assertEquals(RunState.RUN_STATE_RUNNING, run(queued.getId()).getState());
    // The agents get twice the worker TTL (10 s here) to come back after a restart.
    clock.set(Instant.parse("2026-11-22T10:00:19Z"));
    Thread.sleep(300);
    assertEquals(RunState.RUN_STATE_RUNNING, run(queued.getId()).getState());
    clock.set(Instant.parse("2026-11-22T10:00:21Z"));
    Run requeued = awaitState(queued.getId(), RunState.RUN_STATE_QUEUED);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, requeued.getAttempts(0).getOutcome());
  }

  /** A run of "a" that was RUNNING on w1 when the coordinator restarted, declared lost: w1 came back too late. */
  private Assignment lostAcrossARestart() throws Exception {
    Running running = runningOn("w1");
    String id = running.runId();
    running.agent().close();
    coordinator.restart();
    clock.set(Instant.parse("2026-11-22T10:00:21Z"));
    Run requeued = awaitState(id, RunState.RUN_STATE_QUEUED);
    assertEquals(2, requeued.getAttemptsCount());
    return running.assignment();
  }

  @Test
  void aLateHelloStillRunningTheAttemptReclaimsItWhileItsReplacementIsQueued() throws Exception {
    Assignment a = lostAcrossARestart();
    FakeAgent back = new FakeAgent(coordinator.client().channel(), "w1", 1, List.of(HeldRun.newBuilder()
        .setRunId(a.getRunId()).setAttempt(1).setEpoch(a.getEpoch()).setRunning(true).setPid(4242).build()));
    var welcome = back.next(WELCOME).getWelcome();
    assertTrue(welcome.getHeldRunDecisions(0).getKeep(), welcome.toString());
    Run reclaimed = awaitState(a.getRunId(), RunState.RUN_STATE_RUNNING);
    assertEquals(1, reclaimed.getAttemptsCount());
    assertEquals(0, reclaimed.getLostAttempts());
    assertEquals("w1", reclaimed.getAttempts(0).getWorkerId());
    // It left the queue: a free worker gets nothing.
    FakeAgent other = agent("w2", 1);
    other.expectNone(ASSIGN, Duration.ofMillis(300));
    back.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    back.next(ACK);
    Run done = awaitState(a.getRunId(), RunState.RUN_STATE_SUCCEEDED);
    assertEquals(1, done.getAttemptsCount());
    other.expectNone(ASSIGN, Duration.ofMillis(300));
  }

  @Test
  void aLateHelloWithAFinishedResultRecordsItInsteadOfRunningTheJobAgain() throws Exception {
    Assignment a = lostAcrossARestart();
    RunFinished result = finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0).getFinished();
    FakeAgent back = new FakeAgent(coordinator.client().channel(), "w1", 1, List.of(HeldRun.newBuilder()
        .setRunId(a.getRunId()).setAttempt(1).setEpoch(a.getEpoch()).setRunning(false).setResult(result).build()));
    back.next(WELCOME);
    back.next(ACK);
    Run done = awaitState(a.getRunId(), RunState.RUN_STATE_SUCCEEDED);
    assertEquals(1, done.getAttemptsCount());
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, done.getAttempts(0).getOutcome());
    back.expectNone(ASSIGN, Duration.ofMillis(300));
  }

  @Test
  void aWorkerBackAfterItsTtlReclaimsTheAttemptItStillRuns() throws Exception {
    Running running = runningOn("w1");
    String id = running.runId();
    Assignment a = running.assignment();
    clock.advance(Duration.ofSeconds(11));
    awaitState(id, RunState.RUN_STATE_QUEUED);
    // Nobody took attempt 2 yet: the attempt the worker still runs (on_disconnect: keep) wins.
    FakeAgent back = new FakeAgent(coordinator.client().channel(), "w1", 1, List.of(HeldRun.newBuilder()
        .setRunId(id).setAttempt(1).setEpoch(a.getEpoch()).setRunning(true).setPid(4242).build()));
    assertTrue(back.next(WELCOME).getWelcome().getHeldRunDecisions(0).getKeep());
    back.send(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 3));
    back.next(ACK);
    Run failed = awaitState(id, RunState.RUN_STATE_FAILED);
    assertEquals(1, failed.getAttemptsCount());
    assertEquals(3, failed.getAttempts(0).getExitCode());
  }

  @Test
  void anAssignmentNotStartedWithinTheBoundGoesToAnotherWorkerAndItsAgentIsMarkedUnhealthy() throws Exception {
    job("a", Priority.PRIORITY_MEDIUM);
    FakeAgent stuck = agent("w1", 1);
    String id = trigger("a").getId();
    Assignment a = stuck.next(ASSIGN).getAssign(); // and never started
    advanceAlive(stuck, Duration.ofSeconds(29)); // heartbeating all along
    stuck.expectNone(CoordinatorMessage::hasCancel, Duration.ofMillis(200));
    clock.advance(Duration.ofSeconds(2)); // past 3 x the 10 s TTL

    var cancel = stuck.next(CoordinatorMessage::hasCancel).getCancel();
    assertEquals(id, cancel.getRunId());
    assertEquals(1, cancel.getAttempt());
    Run requeued = awaitState(id, RunState.RUN_STATE_QUEUED);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, requeued.getAttempts(0).getOutcome());
    assertTrue(requeued.getAttempts(0).getError().contains("not started by worker fake-w1 within 30s"), requeued.toString());
    var w1 = coordinator.client().cluster().listWorkers(dev.baton.proto.v1.ListWorkersRequest.getDefaultInstance())
        .getWorkers(0);
    assertEquals(dev.baton.proto.v1.WorkerState.WORKER_STATE_UNHEALTHY, w1.getState());
    assertTrue(w1.getStateReason().contains("run " + id + " attempt 1 not started"), w1.getStateReason());
    stuck.expectNone(ASSIGN, Duration.ofMillis(300));

    FakeAgent healthy = agent("w2", 1);
    assertEquals(2, healthy.next(ASSIGN).getAssign().getAttempt());
    // Should the stuck agent start the attempt after all, it is told to kill it: it is not current any more.
    stuck.send(started(a));
    assertEquals(1, stuck.next(CoordinatorMessage::hasCancel).getCancel().getAttempt());
    Run run = awaitState(id, RunState.RUN_STATE_ASSIGNED);
    assertEquals("w2", run.getAttempts(run.getAttemptsCount() - 1).getWorkerId());
  }

  /** The stream's error once the coordinator ended it. */
  private static io.grpc.Status refusal(FakeAgent agent) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (agent.error() == null && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    return io.grpc.Status.fromThrowable(agent.error());
  }

  @Test
  void aHelloBeyondTheAgentLimitsIsRefusedNamingTheFieldAndOthersAreUnaffected() throws Exception {
    dev.baton.proto.v1.Hello.Builder base = dev.baton.proto.v1.Hello.newBuilder().setAgentId("big").setName("big")
        .setSlots(1);
    dev.baton.proto.v1.Hello.Builder manyLabels = base.clone();
    for (int i = 0; i < 65; i++) {
      manyLabels.putLabels("k" + i, "v");
    }
    String hugeValue = "x".repeat(4_000_000 / 4);
    for (var hello : List.of(manyLabels.build(), base.clone().putLabels("zone", hugeValue).build(),
        base.clone().putLabels("bad key", "v").build(), base.clone().setName("n".repeat(200)).build())) {
      io.grpc.Status refused = refusal(new FakeAgent(coordinator.client().channel(), hello));
      assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getCode(), refused.toString());
      assertTrue(refused.getDescription().startsWith("hello."), refused.getDescription());
    }
    agent("w1", 1);
    var workers = coordinator.client().cluster().listWorkers(
        dev.baton.proto.v1.ListWorkersRequest.getDefaultInstance());
    assertEquals(List.of("fake-w1"), workers.getWorkersList().stream().map(w -> w.getName()).toList());
  }

  @Test
  void anOverlongErrorTextOfAResultIsCutWithANoteNotRefused() throws Exception {
    Running running = runningOn("w1");
    FakeAgent agent = running.agent();
    String id = running.runId();
    Assignment a = running.assignment();
    agent.send(AgentMessage.newBuilder().setFinished(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 1)
        .getFinished().toBuilder().setError("e".repeat(100_000))).build());
    agent.next(ACK);
    Run failed = awaitState(id, RunState.RUN_STATE_FAILED);
    String error = failed.getAttempts(0).getError();
    assertTrue(error.length() < 5_000, "kept " + error.length() + " characters");
    assertTrue(error.endsWith("... (95904 more bytes cut by the coordinator)"), error.substring(4_000));
  }

  /** Byte {@code i} of a test output: a pattern in which every byte's place can be checked. */
  private static byte outputByte(long i) {
    return (byte) (i % 251);
  }

  private static AgentMessage outputChunk(Assignment a, long offset, int length) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = outputByte(offset + i);
    }
    return AgentMessage.newBuilder().setOutput(OutputChunk.newBuilder().setRunId(a.getRunId())
        .setAttempt(a.getAttempt()).setStream(OutputStream.OUTPUT_STREAM_STDOUT).setOffset(offset)
        .setData(ByteString.copyFrom(data))).build();
  }

  private byte[] storedOutput(String runId) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    long[] expectedOffset = {-1};
    coordinator.client().runs().streamOutput(StreamOutputRequest.newBuilder().setRunId(runId).build())
        .forEachRemaining(c -> {
          if (expectedOffset[0] >= 0) {
            assertEquals(expectedOffset[0], c.getOffset(), "stored output has no gap");
          }
          expectedOffset[0] = c.getOffset() + c.getData().size();
          out.writeBytes(c.getData().toByteArray());
        });
    return out.toByteArray();
  }

  @Test
  void theStoredOutputIsTheCompleteTailAndTheRunSaysWhatTheCapCut() throws Exception {
    Running running = runningOn("w1");
    FakeAgent agent = running.agent();
    String id = running.runId();
    Assignment a = running.assignment();
    int chunk = 64 * 1024;
    long offset = 0;
    for (; offset < 1_536 * 1024; offset += chunk) {
      agent.send(outputChunk(a, offset, chunk));
    }
    offset += 256 * 1024; // the agent skipped these (its window moved on while the stream was slow)
    long afterGap = offset;
    for (int i = 0; i < 8; i++, offset += chunk) {
      agent.send(outputChunk(a, offset, chunk));
    }
    // The last 100 bytes never came as a chunk: the result's tail has them.
    long total = offset + 100;
    byte[] tail = new byte[chunk];
    for (int i = 0; i < chunk; i++) {
      tail[i] = outputByte(total - chunk + i);
    }
    agent.send(AgentMessage.newBuilder().setFinished(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0)
        .getFinished().toBuilder().setOutputBytes(total).setOutputTail(ByteString.copyFrom(tail))).build());
    agent.next(ACK);
    Run done = awaitState(id, RunState.RUN_STATE_SUCCEEDED);

    assertEquals(total, done.getAttempts(0).getOutputBytes());
    assertEquals(afterGap, done.getAttempts(0).getOutputKeptFrom());
    assertTrue(done.getAttempts(0).getOutputTruncated());
    byte[] stored = storedOutput(id);
    assertEquals(total - afterGap, stored.length);
    for (int i = 0; i < stored.length; i++) {
      if (stored[i] != outputByte(afterGap + i)) {
        throw new AssertionError("byte " + (afterGap + i) + " of the output is wrong");
      }
    }
  }

  @Test
  void outputBeyondTheCapKeepsTheLastMaxOutputBytesWhole() throws Exception {
    Running running = runningOn("w1");
    FakeAgent agent = running.agent();
    String id = running.runId();
    Assignment a = running.assignment();
    int chunk = 50_000; // not a divisor of the 1 MiB cap
    long total = 0;
    for (int i = 0; i < 60; i++, total += chunk) {
      agent.send(outputChunk(a, total, chunk));
    }
    agent.send(AgentMessage.newBuilder().setFinished(finished(a, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0)
        .getFinished().toBuilder().setOutputBytes(total)).build());
    agent.next(ACK);
    Run done = awaitState(id, RunState.RUN_STATE_SUCCEEDED);
    byte[] stored = storedOutput(id);
    long keptFrom = done.getAttempts(0).getOutputKeptFrom();
    assertEquals(total - keptFrom, stored.length);
    assertTrue(stored.length >= 1 << 20 && stored.length < (1 << 20) + chunk, "kept " + stored.length);
    assertEquals(outputByte(total - 1), stored[stored.length - 1]);
    assertEquals(outputByte(keptFrom), stored[0]);
  }

  @Test
  void catchUpRunsOfAForbidJobRunOneAfterAnotherOldestFirst() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("hourly")
        .setSchedule("every minute").setMisfire(dev.baton.proto.v1.MisfirePolicy.MISFIRE_POLICY_RUN_ALL)).build());
    coordinator.client().jobs().pauseJob(dev.baton.proto.v1.PauseJobRequest.newBuilder().setName("hourly").build());
    clock.advance(Duration.ofSeconds(150)); // 10:01 and 10:02 missed
    coordinator.client().jobs().resumeJob(dev.baton.proto.v1.ResumeJobRequest.newBuilder().setName("hourly")
        .build());
    List<Run> runs = coordinator.client().runs().listRuns(dev.baton.proto.v1.ListRunsRequest.newBuilder()
        .setJob("hourly").build()).getRunsList();
    assertEquals(List.of(RunState.RUN_STATE_QUEUED, RunState.RUN_STATE_QUEUED),
        runs.stream().map(Run::getState).toList(), "both missed ticks queue; neither is skipped as an overlap");
    assertTrue(runs.stream().allMatch(Run::getCatchUp));

    FakeAgent agent = agent("w1", 4);
    Assignment first = agent.next(ASSIGN).getAssign();
    assertEquals(runs.get(1).getId(), first.getRunId(), "the oldest tick first");
    agent.send(started(first));
    agent.expectNone(ASSIGN, Duration.ofMillis(300));
    agent.send(finished(first, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    Assignment second = agent.next(ASSIGN).getAssign();
    assertEquals(runs.get(0).getId(), second.getRunId());
  }

  @Test
  void aFailedRunAtRestCanBeRunAgainAsAFreshSeries() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("flaky")).build());
    Run run = trigger("flaky");
    FakeAgent agent = agent("w1", 1);
    Assignment first = agent.next(ASSIGN).getAssign();
    agent.send(started(first));
    agent.send(finished(first, AttemptOutcome.ATTEMPT_OUTCOME_FAILED, 3));
    awaitState(run.getId(), RunState.RUN_STATE_FAILED);

    dev.baton.proto.v1.RerunRunRequest rerun = dev.baton.proto.v1.RerunRunRequest.newBuilder()
        .setId(run.getId()).setRequestedBy("alice").setRequestId("rerun-1").build();
    Run again = coordinator.client().runs().rerunRun(rerun);
    assertEquals(again, coordinator.client().runs().rerunRun(rerun), "a repeat with its request id: the first answer");
    assertEquals(RunState.RUN_STATE_QUEUED, again.getState());
    assertEquals(2, again.getAttemptsCount());
    assertEquals(2, again.getSeriesStartAttempt());
    assertEquals(1, again.getRedrives());
    assertEquals("alice", again.getRequestedBy());
    Assignment second = agent.next(ASSIGN).getAssign();
    assertEquals(2, second.getAttempt());
    agent.send(started(second));
    agent.send(finished(second, AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, 0));
    awaitState(run.getId(), RunState.RUN_STATE_SUCCEEDED);

    io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.grpc.StatusRuntimeException.class, () -> coordinator.client().runs().rerunRun(
            dev.baton.proto.v1.RerunRunRequest.newBuilder().setId(run.getId()).build()));
    assertEquals(io.grpc.Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("only a FAILED or TIMED_OUT run at rest"),
        e.getStatus().getDescription());

    assertEquals("w1", coordinator.client().cluster().getWorker(dev.baton.proto.v1.GetWorkerRequest.newBuilder()
        .setWorker("w1").build()).getId());
    assertEquals(List.of(run.getId()), coordinator.client().runs().listWaves(
        dev.baton.proto.v1.ListWavesRequest.newBuilder().setRootJob("flaky").build()).getWavesList().stream()
        .map(dev.baton.proto.v1.Wave::getId).toList());
  }
}
