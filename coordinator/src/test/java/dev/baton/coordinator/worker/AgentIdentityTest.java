package dev.baton.coordinator.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.access.Tokens;
import dev.baton.coordinator.testing.FakeAgent;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Hello;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunFinished;
import dev.baton.proto.v1.RunStarted;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With auth on, an agent is who its credential proves (here agent tokens; certificates in the multi-process
 * SecurityTest): it cannot say hello under another name or id, nor report on a run another agent holds.
 */
class AgentIdentityTest {
  @TempDir Path dir;
  private final FakeClock clock = FakeClock.at("2026-12-01T10:00:00Z");
  private InProcessCoordinator coordinator;
  private Tokens tokens;

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, clock, true);
    tokens = new Tokens(coordinator.coordinator().store(), clock);
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  private FakeAgent agent(String token, String id, String name) {
    String secret = tokens.create(token, Role.ROLE_AGENT, Duration.ZERO, "test").secret();
    return new FakeAgent(coordinator.channelWithToken(secret), Hello.newBuilder().setAgentId(id).setName(name)
        .setSlots(1).build());
  }

  private Run run(String id) {
    return coordinator.client().runs().getRun(GetRunRequest.newBuilder().setId(id).build());
  }

  @Test
  void anAgentIsTheNameItsCredentialProvesAndItsIdIsThatName() throws Exception {
    FakeAgent honest = agent("w1", "some-id", "w1");
    honest.next(CoordinatorMessage::hasWelcome);
    assertEquals("w1", coordinator.client().cluster().listWorkers(ListWorkersRequest.getDefaultInstance())
        .getWorkers(0).getId(), "the id is the proven name, whatever id the agent sent");

    FakeAgent impostor = agent("w2", "w1", "w1");
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (impostor.error() == null && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    Status refused = Status.fromThrowable(impostor.error());
    assertEquals(Status.Code.PERMISSION_DENIED, refused.getCode());
    assertTrue(refused.getDescription().contains("proved to be 'w2' but said hello as 'w1'"), refused.toString());
    assertEquals(1, coordinator.client().cluster().listWorkers(ListWorkersRequest.getDefaultInstance())
        .getWorkersCount());
  }

  @Test
  void anAgentCannotFinishARunAnotherAgentHolds() throws Exception {
    coordinator.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("job")).build());
    FakeAgent holder = agent("w1", "w1", "w1");
    holder.next(CoordinatorMessage::hasWelcome);
    String runId = coordinator.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName("job").build())
        .getRun().getId();
    Assignment a = holder.next(CoordinatorMessage::hasAssign).getAssign();
    holder.send(AgentMessage.newBuilder().setStarted(RunStarted.newBuilder().setRunId(runId).setAttempt(a.getAttempt())
        .setPid(4242).setStartTime(Timestamps.fromMillis(clock.millis()))).build());

    // w2 claims w1's id (in its hello, with its own proven name): it gets its own id, not w1's runs.
    FakeAgent other = agent("w2", "w1", "w2");
    other.next(CoordinatorMessage::hasWelcome);
    other.send(finished(a));
    other.next(CoordinatorMessage::hasAck); // acknowledged, as every report is, and ignored
    assertEquals(RunState.RUN_STATE_RUNNING, run(runId).getState(), "w2's report on w1's run changed nothing");

    holder.send(finished(a));
    holder.next(CoordinatorMessage::hasAck);
    assertEquals(RunState.RUN_STATE_SUCCEEDED, run(runId).getState());
  }

  private AgentMessage finished(Assignment a) {
    return AgentMessage.newBuilder().setFinished(RunFinished.newBuilder().setRunId(a.getRunId())
        .setAttempt(a.getAttempt()).setEpoch(a.getEpoch()).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED)
        .setExitCode(0).setStartTime(Timestamps.fromMillis(clock.millis()))
        .setFinishTime(Timestamps.fromMillis(clock.millis()))).build();
  }
}
