package dev.baton.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {
  @Test
  void parsesEveryUnitAndCombinations() {
    assertEquals(Duration.ofSeconds(90), DurationText.parse("90s"));
    assertEquals(Duration.ofMinutes(90), DurationText.parse("1h30m"));
    assertEquals(Duration.ofMillis(500), DurationText.parse("500ms"));
    assertEquals(Duration.ofDays(2), DurationText.parse("2d"));
    assertEquals(Duration.ZERO, DurationText.parse("0"));
  }

  @Test
  void formatRoundTrips() {
    for (String text : new String[] {"90ms", "1s", "5m", "1h30m", "2d3h", "1m1s"}) {
      assertEquals(DurationText.parse(text), DurationText.parse(DurationText.format(DurationText.parse(text))));
    }
    assertEquals("1h30m", DurationText.format(Duration.ofMinutes(90)));
  }

  @Test
  void refusesWhatItCannotRead() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DurationText.parse("soon"));
    assertTrue(e.getMessage().contains("like 30s, 5m"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> DurationText.parse("5 minutes"));
    assertThrows(IllegalArgumentException.class, () -> DurationText.parse("-5s"));
  }
}
