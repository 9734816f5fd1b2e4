package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What to do with the ticks of one job that are due: which to run, how many were missed, and the next fire time.
 *
 * @param runTimes scheduled times to create runs for, oldest first
 * @param foldedTicks ticks the single run of a RUN_ONCE catch-up stands for besides its own
 * @param skippedTicks missed ticks that get no run (recorded as one SKIPPED run with this count)
 * @param lastSkipped the latest of the skipped ticks, when there are any
 * @param countCapped true if so many ticks were missed that counting stopped at {@link TickPlanner#MAX_COUNTED}
 * @param nextFire the first tick after now; empty if the schedule has no more
 */
public record TickPlan(
    List<Instant> runTimes,
    int foldedTicks,
    int skippedTicks,
    Optional<Instant> lastSkipped,
    boolean countCapped,
    Optional<Instant> nextFire) {}
