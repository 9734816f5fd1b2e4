package dev.baton.coordinator.metrics;

import dev.baton.coordinator.run.NewRun;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import java.util.List;

/**
 * What became of a schedule's tick, read from the run it made (every tick makes one: queued, or SKIPPED with the
 * reason): {@code ran}; {@code skipped} because of the overlap policy, an upstream job, or an error; {@code missed}
 * (misfire: the coordinator was down or the job paused). A run standing for a tick may also carry ticks folded into
 * it ({@code missed_ticks}): those were missed.
 *
 * @param outcome {@code ran}, {@code skipped} or {@code missed}
 * @param reason the class of reason: {@code none}, {@code overlap}, {@code upstream}, {@code misfire}, {@code error}
 * @param ticks how many ticks
 */
public record TickOutcome(String outcome, String reason, long ticks) {
  /** The ticks a newly made run accounts for; none for a run that does not stand for a tick. */
  public static List<TickOutcome> of(Run created) {
    if (created.getReason() != RunReason.RUN_REASON_SCHEDULE) {
      return List.of();
    }
    String why = created.getStateReason();
    if (created.getState() == RunState.RUN_STATE_SKIPPED && why.startsWith(NewRun.MISFIRE_PREFIX)) {
      return List.of(new TickOutcome("missed", "misfire", Math.max(1, created.getMissedTicks())));
    }
    TickOutcome tick;
    if (created.getState() != RunState.RUN_STATE_SKIPPED) {
      tick = new TickOutcome("ran", "none", 1);
    } else if (why.startsWith(NewRun.OVERLAP_PREFIX)) {
      tick = new TickOutcome("skipped", "overlap", 1);
    } else if (why.startsWith(NewRun.ERROR_PREFIX)) {
      tick = new TickOutcome("skipped", "error", 1);
    } else {
      tick = new TickOutcome("skipped", "upstream", 1);
    }
    return created.getMissedTicks() == 0 ? List.of(tick)
        : List.of(tick, new TickOutcome("missed", "misfire", created.getMissedTicks()));
  }
}
