package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With one slot in total and a backlog queued, the dispatch policy decides the order. */
class PriorityOrderTest {
  @TempDir Path work;

  @Test
  void highBeforeMediumBeforeLow() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        BatonClient client = BatonClient.connect(coordinator.target())) {
      for (Priority p : new Priority[] {Priority.PRIORITY_LOW, Priority.PRIORITY_MEDIUM, Priority.PRIORITY_HIGH}) {
        Runs.create(client, Job.newBuilder().setName(p.name().toLowerCase().replace('_', '-')).setPriority(p)
            .setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)
            .setCommand(Command.newBuilder().setShell("true")));
      }
      // The backlog is queued before any worker exists, oldest LOW first.
      List<Run> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        for (String job : List.of("priority-low", "priority-medium", "priority-high")) {
          queued.add(Runs.trigger(client, job));
        }
      }
      try (AgentProcess agent = new AgentProcess(work, "solo", "--slots", "1").start(coordinator.target())) {
        List<Run> done = new ArrayList<>();
        for (Run run : queued) {
          Run finished = Runs.awaitFinal(client, run.getId(), Duration.ofSeconds(60));
          assertEquals(RunState.RUN_STATE_SUCCEEDED, finished.getState());
          done.add(finished);
        }
        done.sort(Comparator.comparing(r -> Timestamps.toNanos(r.getAttempts(0).getStartTime())));
        List<String> order = done.stream().map(Run::getJob).toList();
        assertEquals(List.of("priority-high", "priority-high", "priority-high", "priority-medium",
            "priority-medium", "priority-medium", "priority-low", "priority-low", "priority-low"), order);
      }
    }
  }

  @Test
  void aPolicySwitchChangesTheOrderOfAQueuedBacklog() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        BatonClient client = BatonClient.connect(coordinator.target())) {
      for (Priority p : new Priority[] {Priority.PRIORITY_LOW, Priority.PRIORITY_HIGH}) {
        Runs.create(client, Job.newBuilder().setName(p.name().toLowerCase().replace('_', '-')).setPriority(p)
            .setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW)
            .setCommand(Command.newBuilder().setShell("true")));
      }
      List<Run> queued = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        queued.add(Runs.trigger(client, "priority-low"));
      }
      for (int i = 0; i < 3; i++) {
        queued.add(Runs.trigger(client, "priority-high"));
      }
      client.cluster().setDispatchPolicy(dev.baton.proto.v1.SetDispatchPolicyRequest.newBuilder().setSettings(
          dev.baton.proto.v1.DispatchSettings.newBuilder()
              .setPolicy(dev.baton.proto.v1.DispatchPolicy.DISPATCH_POLICY_FCFS)).build());
      try (AgentProcess agent = new AgentProcess(work, "solo", "--slots", "1").start(coordinator.target())) {
        List<Run> done = new ArrayList<>();
        for (Run run : queued) {
          done.add(Runs.awaitFinal(client, run.getId(), Duration.ofSeconds(60)));
        }
        done.sort(Comparator.comparing(r -> Timestamps.toNanos(r.getAttempts(0).getStartTime())));
        assertEquals(List.of("priority-low", "priority-low", "priority-low", "priority-high", "priority-high",
            "priority-high"), done.stream().map(Run::getJob).toList(), "FCFS: oldest first, whatever the priority");
      }
    }
  }
}
