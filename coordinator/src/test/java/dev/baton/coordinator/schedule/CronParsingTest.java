package dev.baton.coordinator.schedule;

import static dev.baton.coordinator.schedule.ScheduleAssertions.BERLIN;
import static dev.baton.coordinator.schedule.ScheduleAssertions.UTC;
import static dev.baton.coordinator.schedule.ScheduleAssertions.assertFires;
import static dev.baton.coordinator.schedule.ScheduleAssertions.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cron texts: Unix and Quartz, macros, Quartz leniency, normalization, descriptions. */
class CronParsingTest {

  @ParameterizedTest(name = "{0} -> {1} [{2}]")
  @CsvSource(
      delimiter = '|',
      value = {
        "0 2 * * *                | CRON_UNIX   | 0 2 * * *",
        "  0   9  *  *  MON-FRI   | CRON_UNIX   | 0 9 * * 1-5",
        "0 9 * * mon-fri          | CRON_UNIX   | 0 9 * * 1-5",
        "0 9 * * 7                | CRON_UNIX   | 0 9 * * 0",
        "0 0 1 jan,jul *          | CRON_UNIX   | 0 0 1 1,7 *",
        "*/15 * * * *             | CRON_UNIX   | */15 * * * *",
        "0 0 12 * * ?             | CRON_QUARTZ | 0 0 12 * * ?",
        "0 0 12 * * *             | CRON_QUARTZ | 0 0 12 * * ?",
        "0 0 12 * * MON-FRI       | CRON_QUARTZ | 0 0 12 ? * 2-6",
        "0 0 12 1 * *             | CRON_QUARTZ | 0 0 12 1 * ?",
        "0 0 12 ? * *             | CRON_QUARTZ | 0 0 12 ? * *",
        "0 0 12 ? * MON-FRI 2027  | CRON_QUARTZ | 0 0 12 ? * 2-6 2027",
        "0/20 * * * * ?           | CRON_QUARTZ | 0/20 * * * * ?",
        "@yearly                  | CRON_UNIX   | 0 0 1 1 *",
        "@annually                | CRON_UNIX   | 0 0 1 1 *",
        "@monthly                 | CRON_UNIX   | 0 0 1 * *",
        "@weekly                  | CRON_UNIX   | 0 0 * * 0",
        "@daily                   | CRON_UNIX   | 0 0 * * *",
        "@DAILY                   | CRON_UNIX   | 0 0 * * *",
        "@midnight                | CRON_UNIX   | 0 0 * * *",
        "@hourly                  | CRON_UNIX   | 0 * * * *",
      })
  void normalizes(String text, ScheduleKind kind, String normalized) {
    Schedule schedule = parse(text, UTC);
    assertEquals(kind, schedule.kind());
    assertEquals(normalized, schedule.normalized());
    assertEquals(text.strip(), schedule.text());
  }

  @Test
  void quartzSecondsFire() {
    assertFires("0/20 * * * * ?", UTC, "2026-06-15T12:00:05Z",
        "2026-06-15T12:00:20Z", "2026-06-15T12:00:40Z", "2026-06-15T12:01:00Z");
    assertFires("30 15 10 * * ?", BERLIN, "2026-06-15T12:00:00Z",
        "2026-06-16T08:15:30Z", "2026-06-17T08:15:30Z");
  }

  @Test
  void springStyleStarsInBothDayFieldsMeanEveryDay() {
    assertFires("0 0 12 * * *", UTC, "2026-06-15T12:00:00Z",
        "2026-06-16T12:00:00Z", "2026-06-17T12:00:00Z");
  }

  @Test
  void quartzDayOfWeekCountsFromSunday() {
    // Quartz 2-6 is Monday to Friday. 2026-06-19 is a Friday.
    assertFires("0 0 12 ? * 2-6", UTC, "2026-06-19T12:00:00Z",
        "2026-06-22T12:00:00Z", "2026-06-23T12:00:00Z");
  }

