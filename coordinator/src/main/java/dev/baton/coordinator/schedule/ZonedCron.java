package dev.baton.coordinator.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.time.ExecutionTime;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * Fire times of a cron expression in a zone, with Baton's daylight-saving rules ({@link
 * LocalTimes}).
 *
 * <p>Why not {@code ExecutionTime.nextExecution} in the job's zone directly: cron-utils 9.2.1
 * gets both changes wrong. In a spring-forward gap it drops the run ({@code 30 2 * * *} in New York
 * has no run on 2026-03-08); in a fall-back overlap, expressions with an open hour field fire twice
 * ({@code 0 * * * *} fires at 01:00 EDT and again at 01:00 EST). So cron-utils only ever sees wall
 * clock time in a frame without daylight saving (UTC, standing for the zone's local time), where it
 * is right, and {@link LocalTimes} maps each local match to its instant.
 *
 * <p>Known limit of cron-utils 9.2.1: Quartz expressions without a year, and Unix expressions
 * with lists in a field (e.g. {@code 0 2,3 * * *}), have no fire times after 2099-12-31; {@link
 * #nextAfter} then returns empty.
 *
 * <p>Immutable and thread-safe.
 */
final class ZonedCron {
  private final ExecutionTime executionTime;
  private final ZoneId zone;

  ZonedCron(Cron cron, ZoneId zone) {
    this.executionTime = ExecutionTime.forCron(cron);
    this.zone = zone;
  }

  /** The first fire time strictly after {@code after}, or empty if the expression has no more. */
  Optional<Instant> nextAfter(Instant after) {
    ZonedDateTime at = after.atZone(zone);
    LocalDateTime cursor = at.toLocalDateTime();
    var transition = zone.getRules().getTransition(cursor);
    if (transition != null
        && transition.isOverlap()
        && at.getOffset().equals(transition.getOffsetAfter())) {
      // `after` is in the second pass through a repeated hour. Every local time up to the end of
      // the overlap fired in the first pass, so resume at the overlap's end (inclusive) instead of
      // walking through up to 3,600 first-pass matches of a per-second Quartz expression.
      cursor = transition.getDateTimeBefore().minusNanos(1);
    }
    // LocalTimes.firstInstant never decreases as local time increases, so the answer is the first
    // local match whose instant is after `after`. Earlier matches can only be first-pass times of
    // an overlap; the jump above skips those, and the loop would too, one at a time.
    for (int guard = 0; guard < 10_000; guard++) {
      Optional<LocalDateTime> match = nextLocalMatch(cursor);
      if (match.isEmpty()) {
        return Optional.empty();
      }
      Instant fire = LocalTimes.firstInstant(match.get(), zone);
      if (fire.isAfter(after)) {
        return Optional.of(fire);
      }
      cursor = match.get();
    }
    throw new IllegalStateException("no fire time found after " + after + " in " + zone);
  }

  /** The first local date-time strictly after {@code local} that the expression matches. */
  Optional<LocalDateTime> nextLocalMatch(LocalDateTime local) {
    // Cron matches are whole seconds, so "after the whole second" equals "after local" exactly.
    ZonedDateTime frame = local.truncatedTo(ChronoUnit.SECONDS).atZone(ZoneOffset.UTC);
    return executionTime.nextExecution(frame).map(ZonedDateTime::toLocalDateTime);
  }
}
