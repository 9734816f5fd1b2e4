package dev.baton.coordinator.run;

import dev.baton.proto.v1.OverlapPolicy;
import java.util.List;

/**
 * What a new run of a job does while other runs of the job are active (DESIGN.md section 2, {@code overlap}).
 * Pure. Ticks and dependency runs are recorded SKIPPED where a manual trigger is refused, so that an operator
 * hears "no" at once instead of finding a skipped run later; {@code --force} starts it anyway.
 */
public final class OverlapRules {
  /** The outcome for the new run. */
  public sealed interface Decision permits Start, Skip, Refuse, Replace {}

  /** Queue it. */
  public record Start() implements Decision {}

  /** Record it SKIPPED with this reason. */
  public record Skip(String reason) implements Decision {}

  /** Refuse the trigger (FAILED_PRECONDITION) with this reason. */
  public record Refuse(String reason, long activeRun) implements Decision {}

  /** Cancel these runs, then queue it (dispatch holds it back until they have stopped). */
  public record Replace(List<Long> cancel) implements Decision {}

  private OverlapRules() {}

  /**
   * @param active the job's active runs, oldest first
   * @param manual a trigger by a person or program (else a tick or a dependency)
   * @param force the trigger asked to start regardless
   */
  public static Decision decide(String job, OverlapPolicy policy, List<Long> active, boolean manual, boolean force) {
    if (active.isEmpty() || policy == OverlapPolicy.OVERLAP_POLICY_ALLOW || (manual && force)) {
      return new Start();
    }
    return switch (policy) {
      case OVERLAP_POLICY_REPLACE -> new Replace(active);
      case OVERLAP_POLICY_QUEUE_ONE -> active.size() < 2
          ? new Start()
          : refuseOrSkip(manual, active.get(1), "run " + active.get(1) + " already waits behind run "
              + active.get(0) + " (overlap: queue-one)");
      default -> refuseOrSkip(manual, active.get(0), "run " + active.get(0) + " of job " + job
          + " is still active (overlap: forbid)");
    };
  }

  private static Decision refuseOrSkip(boolean manual, long blocking, String why) {
    return manual ? new Refuse(why + "; trigger with force to start another anyway", blocking)
        : new Skip(NewRun.OVERLAP_PREFIX + why);
  }

  /**
   * Whether a queued run of a job with this policy must wait while another run of the job executes: always under
   * QUEUE_ONE and REPLACE, and for a catch-up run under any policy but ALLOW (catch-up runs go one at a time).
   */
  public static boolean waitsForActive(OverlapPolicy policy, boolean catchUp) {
    return policy == OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE || policy == OverlapPolicy.OVERLAP_POLICY_REPLACE
        || (catchUp && policy != OverlapPolicy.OVERLAP_POLICY_ALLOW);
  }
}
