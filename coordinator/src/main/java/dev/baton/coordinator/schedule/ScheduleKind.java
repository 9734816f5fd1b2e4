package dev.baton.coordinator.schedule;

/** What a {@link Schedule} is, after parsing. Natural language becomes one of these too. */
public enum ScheduleKind {
  /** Five-field Unix cron: minute, hour, day of month, month, day of week (0 or 7 = Sunday). */
  CRON_UNIX,
  /**
   * Quartz cron with seconds: second, minute, hour, day of month, month, day of week (1 = Sunday),
   * and an optional year.
   */
  CRON_QUARTZ,
  /** A fixed period, see {@link IntervalSchedule}. */
  INTERVAL,
  /** A single instant, see {@link OneTimeSchedule}. */
  ONE_TIME
}
