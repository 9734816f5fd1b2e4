package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WaveState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Waves, retries and the dead-letter queue with real commands, a coordinator and an agent as separate JVMs. */
class WorkflowsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  private static RetryPolicy fixed(int retries, Duration delay) {
    return RetryPolicy.newBuilder().setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(retries)
        .setInitialDelay(Durations.fromMillis(delay.toMillis())).build();
  }

  @Test
  void aThreeLevelDagWhoseMiddleJobFailsTwiceSucceedsOnceEachInTheWave() throws Exception {
    Path counter = work.resolve("transform-attempts");
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "dag-agent", "--slots", "2").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      Runs.shellJob(client, "extract", "echo extracted");
      // Fails on its first two attempts, succeeds on the third.
      Runs.create(client, Job.newBuilder().setName("transform").addDependencies("extract")
          .setRetry(fixed(3, Duration.ofMillis(200)))
          .setCommand(Command.newBuilder().setShell("echo x >> " + counter
              + "; [ $(wc -l < " + counter + ") -ge 3 ]")));
      Runs.create(client, Job.newBuilder().setName("load").addDependencies("transform")
          .setCommand(Command.newBuilder().setShell("echo loaded")));

      Run root = Runs.trigger(client, "extract");
      Deadline.await(WAIT, "the wave to finish", () -> client.runs().getWave(
          GetWaveRequest.newBuilder().setId(root.getId()).build()).getState() != WaveState.WAVE_STATE_RUNNING);
      assertEquals(WaveState.WAVE_STATE_SUCCEEDED,
          client.runs().getWave(GetWaveRequest.newBuilder().setId(root.getId()).build()).getState());
      List<Run> inWave = client.runs().listRuns(ListRunsRequest.newBuilder().setWaveId(root.getId()).build())
          .getRunsList();
      assertEquals(3, inWave.size(), inWave.toString());
      for (Run run : inWave) {
        assertEquals(RunState.RUN_STATE_SUCCEEDED, run.getState(), run.toString());
      }
      Run transform = inWave.stream().filter(r -> r.getJob().equals("transform")).findFirst().orElseThrow();
      assertEquals(3, transform.getAttemptsCount(), "two failures, then a success: one run, three attempts");
      assertEquals(3, Files.readAllLines(counter).size());
    }
  }

  @Test
  void anAlwaysFailingJobLandsInTheDeadLetterQueueAndARedriveRunsItAgain() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "dlq-agent").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      Runs.create(client, Job.newBuilder().setName("doomed").setRetry(fixed(2, Duration.ofMillis(100)))
          .setCommand(Command.newBuilder().setShell("echo failing-$BATON_ATTEMPT; exit 3")));
      Run run = Runs.trigger(client, "doomed");
      Run dead = Runs.await(client, run.getId(), RunState.RUN_STATE_DEAD_LETTERED, WAIT);
      assertEquals(3, dead.getAttemptsCount());
      var entry = client.runs().listDeadLetters(ListDeadLettersRequest.getDefaultInstance()).getDeadLetters(0);
      assertEquals(3, entry.getLastExitCode());
      assertTrue(entry.getOutputTail().toStringUtf8().contains("failing-3"), entry.toString());

      client.runs().redriveDeadLetter(RedriveDeadLetterRequest.newBuilder().setRunId(run.getId())
          .setRequestedBy("operator").build());
      Run again = Runs.await(client, run.getId(), RunState.RUN_STATE_DEAD_LETTERED, WAIT);
      assertEquals(6, again.getAttemptsCount(), "a fresh series of three attempts");
      assertEquals("operator", again.getRequestedBy());
    }
  }

  @Test
  void aRetryDelayOutlivesACoordinatorKillNine() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "retry-agent").start(coordinator.target())) {
      Run failed;
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        Runs.create(client, Job.newBuilder().setName("later").setRetry(fixed(1, Duration.ofSeconds(6)))
            .setCommand(Command.newBuilder().setShell("[ \"$BATON_ATTEMPT\" = 2 ]")));
        Run run = Runs.trigger(client, "later");
        failed = Runs.await(client, run.getId(), RunState.RUN_STATE_FAILED, WAIT);
        assertTrue(failed.hasNextAttemptTime());
      }
      coordinator.kill9AndRestart();
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        Run done = Runs.await(client, failed.getId(), RunState.RUN_STATE_SUCCEEDED, WAIT);
        Instant due = Times.toInstant(failed.getNextAttemptTime());
        Instant queuedAgain = Times.toInstant(done.getAttempts(1).getQueueTime());
        assertTrue(!queuedAgain.isBefore(due), "not before its due time: " + queuedAgain + " < " + due);
        assertTrue(Duration.between(due, queuedAgain).compareTo(Duration.ofSeconds(3)) < 0,
            "soon after its due time: " + queuedAgain + " vs " + due);
      }
    }
  }
}
