package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * A cron expression ({@link ScheduleKind#CRON_UNIX} or {@link ScheduleKind#CRON_QUARTZ}) read in a
 * zone. Also what calendar-style natural language ({@code "weekdays at 9:00"}) and the macros
 * ({@code @daily}) become.
 *
 * <p>Fire times follow the daylight-saving rules of {@link LocalTimes}: each matching local
 * date-time fires at most once, a time in a spring-forward gap fires once at the end of the gap,
 * and a repeated (fall-back) time fires at its first occurrence only.
 */
public final class CronSchedule implements Schedule {
  private final String text;
  private final ScheduleKind kind;
  private final String normalized;
  private final ZoneId zone;
  private final String description;
  private final ZonedCron times;
  /**
   * The last question answered, with its answer: computing a cron's next time is the costly part of a tick, and all
   * the jobs sharing a schedule (compiled schedules are shared) ask it with the same instant when they fire together.
   */
  private volatile NextAfter last;

  private record NextAfter(Instant after, Optional<Instant> next) {}

  CronSchedule(
      String text,
      ScheduleKind kind,
      String normalized,
      ZoneId zone,
      String description,
      ZonedCron times) {
    if (kind != ScheduleKind.CRON_UNIX && kind != ScheduleKind.CRON_QUARTZ) {
      throw new IllegalArgumentException("not a cron kind: " + kind);
    }
    this.text = Objects.requireNonNull(text);
    this.kind = kind;
    this.normalized = Objects.requireNonNull(normalized);
    this.zone = Objects.requireNonNull(zone);
    this.description = Objects.requireNonNull(description);
    this.times = Objects.requireNonNull(times);
  }

  @Override
  public String text() {
    return text;
  }

  @Override
  public ScheduleKind kind() {
    return kind;
  }

  /** The cron expression with month and day names as numbers, e.g. {@code 0 9 * * 1-5}. */
  @Override
  public String normalized() {
    return normalized;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public ZoneId zone() {
    return zone;
  }

  @Override
  public Optional<Instant> nextFireAfter(Instant after) {
    Objects.requireNonNull(after, "after");
    NextAfter known = last;
    if (known != null && known.after().equals(after)) {
      return known.next();
    }
    Optional<Instant> next = times.nextAfter(after);
    last = new NextAfter(after, next);
    return next;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CronSchedule other
        && kind == other.kind
        && normalized.equals(other.normalized)
        && zone.equals(other.zone);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, normalized, zone);
  }

  @Override
  public String toString() {
    return kind + "[" + normalized + " " + zone + "]";
  }
}
