package dev.baton.coordinator.schedule;

import static dev.baton.coordinator.schedule.ScheduleAssertions.BERLIN;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NEW_YORK;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NOW;
import static dev.baton.coordinator.schedule.ScheduleAssertions.UTC;
import static dev.baton.coordinator.schedule.ScheduleAssertions.assertFires;
import static dev.baton.coordinator.schedule.ScheduleAssertions.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Interval anchoring: epoch multiples for elapsed time, local midnights for calendar days. */
class IntervalScheduleTest {

  @Test
  void elapsedIntervalsFireAtWholeMultiplesOfThePeriodSinceTheEpoch() {
    Schedule every90 = parse("every 90s", UTC);
    List<Instant> fires = every90.nextFireTimes(Instant.parse("2026-06-15T12:00:00.001Z"), 5);
    assertEquals(5, fires.size());
    for (Instant fire : fires) {
      assertEquals(0, fire.getEpochSecond() % 90, fire.toString());
      assertEquals(0, fire.getNano());
    }
    assertEquals(Instant.parse("2026-06-15T12:01:30Z"), fires.get(0));
  }

  @Test
  void aFireTimeIsNotItsOwnNextFireTime() {
    assertFires("every 5m", UTC, "2026-06-15T12:05:00Z",
        "2026-06-15T12:10:00Z", "2026-06-15T12:15:00Z");
  }

  @Test
  void theSameTimesAfterARestartWithADifferentNow() {
    Schedule first = parse("every 7 minutes", UTC, NOW);
    Schedule later = parse(first.normalized(), UTC, NOW.plusSeconds(123_457));
    Instant probe = Instant.parse("2026-07-01T00:00:00Z");
    assertEquals(first.nextFireTimes(probe, 10), later.nextFireTimes(probe, 10));
  }

  @Test
  void elapsedIntervalsIgnoreTheZoneAndDaylightSaving() {
    // 01:00 EDT -> 01:00 EST: an hourly interval still fires every 3600 s.
    assertFires("every 1 hour", NEW_YORK, "2026-11-01T04:30:00Z",
        "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z");
    assertFires("every 1h30m", BERLIN, "2026-06-15T12:00:00Z",
        "2026-06-15T13:30:00Z", "2026-06-15T15:00:00Z");
  }

  @Test
  void everyDayIsEveryLocalMidnightAcrossDaylightSaving() {
    assertFires("every day", NEW_YORK, "2026-03-07T12:00:00Z",
        "2026-03-08T05:00:00Z", // midnight EST
        "2026-03-09T04:00:00Z", // midnight EDT, 23 hours later
        "2026-03-10T04:00:00Z");
    assertFires("every 1d", NEW_YORK, "2026-10-31T12:00:00Z",
        "2026-11-01T04:00:00Z", // midnight EDT
        "2026-11-02T05:00:00Z", // midnight EST, 25 hours later
        "2026-11-03T05:00:00Z");
  }

  @Test
  void everyNDaysFiresOnEpochDaysDivisibleByN() {
    // Epoch days: 2026-03-06 = 20518, 03-08 = 20520, 03-10 = 20522 (even).
    assertFires("every 2 days", NEW_YORK, "2026-03-06T12:00:00Z",
        "2026-03-08T05:00:00Z", "2026-03-10T04:00:00Z", "2026-03-12T04:00:00Z");
    // 2026-11-01 = 20758 (even).
    assertFires("every 2d", NEW_YORK, "2026-10-31T12:00:00Z",
        "2026-11-01T04:00:00Z", "2026-11-03T05:00:00Z", "2026-11-05T05:00:00Z");
    // Berlin, across 2026-03-29: 2026-03-29 = 20541 (divisible by 3).
    assertFires("every 3 days", BERLIN, "2026-03-27T00:00:00Z",
        "2026-03-28T23:00:00Z", // 03-29 00:00 CET
        "2026-03-31T22:00:00Z", // 04-01 00:00 CEST
        "2026-04-03T22:00:00Z");
  }

  @Test
  void aMidnightThatDoesNotExistFiresAtTheFirstInstantOfTheDay() {
    // Santiago springs forward at midnight: 2026-09-06 begins at 01:00 -03.
    assertFires("every day", ZoneId.of("America/Santiago"), "2026-09-05T12:00:00Z",
        "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z");
  }

  @Test
  void nextFireTimesRefusesANegativeCount() {
    assertThrows(IllegalArgumentException.class, () -> parse("every 5m", UTC).nextFireTimes(NOW, -1));
    assertEquals(List.of(), parse("every 5m", UTC).nextFireTimes(NOW, 0));
  }
}