  @Test
  void sevenFieldsWithAYearStopAfterIt() {
    Schedule schedule = parse("0 0 12 ? * MON-FRI 2027", UTC);
    assertFires(schedule, "2026-06-15T12:00:00Z",
        "2027-01-01T12:00:00Z", "2027-01-04T12:00:00Z", "2027-01-05T12:00:00Z");
    assertFires(schedule, "2027-12-30T13:00:00Z", "2027-12-31T12:00:00Z");
    assertEquals(Optional.empty(), schedule.nextFireAfter(Instant.parse("2027-12-31T12:00:00Z")));
  }

  @Test
  void macrosFire() {
    String from = "2026-06-15T12:00:00Z";
    assertFires("@yearly", UTC, from, "2027-01-01T00:00:00Z", "2028-01-01T00:00:00Z");
    assertFires("@monthly", UTC, from, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z");
    assertFires("@weekly", UTC, from, "2026-06-21T00:00:00Z", "2026-06-28T00:00:00Z");
    assertFires("@daily", UTC, from, "2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z");
    assertFires("@hourly", UTC, from, "2026-06-15T13:00:00Z", "2026-06-15T14:00:00Z");
    assertFires("@daily", BERLIN, from, "2026-06-15T22:00:00Z", "2026-06-16T22:00:00Z");
  }

  @Test
  void unixDayOfMonthAndDayOfWeekMatchEitherLikeVixieCron() {
    // The 1st of the month OR a Monday. 2026-07-01 is a Wednesday.
    assertFires("0 9 1 * 1", UTC, "2026-06-23T00:00:00Z",
        "2026-06-29T09:00:00Z", "2026-07-01T09:00:00Z", "2026-07-06T09:00:00Z");
  }

  @Test
  void descriptions() {
    assertEquals("at 02:00 every day (UTC)", parse("0 2 * * *", UTC).description());
    assertEquals("every 15 minutes (UTC)", parse("*/15 * * * *", UTC).description());
    assertEquals("every 10 minutes from 02:00 to 02:59 (UTC)",
        parse("*/10 2 * * *", UTC).description());
    assertEquals("every hour from 09:00 to 17:00, Monday through Friday (UTC)",
        parse("0 9-17 * * 1-5", UTC).description());
    assertEquals("at 12:00, Monday through Friday, in 2027 only (Europe/Berlin)",
        parse("0 0 12 ? * MON-FRI 2027", BERLIN).description());
    assertEquals("every 20 seconds (UTC)", parse("0/20 * * * * ?", UTC).description());
    assertEquals("at 10:15:30 every day (UTC)", parse("30 15 10 * * ?", UTC).description());
    assertEquals("at 00:00 on the 1st of January (UTC)", parse("@yearly", UTC).description());
    assertEquals("at 00:00 on Sunday (UTC)", parse("@weekly", UTC).description());
    assertEquals("at 09:00 on the 1st of every month, and on Monday (UTC)",
        parse("0 9 1 * 1", UTC).description());
    assertEquals("at 00:00 on the 31st of every month (months without such a day are skipped)"
        + " (UTC)", parse("0 0 31 * *", UTC).description());
    // Shapes not described here fall back to cron-utils' sentence, still with the zone.
    assertEquals("at 12:00 last day of month (UTC)", parse("0 0 12 L * ?", UTC).description());
  }

  @Test
  void equalityIsByMeaningNotByText() {
    assertEquals(parse("weekdays at 9:00", BERLIN), parse("0 9 * * MON-FRI", BERLIN));
    assertEquals(parse("@daily", UTC), parse("0 0 * * *", UTC));
    assertEquals(parse("@daily", UTC).hashCode(), parse("0 0 * * *", UTC).hashCode());
    assertNotEquals(
        parse("@daily", UTC), parse("@daily", BERLIN));
  }
}
