package dev.baton.coordinator.dispatch;

import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.run.ActiveRuns;
import dev.baton.coordinator.run.NewRun;
import dev.baton.coordinator.run.OverlapRules;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.wave.WaveRules;
import dev.baton.coordinator.wave.WaveViews;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Moves dependency waves on (DESIGN.md section 4): when a run ends for good, the runs its wave owes are created in
 * the same round, so the step is durable together with the result that caused it. The decisions are
 * {@link WaveRules}'s and {@link OverlapRules}'s; this class reads the wave and writes what they decide.
 */
final class WaveProgress {
  private final RunStore runs;
  private final JobRegistry jobs;
  private final ActiveRuns active;
  private final Clock clock;
  private final BiConsumer<String, String> cancel;

  /** @param cancel cancels a run (by id, with a reason) for an overlap REPLACE */
  WaveProgress(RunStore runs, JobRegistry jobs, ActiveRuns active, Clock clock, BiConsumer<String, String> cancel) {
    this.runs = runs;
    this.jobs = jobs;
    this.active = active;
    this.clock = clock;
    this.cancel = cancel;
  }

  /** Every run that ended for good in this round moves its wave on. */
  void continueWaves(Round round) {
    for (Run ended : round.takeFinished()) {
      if (!ended.getWaveId().isEmpty()) {
        continueWave(round, ended.getWaveId(), ended.getJob(), ended.getState());
      }
    }
  }

  /** The run of {@code job} in wave {@code waveId} reached {@code state} for good. */
  void continueWave(Round round, String waveId, String job, RunState state) {
    Optional<WaveRules.WaveView> view = waveView(round, waveId);
    if (view.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    for (WaveRules.NewWaveRun next : WaveRules.onFinal(jobs.graph(), view.get(), job, state, j -> latestFinished(round, j))) {
      Optional<Job> definition = jobs.find(next.job());
      if (definition.isEmpty()) {
        continue; // deleted meanwhile: nothing to run
      }
      String skipReason = next.skipped() ? next.reason() : null;
      if (skipReason == null) {
        OverlapRules.Decision overlap = OverlapRules.decide(next.job(), definition.get().getOverlap(),
            round.activeOf(active, next.job()), false, false);
        if (overlap instanceof OverlapRules.Skip skip) {
          skipReason = skip.reason();
        } else if (overlap instanceof OverlapRules.Replace replace) {
          replace.cancel().forEach(id -> cancel.accept(Long.toString(id), "replaced by a run of wave " + waveId));
        }
      }
      RunState initial = skipReason == null ? RunState.RUN_STATE_QUEUED : RunState.RUN_STATE_SKIPPED;
      round.created(runs.add(round.batch(), new NewRun(definition.get(), RunReason.RUN_REASON_DEPENDENCY, now,
          initial, skipReason == null ? "" : skipReason, 0, "wave " + waveId, waveId)));
    }
  }

  /** The wave as this round sees it: the store's runs of the wave with this round's changes over them. */
  private Optional<WaveRules.WaveView> waveView(Round round, String waveId) {
    Map<String, Run> byId = new LinkedHashMap<>();
    for (Run run : runs.ofWave(waveId)) {
      byId.put(run.getId(), run);
    }
    for (Run run : round.changedRuns()) {
      if (run.getWaveId().equals(waveId)) {
        byId.put(run.getId(), run);
      }
    }
    Run root = byId.get(waveId);
    return root == null ? Optional.empty() : Optional.of(WaveViews.of(root.getJob(), waveId, byId.values()));
  }

  /** The latest run of a job that ended for good, this round's changes included. */
  private Optional<RunState> latestFinished(Round round, String job) {
    Run newest = null;
    for (Run run : round.changedRuns()) {
      if (run.getJob().equals(job) && RunStore.finishedForGood(run)
          && (newest == null || Long.parseLong(run.getId()) > Long.parseLong(newest.getId()))) {
        newest = run;
      }
    }
    return newest != null ? Optional.of(newest.getState()) : runs.latestFinishedStateOf(job);
  }
}
