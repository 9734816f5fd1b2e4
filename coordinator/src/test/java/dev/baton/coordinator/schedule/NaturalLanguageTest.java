package dev.baton.coordinator.schedule;

import static dev.baton.coordinator.schedule.ScheduleAssertions.BERLIN;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NEW_YORK;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NOW;
import static dev.baton.coordinator.schedule.ScheduleAssertions.UTC;
import static dev.baton.coordinator.schedule.ScheduleAssertions.assertFires;
import static dev.baton.coordinator.schedule.ScheduleAssertions.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every phrase of DESIGN.md section 3, with its exact next fire times from {@link
 * ScheduleAssertions#NOW} (Monday 2026-06-15 12:00 UTC), in UTC and in Berlin (UTC+2 in June).
 */
class NaturalLanguageTest {

  @Nested
  class InUtc {
    private static final String FROM = "2026-06-15T12:00:00Z";

    @Test
    void everyMinute() {
      assertFires("every minute", UTC, FROM,
          "2026-06-15T12:01:00Z", "2026-06-15T12:02:00Z", "2026-06-15T12:03:00Z");
    }

    @Test
    void everyNMinutesIsAlignedToTheEpoch() {
      assertFires("every 5 minutes", UTC, "2026-06-15T12:03:17.500Z",
          "2026-06-15T12:05:00Z", "2026-06-15T12:10:00Z", "2026-06-15T12:15:00Z");
      // 12:00 UTC is 300 s past a multiple of 420 s.
      assertFires("every 7 minutes", UTC, FROM,
          "2026-06-15T12:02:00Z", "2026-06-15T12:09:00Z", "2026-06-15T12:16:00Z");
    }

    @Test
    void everyNSeconds() {
      assertFires("every 30 seconds", UTC, FROM,
          "2026-06-15T12:00:30Z", "2026-06-15T12:01:00Z", "2026-06-15T12:01:30Z");
      assertFires("every second", UTC, FROM,
          "2026-06-15T12:00:01Z", "2026-06-15T12:00:02Z", "2026-06-15T12:00:03Z");
    }

    @Test
    void everyNHours() {
      assertFires("every 2 hours", UTC, FROM,
          "2026-06-15T14:00:00Z", "2026-06-15T16:00:00Z", "2026-06-15T18:00:00Z");
      assertFires("every 1 hour", UTC, FROM,
          "2026-06-15T13:00:00Z", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z");
      assertFires("every hour", UTC, FROM,
          "2026-06-15T13:00:00Z", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z");
    }

    @Test
    void everyNDays() {
      assertFires("every day", UTC, FROM,
          "2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z", "2026-06-18T00:00:00Z");
      // Epoch day 20619 (2026-06-15) is divisible by 3, but its midnight has passed.
      assertFires("every 3 days", UTC, FROM,
          "2026-06-18T00:00:00Z", "2026-06-21T00:00:00Z", "2026-06-24T00:00:00Z");
    }

    @Test
    void hourly() {
      assertFires("hourly", UTC, FROM,
          "2026-06-15T13:00:00Z", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z");
    }

    @Test
    void dailyAt() {
      assertFires("daily at 3 AM", UTC, FROM,
          "2026-06-16T03:00:00Z", "2026-06-17T03:00:00Z", "2026-06-18T03:00:00Z");
      assertFires("daily at 18:30", UTC, FROM,
          "2026-06-15T18:30:00Z", "2026-06-16T18:30:00Z", "2026-06-17T18:30:00Z");
    }

    @Test
    void everyDayAtNoonAndMidnight() {
      // NOW is exactly noon: the next fire is strictly after it.
      assertFires("every day at noon", UTC, FROM,
          "2026-06-16T12:00:00Z", "2026-06-17T12:00:00Z", "2026-06-18T12:00:00Z");
      assertFires("every day at midnight", UTC, FROM,
          "2026-06-16T00:00:00Z", "2026-06-17T00:00:00Z", "2026-06-18T00:00:00Z");
    }

    @Test
    void weekdaysSkipTheWeekend() {
      assertFires("weekdays at 9:00", UTC, FROM,
          "2026-06-16T09:00:00Z", "2026-06-17T09:00:00Z", "2026-06-18T09:00:00Z",
          "2026-06-19T09:00:00Z", "2026-06-22T09:00:00Z");
    }

    @Test
    void weekends() {
      assertFires("weekends at 10am", UTC, FROM,
          "2026-06-20T10:00:00Z", "2026-06-21T10:00:00Z", "2026-06-27T10:00:00Z");
    }

    @Test
    void weeklyOn() {
      assertFires("weekly on monday", UTC, FROM,
          "2026-06-22T00:00:00Z", "2026-06-29T00:00:00Z", "2026-07-06T00:00:00Z");
      assertFires("weekly on monday at 9am", UTC, FROM,
          "2026-06-22T09:00:00Z", "2026-06-29T09:00:00Z", "2026-07-06T09:00:00Z");
    }

    @Test
    void everyListOfDays() {
      assertFires("every monday and thursday at 7:15 pm", UTC, FROM,
          "2026-06-15T19:15:00Z", "2026-06-18T19:15:00Z", "2026-06-22T19:15:00Z");
      assertFires("every monday, wednesday and friday at 8am", UTC, FROM,
          "2026-06-17T08:00:00Z", "2026-06-19T08:00:00Z", "2026-06-22T08:00:00Z");
      assertFires("every monday at 9am", UTC, FROM,
          "2026-06-22T09:00:00Z", "2026-06-29T09:00:00Z", "2026-07-06T09:00:00Z");
    }

    @Test
    void monthlyOn() {
      assertFires("monthly on the 1st", UTC, FROM,
          "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z");
      assertFires("monthly on the 1st at 6 AM", UTC, FROM,
          "2026-07-01T06:00:00Z", "2026-08-01T06:00:00Z", "2026-09-01T06:00:00Z");
      assertFires("monthly on the 31st", UTC, FROM,
          "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z", "2026-10-31T00:00:00Z");
    }

    @Test
    void inNUnits() {
      assertFires("in 10 minutes", UTC, FROM, "2026-06-15T12:10:00Z");
      assertFires("in 45 seconds", UTC, FROM, "2026-06-15T12:00:45Z");
      assertFires("in 2 hours", UTC, FROM, "2026-06-15T14:00:00Z");
      assertFires("in 1 day", UTC, FROM, "2026-06-16T12:00:00Z");
      assertEquals(1, parse("in 10 minutes", UTC).nextFireTimes(NOW, 5).size());
    }

    @Test
    void atADateAndTime() {
      assertFires("at 2026-12-01 10:00", UTC, FROM, "2026-12-01T10:00:00Z");
      assertFires("at 2026-12-01 10:00:30", UTC, FROM, "2026-12-01T10:00:30Z");
      assertFires("at 2026-12-01T10:00:00Z", UTC, FROM, "2026-12-01T10:00:00Z");
    }
  }

  @Nested
  class InBerlin {
    private static final String FROM = "2026-06-15T12:00:00Z"; // 14:00 local, CEST (UTC+2)

    @Test
    void subDailyPhrases() {
      assertFires("every minute", BERLIN, FROM,
          "2026-06-15T12:01:00Z", "2026-06-15T12:02:00Z", "2026-06-15T12:03:00Z");
      assertFires("every 5 minutes", BERLIN, FROM,
          "2026-06-15T12:05:00Z", "2026-06-15T12:10:00Z", "2026-06-15T12:15:00Z");
      assertFires("every 2 hours", BERLIN, FROM,
          "2026-06-15T14:00:00Z", "2026-06-15T16:00:00Z", "2026-06-15T18:00:00Z");
      assertFires("hourly", BERLIN, FROM,
          "2026-06-15T13:00:00Z", "2026-06-15T14:00:00Z", "2026-06-15T15:00:00Z");
    }

    @Test
    void everyNDaysAtLocalMidnight() {
      assertFires("every day", BERLIN, FROM,
          "2026-06-15T22:00:00Z", "2026-06-16T22:00:00Z", "2026-06-17T22:00:00Z");
      assertFires("every 3 days", BERLIN, FROM,
          "2026-06-17T22:00:00Z", "2026-06-20T22:00:00Z", "2026-06-23T22:00:00Z");
    }

    @Test
    void daily() {
      assertFires("daily at 3 AM", BERLIN, FROM,
          "2026-06-16T01:00:00Z", "2026-06-17T01:00:00Z", "2026-06-18T01:00:00Z");
      assertFires("daily at 18:30", BERLIN, FROM,
          "2026-06-15T16:30:00Z", "2026-06-16T16:30:00Z", "2026-06-17T16:30:00Z");
      assertFires("every day at noon", BERLIN, FROM,
          "2026-06-16T10:00:00Z", "2026-06-17T10:00:00Z", "2026-06-18T10:00:00Z");
      assertFires("every day at midnight", BERLIN, FROM,
          "2026-06-15T22:00:00Z", "2026-06-16T22:00:00Z", "2026-06-17T22:00:00Z");
    }

    @Test
    void weekly() {
      assertFires("weekdays at 9:00", BERLIN, FROM,
          "2026-06-16T07:00:00Z", "2026-06-17T07:00:00Z", "2026-06-18T07:00:00Z");
      assertFires("weekends at 10am", BERLIN, FROM,
          "2026-06-20T08:00:00Z", "2026-06-21T08:00:00Z", "2026-06-27T08:00:00Z");
      assertFires("weekly on monday", BERLIN, FROM,
          "2026-06-21T22:00:00Z", "2026-06-28T22:00:00Z", "2026-07-05T22:00:00Z");
      assertFires("weekly on monday at 9am", BERLIN, FROM,
          "2026-06-22T07:00:00Z", "2026-06-29T07:00:00Z", "2026-07-06T07:00:00Z");
      assertFires("every monday and thursday at 7:15 pm", BERLIN, FROM,
          "2026-06-15T17:15:00Z", "2026-06-18T17:15:00Z", "2026-06-22T17:15:00Z");
      assertFires("every monday, wednesday and friday at 8am", BERLIN, FROM,
          "2026-06-17T06:00:00Z", "2026-06-19T06:00:00Z", "2026-06-22T06:00:00Z");
      assertFires("every monday at 9am", BERLIN, FROM,
          "2026-06-22T07:00:00Z", "2026-06-29T07:00:00Z", "2026-07-06T07:00:00Z");
    }

    @Test
    void monthly() {
      assertFires("monthly on the 1st", BERLIN, FROM,
          "2026-06-30T22:00:00Z", "2026-07-31T22:00:00Z", "2026-08-31T22:00:00Z");
      // Across the October change: 06:00 CET is 05:00 UTC.
      assertFires("monthly on the 1st at 6 AM", BERLIN, "2026-08-15T00:00:00Z",
          "2026-09-01T04:00:00Z", "2026-10-01T04:00:00Z", "2026-11-01T05:00:00Z");
    }

    @Test
    void oneTime() {
      assertFires("in 10 minutes", BERLIN, FROM, "2026-06-15T12:10:00Z");
      // December: Berlin is UTC+1.
      assertFires("at 2026-12-01 10:00", BERLIN, FROM, "2026-12-01T09:00:00Z");
      assertFires("at 2026-12-01 10:00:30", BERLIN, FROM, "2026-12-01T09:00:30Z");
      assertFires("at 2026-12-01T10:00:00Z", BERLIN, FROM, "2026-12-01T10:00:00Z");
      assertFires("at 2026-12-01T10:00:00+05:30", BERLIN, FROM, "2026-12-01T04:30:00Z");
    }
  }

  /** Calendar phrases become 5-field cron; counted phrases become intervals. */
  @ParameterizedTest(name = "{0} -> {1} {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "every minute                              | CRON_UNIX | * * * * *",
        "hourly                                    | CRON_UNIX | 0 * * * *",
        "daily at 3 AM                             | CRON_UNIX | 0 3 * * *",
        "daily at 3am                              | CRON_UNIX | 0 3 * * *",
        "daily at 10am                             | CRON_UNIX | 0 10 * * *",
        "daily at 12pm                             | CRON_UNIX | 0 12 * * *",
        "daily at 12am                             | CRON_UNIX | 0 0 * * *",
        "daily at 18:30                            | CRON_UNIX | 30 18 * * *",
        "daily at 7:15 pm                          | CRON_UNIX | 15 19 * * *",
        "daily at 7:15PM                           | CRON_UNIX | 15 19 * * *",
        "daily at 12:30 am                         | CRON_UNIX | 30 0 * * *",
        "every day at noon                         | CRON_UNIX | 0 12 * * *",
        "every day at midnight                     | CRON_UNIX | 0 0 * * *",
        "weekdays at 9:00                          | CRON_UNIX | 0 9 * * 1-5",
        "weekends at 10am                          | CRON_UNIX | 0 10 * * 0,6",
        "weekly on monday                          | CRON_UNIX | 0 0 * * 1",
        "weekly on Mon at 9am                      | CRON_UNIX | 0 9 * * 1",
        "weekly on sunday at 9am                   | CRON_UNIX | 0 9 * * 0",
        "every monday and thursday at 7:15 pm      | CRON_UNIX | 15 19 * * 1,4",
        "every mon and thu at 7:15pm               | CRON_UNIX | 15 19 * * 1,4",
        "every monday, wednesday and friday at 8am | CRON_UNIX | 0 8 * * 1,3,5",
        "every friday, monday, wednesday at 8am    | CRON_UNIX | 0 8 * * 1,3,5",
        "every monday at 9am                       | CRON_UNIX | 0 9 * * 1",
        "monthly on the 1st                        | CRON_UNIX | 0 0 1 * *",
        "monthly on the 1st at 6 AM                | CRON_UNIX | 0 6 1 * *",
        "monthly on the 2nd at noon                | CRON_UNIX | 0 12 2 * *",
        "monthly on the 23rd at 6 AM               | CRON_UNIX | 0 6 23 * *",
        "monthly on the 31st                       | CRON_UNIX | 0 0 31 * *",
        "  EVERY   Monday   AT 9AM                 | CRON_UNIX | 0 9 * * 1",
        "every 5 minutes                           | INTERVAL  | every 5m",
        "every 1 minute                            | INTERVAL  | every 1m",
        "every 90 seconds                          | INTERVAL  | every 90s",
        "every second                              | INTERVAL  | every 1s",
        "every 1 hour                              | INTERVAL  | every 1h",
        "every hour                                | INTERVAL  | every 1h",
        "every 36 hours                            | INTERVAL  | every 36h",
        "every day                                 | INTERVAL  | every 1d",
        "every 2 days                              | INTERVAL  | every 2d",
        "every 90s                                 | INTERVAL  | every 90s",
        "every 5m                                  | INTERVAL  | every 5m",
        "every 2h                                  | INTERVAL  | every 2h",
        "every 1h30m                               | INTERVAL  | every 90m",
        "every 1d                                  | INTERVAL  | every 1d",
        "every 24h                                 | INTERVAL  | every 24h",
        "in 10 minutes                             | ONE_TIME  | at 2026-06-15T12:10:00Z",
        "at 2026-12-01 10:00                       | ONE_TIME  | at 2026-12-01T10:00:00Z",
        "at 2026-12-01T10:00:00Z                   | ONE_TIME  | at 2026-12-01T10:00:00Z",
      })
  void becomes(String text, ScheduleKind kind, String normalized) {
    Schedule schedule = parse(text, UTC);
    assertEquals(kind, schedule.kind());
    assertEquals(normalized, schedule.normalized());
    assertEquals(text.strip(), schedule.text());
  }

  @Test
  void intervalsExposeTheirPeriod() {
    IntervalSchedule every90 = (IntervalSchedule) parse("every 1h30m", UTC);
    assertEquals(Duration.ofMinutes(90), every90.period());
    assertEquals(false, every90.calendarDays());
    IntervalSchedule twoDays = (IntervalSchedule) parse("every 2 days", UTC);
    assertEquals(Duration.ofDays(2), twoDays.period());
    assertEquals(true, twoDays.calendarDays());
  }

  @Test
  void oneTimeExposesItsInstant() {
    OneTimeSchedule in10 = (OneTimeSchedule) parse("in 10 minutes", UTC);
    assertEquals(NOW.plus(Duration.ofMinutes(10)), in10.instant());
  }

  @Test
  void aPastOneTimeScheduleParsesButNeverFires() {
    Schedule past = parse("at 2020-01-01 00:00", UTC);
    assertEquals(Instant.parse("2020-01-01T00:00:00Z"), ((OneTimeSchedule) past).instant());
    assertEquals(Optional.empty(), past.nextFireAfter(NOW));
  }

  @Test
  void oneTimeFiresOnlyStrictlyBeforeItsInstant() {
    Schedule once = parse("at 2026-12-01T10:00:00Z", UTC);
    Instant at = Instant.parse("2026-12-01T10:00:00Z");
    assertEquals(Optional.of(at), once.nextFireAfter(at.minusNanos(1)));
    assertEquals(Optional.empty(), once.nextFireAfter(at));
    assertEquals(Optional.empty(), once.nextFireAfter(at.plusSeconds(1)));
  }

  @Test
  void localOneTimeInstantsFollowTheDaylightSavingRules() {
    // 02:30 does not exist on 2026-03-08 in New York: the first instant after the gap, 03:00 EDT.
    assertFires("at 2026-03-08 02:30", NEW_YORK, "2026-01-01T00:00:00Z", "2026-03-08T07:00:00Z");
    // 01:30 happens twice on 2026-11-01: the first time, 01:30 EDT.
    assertFires("at 2026-11-01 01:30", NEW_YORK, "2026-01-01T00:00:00Z", "2026-11-01T05:30:00Z");
  }

  @Test
  void descriptionsReadAsSentences() {
    assertEquals("at 09:00, Monday through Friday (Europe/Berlin)",
        parse("weekdays at 9:00", BERLIN).description());
    assertEquals("at 19:15 on Monday and Thursday (UTC)",
        parse("every monday and thursday at 7:15 pm", UTC).description());
    assertEquals("at 10:00 on Saturday and Sunday (UTC)",
        parse("weekends at 10am", UTC).description());
    assertEquals("at 06:00 on the 1st of every month (UTC)",
        parse("monthly on the 1st at 6 AM", UTC).description());
    assertEquals("every hour, on the hour (UTC)", parse("hourly", UTC).description());
    assertEquals("every 5 minutes, counted from 1970-01-01T00:00:00Z (UTC)",
        parse("every 5 minutes", BERLIN).description());
    assertEquals("every day at 00:00 (Europe/Berlin)", parse("every day", BERLIN).description());
    assertEquals(
        "once, at 2026-12-01 10:00:00 (Europe/Berlin), which is 2026-12-01T09:00:00Z",
        parse("at 2026-12-01 10:00", BERLIN).description());
  }

  @Test
  void hourlyCronFollowsTheZoneWhileIntervalsFollowUtc() {
    ZoneId kolkata = ZoneId.of("Asia/Kolkata"); // UTC+05:30
    assertFires("hourly", kolkata, "2026-06-15T12:00:00Z",
        "2026-06-15T12:30:00Z", "2026-06-15T13:30:00Z");
    assertFires("every hour", kolkata, "2026-06-15T12:00:00Z",
        "2026-06-15T13:00:00Z", "2026-06-15T14:00:00Z");
  }
}
