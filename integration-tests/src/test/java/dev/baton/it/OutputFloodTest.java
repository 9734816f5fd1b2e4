package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job that prints as fast as it can, on a coordinator with a small heap and a short worker TTL: memory stays
 * bounded, heartbeats are not starved (no healthy run is fenced off), other jobs keep ticking, and the stored output
 * is the complete, ordered tail of what the job printed.
 */
class OutputFloodTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  @Test
  void aJobPrintingAtFullSpeedNeitherStarvesTheClusterNorLosesItsTail() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work, "--worker-ttl", "3s")
            .javaOptions("-Xmx128m").start();
        AgentProcess agent = new AgentProcess(work, "busy", "--slots", "4").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      Runs.create(client, Job.newBuilder().setName("tick").setSchedule("every 1s")
          .setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
          .setCommand(Command.newBuilder().setShell("echo tick")));
      // Numbered lines, as fast as seq writes them (hundreds of MB/s), until the timeout stops it.
      Runs.create(client, Job.newBuilder().setName("flood").setTimeout(Durations.fromSeconds(8))
          .setCommand(Command.newBuilder().setShell("exec seq 1 1000000000000")));
      Run flood = Runs.awaitFinal(client, Runs.trigger(client, "flood").getId(), WAIT);
      long rss = coordinator.residentBytes();

      assertTrue(coordinator.isAlive(), "the coordinator survived the flood");
      assertFalse(coordinator.log().contains("OutOfMemoryError"), "no OutOfMemoryError in the coordinator");
      assertEquals(RunState.RUN_STATE_TIMED_OUT, flood.getState(), flood.toString());
      Attempt attempt = flood.getAttempts(0);
      assertTrue(attempt.getOutputBytes() > 10L << 20, "it printed " + attempt.getOutputBytes() + " bytes");

      // The stored output: exactly the bytes from output_kept_from to output_bytes, consecutive numbers.
      String stored = Runs.output(client, flood.getId());
      assertEquals(attempt.getOutputBytes() - attempt.getOutputKeptFrom(), stored.length());
      assertTrue(stored.length() >= 1 << 20, "at least max_output kept: " + stored.length());
      List<String> lines = stored.lines().toList();
      long previous = Long.parseLong(lines.get(1)); // the first line may start mid-number
      for (String line : lines.subList(2, lines.size() - 1)) { // the last may end mid-number (killed)
        long n = Long.parseLong(line);
        assertEquals(previous + 1, n, "the stored tail is complete and in order");
        previous = n;
      }

      // Heartbeats were never starved: nothing was fenced off or lost, and the ticks went on during the flood.
      List<Run> ticks = client.runs().listRuns(ListRunsRequest.newBuilder().setJob("tick").setPageSize(100).build())
          .getRunsList();
      assertTrue(ticks.size() >= 6, "ticks during an 8 s flood: " + ticks.size());
      for (Run tick : ticks) {
        for (Attempt a : tick.getAttemptsList()) {
          assertTrue(a.getOutcome() != AttemptOutcome.ATTEMPT_OUTCOME_LOST, "a tick was lost: " + tick);
        }
        assertTrue(tick.getState() != RunState.RUN_STATE_SKIPPED || tick.getStateReason().contains("overlap"),
            "a tick was skipped: " + tick);
      }
      System.out.printf("flood: %d bytes printed, %d kept; coordinator RSS %d MiB; %d ticks%n",
          attempt.getOutputBytes(), stored.length(), rss >> 20, ticks.size());
      assertTrue(rss < 600L << 20, "coordinator RSS " + (rss >> 20) + " MiB within its budget");
    }
  }
}
