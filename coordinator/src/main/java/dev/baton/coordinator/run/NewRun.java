package dev.baton.coordinator.run;

import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import java.time.Instant;
import java.util.Map;

/**
 * What a new run is: for which job, why, for which time, and whether it starts QUEUED or is recorded SKIPPED.
 *
 * @param job the job definition the run is made from
 * @param reason why the run exists
 * @param scheduledTime the tick or trigger time it stands for
 * @param state {@code RUN_STATE_QUEUED} or {@code RUN_STATE_SKIPPED}
 * @param stateReason why it was skipped; empty for a queued run
 * @param missedTicks ticks folded into this run (misfire)
 * @param requestedBy who asked for it
 * @param waveId the wave it joins; empty to start its own (the run's id)
 * @param catchUp one of several runs made at once for missed ticks (they start one after another)
 * @param params parameters given with a manual trigger, recorded on the run (its command's BATON_PARAM_*)
 */
public record NewRun(
    Job job,
    RunReason reason,
    Instant scheduledTime,
    RunState state,
    String stateReason,
    int missedTicks,
    String requestedBy,
    String waveId,
    boolean catchUp,
    Map<String, String> params) {

  public NewRun(Job job, RunReason reason, Instant scheduledTime, RunState state, String stateReason,
      int missedTicks, String requestedBy, String waveId) {
    this(job, reason, scheduledTime, state, stateReason, missedTicks, requestedBy, waveId, false, Map.of());
  }

  public static NewRun queued(Job job, RunReason reason, Instant scheduledTime, String requestedBy) {
    return new NewRun(job, reason, scheduledTime, RunState.RUN_STATE_QUEUED, "", 0, requestedBy, "");
  }

  public NewRun withMissedTicks(int count) {
    return new NewRun(job, reason, scheduledTime, state, stateReason, count, requestedBy, waveId, catchUp, params);
  }

  public NewRun asCatchUp() {
    return new NewRun(job, reason, scheduledTime, state, stateReason, missedTicks, requestedBy, waveId, true, params);
  }

  public NewRun withParams(Map<String, String> given) {
    return new NewRun(job, reason, scheduledTime, state, stateReason, missedTicks, requestedBy, waveId, catchUp,
        Map.copyOf(given));
  }

  /** How the reason of a skipped tick starts, by cause (the metrics tell the causes apart by it). */
  public static final String MISFIRE_PREFIX = "misfire: ";
  public static final String OVERLAP_PREFIX = "overlap: ";
  public static final String ERROR_PREFIX = "internal error: ";

  public static NewRun skipped(Job job, RunReason reason, Instant scheduledTime, String why, int missedTicks) {
    return new NewRun(job, reason, scheduledTime, RunState.RUN_STATE_SKIPPED, why, missedTicks, "scheduler", "");
  }
}
