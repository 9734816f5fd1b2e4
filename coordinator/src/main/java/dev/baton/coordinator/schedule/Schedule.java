package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * When a job fires: a cron expression, a fixed interval or one instant, always with a time zone.
 * Made by {@link ScheduleParser#parse}. Immutable and thread-safe.
 *
 * <p>Two schedules are equal when they have the same {@link #kind()}, {@link #normalized()} form
 * and {@link #zone()}, whatever text they were written as: {@code "weekdays at 9:00"} equals
 * {@code "0 9 * * 1-5"} in the same zone.
 */
public sealed interface Schedule permits CronSchedule, IntervalSchedule, OneTimeSchedule {

  /** The text as the user wrote it (surrounding whitespace removed). */
  String text();

  /** What the text was turned into. */
  ScheduleKind kind();

  /**
   * The canonical form, to store and show: a cron expression, {@code every 90s} / {@code every 5m}
   * / {@code every 2h} / {@code every 3d}, or {@code at 2026-12-01T09:00:00Z}. Parsing it again in
   * the same zone, with any {@code now}, gives back an equal schedule.
   */
  String normalized();

  /**
   * A sentence a person can check, naming the zone, e.g. {@code "at 09:00, Monday through Friday
   * (Europe/Berlin)"}.
   */
  String description();

  /** The zone in which calendar fields (hours, days, midnight) are read. */
  ZoneId zone();

  /**
   * The first fire time strictly after {@code after}.
   *
   * @return empty when the schedule never fires again (a one-time schedule already past, or a
   *     cron expression whose last year has gone)
   */
  Optional<Instant> nextFireAfter(Instant after);

  /**
   * Up to {@code count} fire times strictly after {@code after}, ascending; fewer when the schedule
   * ends.
   *
   * @throws IllegalArgumentException if {@code count} is negative
   */
  default List<Instant> nextFireTimes(Instant after, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    List<Instant> times = new ArrayList<>(Math.min(count, 1024));
    Instant cursor = after;
    while (times.size() < count) {
      Optional<Instant> next = nextFireAfter(cursor);
      if (next.isEmpty()) {
        break;
      }
      cursor = next.get();
      times.add(cursor);
    }
    return List.copyOf(times);
  }
}
