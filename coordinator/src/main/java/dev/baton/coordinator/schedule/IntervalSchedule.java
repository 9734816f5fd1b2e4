package dev.baton.coordinator.schedule;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * A fixed period ({@link ScheduleKind#INTERVAL}), anchored so that fire times are deterministic
 * across restarts without storing a start time.
 *
 * <ul>
 *   <li><b>Elapsed time</b> ({@code every 90s}, {@code every 5 minutes}, {@code every 2h}, {@code
 *       every 24h}): fires at every instant that is a whole multiple of the period since the Unix
 *       epoch, 1970-01-01T00:00:00Z. So {@code every 5 minutes} fires at :00, :05, :10 … UTC,
 *       whatever the zone, and daylight saving changes nothing.
 *   <li><b>Calendar days</b> ({@code every N days}, {@code every Nd}): fires at local midnight in the
 *       zone (or, where midnight does not exist that day, at the first instant of the day) on each
 *       date whose {@link LocalDate#toEpochDay() epoch-day number} is divisible by N. {@code every
 *       day} fires at every local midnight; {@code every 2 days} on even epoch days. A day is a
 *       calendar day, so across a daylight-saving change two fires are 23 or 25 hours apart.
 * </ul>
 */
public final class IntervalSchedule implements Schedule {
  private static final long SECONDS_PER_DAY = 86_400;

  private final String text;
  private final Duration period;
  private final boolean calendarDays;
  private final ZoneId zone;

  /**
   * @param period whole seconds, at least one; whole days when {@code calendarDays}
   */
  IntervalSchedule(String text, Duration period, boolean calendarDays, ZoneId zone) {
    this.text = Objects.requireNonNull(text);
    this.period = Objects.requireNonNull(period);
    this.calendarDays = calendarDays;
    this.zone = Objects.requireNonNull(zone);
    if (period.getNano() != 0 || period.getSeconds() < 1) {
      throw new IllegalArgumentException("period must be whole seconds, at least 1: " + period);
    }
    if (calendarDays && period.getSeconds() % SECONDS_PER_DAY != 0) {
      throw new IllegalArgumentException("calendar period must be whole days: " + period);
    }
  }

  @Override
  public String text() {
    return text;
  }

  @Override
  public ScheduleKind kind() {
    return ScheduleKind.INTERVAL;
  }

  /** The period between fires; for {@link #calendarDays()} schedules, N times 24 hours. */
  public Duration period() {
    return period;
  }

  /** True when the period counts calendar days in the zone rather than elapsed time. */
  public boolean calendarDays() {
    return calendarDays;
  }

  /**
   * {@code every Nd} for calendar days; otherwise elapsed time in the largest unit that divides it
   * exactly: {@code every 90s}, {@code every 5m}, {@code every 90m}, {@code every 2h}.
   */
  @Override
  public String normalized() {
    return "every " + amount() + unitLetter();
  }

  @Override
  public String description() {
    if (calendarDays) {
      long days = period.getSeconds() / SECONDS_PER_DAY;
      if (days == 1) {
        return "every day at 00:00 (" + zone.getId() + ")";
      }
      return "every "
          + days
          + " days at 00:00 ("
          + zone.getId()
          + "), on dates whose day number since 1970-01-01 is divisible by "
          + days;
    }
    return "every "
        + CronDescriber.plural(amount(), unitWord())
        + ", counted from 1970-01-01T00:00:00Z (UTC)";
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  @Override
  public Optional<Instant> nextFireAfter(Instant after) {
    Objects.requireNonNull(after, "after");
    return calendarDays ? nextMidnightAfter(after) : nextMultipleAfter(after);
  }

  private Optional<Instant> nextMultipleAfter(Instant after) {
    long step = period.getSeconds();
    // floorDiv then +1: strictly after, also when `after` is itself a fire time or has nanos.
    long k = Math.floorDiv(after.getEpochSecond(), step) + 1;
    try {
      Instant next = Instant.ofEpochSecond(Math.multiplyExact(k, step));
      return Optional.of(next);
    } catch (ArithmeticException | DateTimeException e) {
      return Optional.empty(); // past the end of time that java.time can represent
    }
  }

  private Optional<Instant> nextMidnightAfter(Instant after) {
    long n = period.getSeconds() / SECONDS_PER_DAY;
    long day = after.atZone(zone).toLocalDate().toEpochDay();
    long candidate = day + Math.floorMod(-day, n);
    // At most two rounds: the candidate day's start is at or before `after` only when the
    // candidate is `after`'s own date.
    try {
      for (int i = 0; i < 2; i++) {
        LocalDate date = LocalDate.ofEpochDay(candidate);
        Instant start = LocalTimes.firstInstant(date.atStartOfDay(), zone);
        if (start.isAfter(after)) {
          return Optional.of(start);
        }
        candidate += n;
      }
    } catch (DateTimeException e) {
      return Optional.empty(); // past the end of time that java.time can represent
    }
    throw new IllegalStateException("no local midnight found after " + after + " in " + zone);
  }

  private long amount() {
    long seconds = period.getSeconds();
    if (calendarDays) {
      return seconds / SECONDS_PER_DAY;
    }
    if (seconds % 3600 == 0) {
      return seconds / 3600;
    }
    return seconds % 60 == 0 ? seconds / 60 : seconds;
  }

  private String unitLetter() {
    return switch (unitWord()) {
      case "day" -> "d";
      case "hour" -> "h";
      case "minute" -> "m";
      default -> "s";
    };
  }

  private String unitWord() {
    long seconds = period.getSeconds();
    if (calendarDays) {
      return "day";
    }
    if (seconds % 3600 == 0) {
      return "hour";
    }
    return seconds % 60 == 0 ? "minute" : "second";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof IntervalSchedule other
        && period.equals(other.period)
        && calendarDays == other.calendarDays
        && zone.equals(other.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(period, calendarDays, zone);
  }

  @Override
  public String toString() {
    return "INTERVAL[" + normalized() + " " + zone + "]";
  }
}
