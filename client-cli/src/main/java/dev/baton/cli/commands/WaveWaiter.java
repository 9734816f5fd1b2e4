package dev.baton.cli.commands;

import dev.baton.cli.output.EnumText;
import dev.baton.client.BatonClient;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveNode;
import dev.baton.proto.v1.WaveState;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows a whole dependency wave until it has succeeded or failed ({@code job trigger --wait --wave}), reading it
 * every {@link #POLL} and reporting one line per change of a job's state in it
 * ({@code wave 12: load running (run 14)}).
 */
final class WaveWaiter {
  static final Duration POLL = Duration.ofMillis(500);

  private final BatonClient client;
  private final Consumer<String> progress;
  private final Duration timeout;
  private final Map<String, String> shown = new HashMap<>();

  /** @param timeout how long to follow the wave at most; null for as long as it takes */
  WaveWaiter(BatonClient client, Consumer<String> progress, Duration timeout) {
    this.client = client;
    this.progress = progress;
    this.timeout = timeout;
  }

  /** The wave as it ended. */
  Wave await(String waveId) {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        Wave wave = client.runs().getWave(GetWaveRequest.newBuilder().setId(waveId).build());
        for (WaveNode node : wave.getNodesList()) {
          String line = "wave " + waveId + ": " + node.getJob() + " " + EnumText.name(node.getState())
              + (node.getRunId().isEmpty() ? "" : " (run " + node.getRunId() + ")");
          if (!line.equals(shown.put(node.getJob(), line))) {
            progress.accept(line);
          }
        }
        if (wave.getState() != WaveState.WAVE_STATE_RUNNING) {
          return wave;
        }
        if (System.nanoTime() > deadline) {
          throw new CommandException("stopped waiting after " + dev.baton.client.DurationText.format(timeout)
              + ": wave " + waveId + " is still running; it goes on (follow it with: baton wave get " + waveId + ")");
        }
        Thread.sleep(POLL.toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommandException("interrupted while waiting for wave " + waveId);
    }
  }
}
