package dev.baton.coordinator.schedule;

import dev.baton.proto.v1.MisfirePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides what the due ticks of a job become (DESIGN.md sections 2 and 3). Pure: the caller passes the time.
 *
 * <p>A tick is <em>on time</em> if it is processed within {@code misfireGrace} of its time; older due ticks were
 * missed (the coordinator was down, or the job paused). Missed ticks follow the job's misfire policy:
 * <ul>
 *   <li>RUN_ONCE: one run, at the latest due tick, stands for all of them (its {@code missed_ticks} counts the
 *       others).
 *   <li>SKIP: missed ticks get no run; an on-time latest tick still runs.
 *   <li>RUN_ALL: one run per due tick, the latest {@code maxCatchup} of them; older ones are skipped.
 * </ul>
 */
public final class TickPlanner {
  /** Ticks counted at most in one catch-up; beyond, the count says "at least". */
  public static final int MAX_COUNTED = 100_000;

  private TickPlanner() {}

  /**
   * @param schedule the job's schedule
   * @param due the stored next fire time; not after {@code now}
   * @param now the current time
   */
  public static TickPlan plan(
      Schedule schedule, Instant due, Instant now, MisfirePolicy policy, int maxCatchup, Duration misfireGrace) {
    List<Instant> ticks = new ArrayList<>();
    ticks.add(due);
    Instant last = due;
    boolean capped = false;
    while (true) {
      Optional<Instant> next = schedule.nextFireAfter(last);
      if (next.isEmpty() || next.get().isAfter(now)) {
        break;
      }
      if (ticks.size() == MAX_COUNTED) {
        capped = true;
        break;
      }
      last = next.get();
      ticks.add(last);
    }
    Optional<Instant> nextFire = schedule.nextFireAfter(capped ? now : last);
    boolean latestOnTime = !last.plus(misfireGrace).isBefore(now);
    int size = ticks.size();

    return switch (policy) {
      case MISFIRE_POLICY_SKIP -> latestOnTime
          ? new TickPlan(List.of(last), 0, size - 1, lastSkipped(ticks, size - 1), capped, nextFire)
          : new TickPlan(List.of(), 0, size, lastSkipped(ticks, size), capped, nextFire);
      case MISFIRE_POLICY_RUN_ALL -> {
        int run = Math.min(size, Math.max(1, maxCatchup));
        yield new TickPlan(
            List.copyOf(ticks.subList(size - run, size)), 0, size - run, lastSkipped(ticks, size - run), capped,
            nextFire);
      }
      default -> new TickPlan(List.of(last), size - 1, 0, Optional.empty(), capped, nextFire);
    };
  }

  /** The latest of the first {@code count} ticks. */
  private static Optional<Instant> lastSkipped(List<Instant> ticks, int count) {
    return count == 0 ? Optional.empty() : Optional.of(ticks.get(count - 1));
  }
}
