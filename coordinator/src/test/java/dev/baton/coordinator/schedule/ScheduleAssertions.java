package dev.baton.coordinator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;

/** Shared fixtures: fixed instants and zones, and one-line assertions on fire times. */
final class ScheduleAssertions {
  private ScheduleAssertions() {}

  /** Monday 2026-06-15 12:00 UTC (14:00 in Berlin, summer time). */
  static final Instant NOW = Instant.parse("2026-06-15T12:00:00Z");

  static final ZoneId UTC = ZoneId.of("UTC");
  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  static final ZoneId SYDNEY = ZoneId.of("Australia/Sydney");

  static Schedule parse(String text, ZoneId zone) {
    return parse(text, zone, NOW);
  }

  static Schedule parse(String text, ZoneId zone, Instant now) {
    try {
      return ScheduleParser.parse(text, zone, now);
    } catch (ScheduleException e) {
      return fail("\"" + text + "\" was refused: " + e.getMessage());
    }
  }

  /** The next fire times of {@code text} in {@code zone} after {@code from} are exactly these. */
  static void assertFires(String text, ZoneId zone, String from, String... expected) {
    assertFires(parse(text, zone), from, expected);
  }

  static void assertFires(Schedule schedule, String from, String... expected) {
    List<Instant> want = Arrays.stream(expected).map(Instant::parse).toList();
    List<Instant> got = schedule.nextFireTimes(Instant.parse(from), want.size());
    assertEquals(
        want, got, schedule.text() + " [" + schedule.normalized() + "] in " + schedule.zone());
  }

  /** The text is refused, and the message is returned for further checks. */
  static String refusal(String text) {
    return refusal(text, UTC);
  }

  static String refusal(String text, ZoneId zone) {
    return assertThrows(
            ScheduleException.class,
            () -> ScheduleParser.parse(text, zone, NOW),
            "\"" + text + "\" should be refused")
        .getMessage();
  }
}
