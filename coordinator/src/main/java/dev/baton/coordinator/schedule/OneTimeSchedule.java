package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.Optional;

/**
 * A single fire time ({@link ScheduleKind#ONE_TIME}), from {@code in 10 minutes} or {@code at
 * 2026-12-01 10:00}. It is stored as the instant it resolved to, so re-parsing the normalized form
 * later gives the same instant (no drift). A one-time schedule in the past is still valid; it just
 * has no next fire time.
 */
public final class OneTimeSchedule implements Schedule {
  private static final DateTimeFormatter LOCAL =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss");

  private final String text;
  private final Instant instant;
  private final ZoneId zone;

  OneTimeSchedule(String text, Instant instant, ZoneId zone) {
    this.text = Objects.requireNonNull(text);
    this.instant = Objects.requireNonNull(instant);
    this.zone = Objects.requireNonNull(zone);
  }

  @Override
  public String text() {
    return text;
  }

  @Override
  public ScheduleKind kind() {
    return ScheduleKind.ONE_TIME;
  }

  /** The instant the schedule fires at. */
  public Instant instant() {
    return instant;
  }

  /** {@code at } and the ISO-8601 instant in UTC, e.g. {@code at 2026-12-01T09:00:00Z}. */
  @Override
  public String normalized() {
    return "at " + instant;
  }

  @Override
  public String description() {
    return "once, at " + LOCAL.format(instant.atZone(zone)) + " (" + zone.getId() + "), which is "
        + instant;
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  /** {@link #instant()} if it is strictly after {@code after}, else empty. */
  @Override
  public Optional<Instant> nextFireAfter(Instant after) {
    Objects.requireNonNull(after, "after");
    return instant.isAfter(after) ? Optional.of(instant) : Optional.empty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OneTimeSchedule other
        && instant.equals(other.instant)
        && zone.equals(other.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(instant, zone);
  }

  @Override
  public String toString() {
    return "ONE_TIME[" + instant + " " + zone + "]";
  }
}
