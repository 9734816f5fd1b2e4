package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.List;

/**
 * The one rule by which a local date-time in a zone becomes the instant it fires at.
 *
 * <ul>
 *   <li>A local time that exists once: that instant.
 *   <li>A local time in a gap (clocks spring forward, e.g. 02:30 on 2026-03-08 in New York): the
 *       first valid instant after the gap, i.e. the transition itself (03:00 EDT). So every local
 *       time in the gap maps to the same instant and, with "strictly after" searches, fires once.
 *   <li>A local time that occurs twice (clocks fall back, e.g. 01:30 on 2026-11-01 in New York):
 *       its first occurrence (01:30 EDT).
 * </ul>
 *
 * <p>The mapping never decreases as local time increases, which is what lets {@link ZonedCron}
 * search local time and still return instants in order.
 */
final class LocalTimes {
  private LocalTimes() {}

  /** The instant at which {@code local} fires in {@code zone}, by the rule above. */
  static Instant firstInstant(LocalDateTime local, ZoneId zone) {
    ZoneRules rules = zone.getRules();
    List<ZoneOffset> offsets = rules.getValidOffsets(local);
    if (offsets.size() == 1) {
      return local.toInstant(offsets.get(0));
    }
    ZoneOffsetTransition transition = rules.getTransition(local);
    if (offsets.isEmpty()) {
      // java.time would shift a gap time forward by the gap's length (02:30 -> 03:30); we want the
      // first instant that exists, so that a whole skipped hour collapses to one fire.
      return transition.getInstant();
    }
    return local.toInstant(transition.getOffsetBefore());
  }
}
