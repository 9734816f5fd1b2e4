package dev.baton.coordinator.schedule;

import static dev.baton.coordinator.schedule.ScheduleAssertions.BERLIN;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NEW_YORK;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NOW;
import static dev.baton.coordinator.schedule.ScheduleAssertions.SYDNEY;
import static dev.baton.coordinator.schedule.ScheduleAssertions.UTC;
import static dev.baton.coordinator.schedule.ScheduleAssertions.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The coordinator stores {@link Schedule#normalized()} and re-parses it at restart, with another
 * {@code now}: that must give back an equal schedule with the same fire times, for every kind.
 */
class RoundTripTest {

  private static final Instant LATER = NOW.plusSeconds(987_654);

  @ParameterizedTest
  @ValueSource(
      strings = {
        // Unix and Quartz cron, macros
        "0 2 * * *", "*/15 * * * *", "0 9 * * MON-FRI", "5,35 */3 * * *", "0 9 1 * 1",
        "0 0 1 jan,jul *", "0 0 12 * * *", "0 0 12 * * MON-FRI", "0/20 * * * * ?",
        "0 0 12 ? * 2#2", "0 0 12 L * ?", "0 0 12 ? * MON-FRI 2027", "@yearly", "@weekly",
        "@hourly",
        // natural language that becomes cron
        "every minute", "hourly", "daily at 3 AM", "daily at 18:30", "every day at noon",
        "every day at midnight", "weekdays at 9:00", "weekends at 10am", "weekly on monday",
        "weekly on monday at 9am", "every monday and thursday at 7:15 pm",
        "every monday, wednesday and friday at 8am", "monthly on the 1st at 6 AM",
        // intervals
        "every 90s", "every 5m", "every 1h30m", "every 2h", "every 24h", "every 2d",
        "every 5 minutes", "every second", "every hour", "every day", "every 3 days",
        // one-time
        "in 10 minutes", "in 3 days", "at 2026-12-01 10:00", "at 2026-12-01 10:00:30",
        "at 2026-12-01T10:00:00Z", "at 2026-03-08 02:30", "at 2020-01-01 00:00",
      })
  void normalizedFormParsesBackToAnEqualSchedule(String text) {
    for (ZoneId zone : List.of(UTC, BERLIN, NEW_YORK, SYDNEY)) {
      Schedule original = parse(text, zone, NOW);
      Schedule reparsed = parse(original.normalized(), zone, LATER);
      assertEquals(original, reparsed, text + " in " + zone);
      assertEquals(original.kind(), reparsed.kind());
      assertEquals(original.normalized(), reparsed.normalized());
      assertEquals(original.description(), reparsed.description());
      assertEquals(original.nextFireTimes(NOW, 5), reparsed.nextFireTimes(NOW, 5));
      // And it is a fixed point.
      assertEquals(reparsed.normalized(), parse(reparsed.normalized(), zone, NOW).normalized());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"in 10 minutes", "in 1 day"})
  void relativeOneTimesDoNotDriftAcrossARestart(String text) {
    Schedule saved = parse(text, UTC, NOW);
    Schedule restored = parse(saved.normalized(), UTC, LATER);
    assertEquals(((OneTimeSchedule) saved).instant(), ((OneTimeSchedule) restored).instant());
  }

  @ParameterizedTest
  @ValueSource(strings = {"in 1 second", "in 7 seconds"})
  void fractionalNowsSurviveTheRoundTrip(String text) {
    Instant fractional = Instant.parse("2026-06-15T12:00:00.123456789Z");
    Schedule saved = parse(text, UTC, fractional);
    assertEquals(saved, parse(saved.normalized(), UTC, LATER));
  }
}
