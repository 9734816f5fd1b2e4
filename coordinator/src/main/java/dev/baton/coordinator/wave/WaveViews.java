package dev.baton.coordinator.wave;

import dev.baton.coordinator.run.RunStateMachine;
import dev.baton.coordinator.run.RunStore;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Builds the {@link WaveRules.WaveView} of a wave from its runs. Pure. */
public final class WaveViews {
  private WaveViews() {}

  /**
   * Each job's latest run in the wave; a run waiting for a retry, or dead-lettered and still in the dead-letter
   * queue, has not failed for good yet (its downstream waits for it).
   */
  public static WaveRules.WaveView of(String rootJob, String waveId, Collection<Run> waveRuns) {
    Map<String, RunState> states = new HashMap<>();
    Set<String> pending = new HashSet<>();
    for (Run run : waveRuns) {
      states.put(run.getJob(), run.getState());
      if (RunStateMachine.isActive(run.getState()) || !RunStore.finishedForGood(run)) {
        pending.add(run.getJob());
      } else {
        pending.remove(run.getJob());
      }
    }
    Set<String> retrying = new HashSet<>();
    for (String job : pending) {
      RunState s = states.get(job);
      if (s == RunState.RUN_STATE_FAILED || s == RunState.RUN_STATE_TIMED_OUT
          || s == RunState.RUN_STATE_DEAD_LETTERED) {
        retrying.add(job);
      }
    }
    return new WaveRules.WaveView(waveId, rootJob, states, retrying);
  }
}
