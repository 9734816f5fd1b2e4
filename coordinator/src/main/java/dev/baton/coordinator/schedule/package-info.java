/**
 * Schedules: parsing cron, fixed intervals and a small natural language into {@link
 * dev.baton.coordinator.schedule.Schedule}s, computing their fire times in a time zone, and the
 * {@link dev.baton.coordinator.schedule.NextFireIndex} of due times.
 *
 * <p>Pure logic: nothing here does I/O, starts threads or reads the wall clock. Callers pass the
 * current instant ({@code now}) where it matters.
 *
 * <p>Daylight-saving rules, applied to every calendar-based schedule (cron, natural language that
 * becomes cron, {@code every N days}, and local one-time instants): each matching local date-time
 * fires at most once; a local time inside a gap (clocks spring forward) fires once, at the first
 * instant after the gap; a local time that occurs twice (clocks fall back) fires at its first
 * occurrence only. See {@link dev.baton.coordinator.schedule.LocalTimes}.
 */
package dev.baton.coordinator.schedule;
