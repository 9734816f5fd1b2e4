package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Times as people write them in flags ({@code job backfill --from/--to}). */
class TimeParseTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  @Test
  void anInstantWithAnOffsetIgnoresTheZone() {
    Instant expected = Instant.parse("2026-11-01T00:00:00Z");
    for (String text : List.of("2026-11-01T00:00:00Z", "2026-11-01t00:00:00z", "2026-11-01 00:00:00Z",
        " 2026-11-01T01:00:00+01:00 ", "2026-11-01T00:00Z", "2026-11-01T00:00:00.000Z")) {
      assertEquals(expected, TimeText.parseTime(text, BERLIN), text);
    }
    assertEquals(Instant.parse("2026-11-01T00:00:00.5Z"), TimeText.parseTime("2026-11-01T00:00:00.5Z", BERLIN));
  }

  @Test
  void aLocalDateAndTimeIsReadInTheZone() {
    assertEquals(Instant.parse("2026-11-01T00:00:00Z"), TimeText.parseTime("2026-11-01 00:00", TimeText.UTC));
    assertEquals(Instant.parse("2026-11-01T00:00:30Z"), TimeText.parseTime("2026-11-01T00:00:30", TimeText.UTC));
    assertEquals(Instant.parse("2026-10-31T23:00:00Z"), TimeText.parseTime("2026-11-01 00:00", BERLIN));
    assertEquals(Instant.parse("2026-07-01T10:00:00Z"), TimeText.parseTime("2026-07-01  12:00", BERLIN));
  }

  @Test
  void aDateIsItsFirstInstantInTheZone() {
    assertEquals(Instant.parse("2026-11-01T00:00:00Z"), TimeText.parseTime("2026-11-01", TimeText.UTC));
    assertEquals(Instant.parse("2026-10-31T23:00:00Z"), TimeText.parseTime("2026-11-01", BERLIN));
  }

  @Test
  void localTimesAcrossDaylightSavingChanges() {
    // 2026-03-29 02:30 does not exist in Berlin (02:00 CET → 03:00 CEST): moved forward by the gap, to 03:30 CEST.
    assertEquals(Instant.parse("2026-03-29T01:30:00Z"), TimeText.parseTime("2026-03-29 02:30", BERLIN));
    // 2026-10-25 02:30 happens twice (CEST, then CET): the earlier one.
    assertEquals(Instant.parse("2026-10-25T00:30:00Z"), TimeText.parseTime("2026-10-25 02:30", BERLIN));
  }

  @Test
  void anythingElseIsRefusedShowingTheForms() {
    for (String text : List.of("yesterday", "2026-11-31", "2026-11-01 25:00", "11/01/2026", "2026-11-01T00",
        "1793491200", "")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TimeText.parseTime(text, TimeText.UTC), text);
      assertEquals("'" + text + "' is not a time; write it like 2026-11-01T00:00:00Z, '2026-11-01 00:00' or "
          + "2026-11-01", e.getMessage());
    }
  }
}
