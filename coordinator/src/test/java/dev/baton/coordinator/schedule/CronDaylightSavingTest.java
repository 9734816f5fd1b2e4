package dev.baton.coordinator.schedule;

import static dev.baton.coordinator.schedule.ScheduleAssertions.BERLIN;
import static dev.baton.coordinator.schedule.ScheduleAssertions.NEW_YORK;
import static dev.baton.coordinator.schedule.ScheduleAssertions.SYDNEY;
import static dev.baton.coordinator.schedule.ScheduleAssertions.assertFires;
import static dev.baton.coordinator.schedule.ScheduleAssertions.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Cron across both daylight-saving changes of 2026 in three zones. The rules: each matching local
 * date-time fires at most once; a time in a spring-forward gap fires once, at the first instant
 * after the gap; a repeated (fall-back) time fires at its first occurrence only.
 *
 * <p>2026 changes: New York 03-08 02:00 EST -> 03:00 EDT (07:00Z) and 11-01 02:00 EDT -> 01:00 EST
 * (06:00Z); Berlin 03-29 02:00 CET -> 03:00 CEST (01:00Z) and 10-25 03:00 CEST -> 02:00 CET
 * (01:00Z); Sydney 04-05 03:00 AEDT -> 02:00 AEST (04-04 16:00Z) and 10-04 02:00 AEST -> 03:00
 * AEDT (10-03 16:00Z).
 */
class CronDaylightSavingTest {

  @Nested
  class NewYork {
    @Test
    void aDailyTimeInTheGapFiresOnceAtTheEndOfTheGap() {
      assertFires("30 2 * * *", NEW_YORK, "2026-03-07T12:00:00Z",
          "2026-03-08T07:00:00Z", // 03:00 EDT: 02:30 did not exist
          "2026-03-09T06:30:00Z", // 02:30 EDT
          "2026-03-10T06:30:00Z");
    }

    @Test
    void aWholeSkippedHourFiresOnceNotSixTimes() {
      assertFires("*/10 2 * * *", NEW_YORK, "2026-03-07T12:00:00Z",
          "2026-03-08T07:00:00Z",
          "2026-03-09T06:00:00Z", "2026-03-09T06:10:00Z", "2026-03-09T06:20:00Z");
    }

    @Test
    void aGapTimeAndTheTimeAfterTheGapFireOnceTogether() {
      // 02:00 (in the gap) and 03:00 both land on 03:00 EDT: one fire, not two.
      assertFires("0 2,3 * * *", NEW_YORK, "2026-03-08T00:00:00Z",
          "2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T07:00:00Z");
    }

    @Test
    void hourlyAcrossSpringForward() {
      assertFires("0 * * * *", NEW_YORK, "2026-03-08T05:30:00Z",
          "2026-03-08T06:00:00Z", // 01:00 EST
          "2026-03-08T07:00:00Z", // 03:00 EDT
          "2026-03-08T08:00:00Z");
    }

    @Test
    void aRepeatedDailyTimeFiresAtItsFirstOccurrenceOnly() {
      assertFires("30 1 * * *", NEW_YORK, "2026-10-31T12:00:00Z",
          "2026-11-01T05:30:00Z", // 01:30 EDT; not again at 01:30 EST (06:30Z)
          "2026-11-02T06:30:00Z",
          "2026-11-03T06:30:00Z");
    }

    @Test
    void quarterHoursDoNotFireAgainDuringTheSecondPass() {
      assertFires("*/15 * * * *", NEW_YORK, "2026-11-01T04:50:00Z",
          "2026-11-01T05:00:00Z", "2026-11-01T05:15:00Z", "2026-11-01T05:30:00Z",
          "2026-11-01T05:45:00Z", // 01:45 EDT
          "2026-11-01T07:00:00Z", // 02:00 EST; 01:00-01:45 EST are skipped
          "2026-11-01T07:15:00Z");
    }

    @Test
    void askingFromInsideTheSecondPassResumesAfterIt() {
      assertFires("*/15 * * * *", NEW_YORK, "2026-11-01T06:20:00Z", // 01:20 EST
          "2026-11-01T07:00:00Z", "2026-11-01T07:15:00Z");
      assertFires("30 1 * * *", NEW_YORK, "2026-11-01T05:30:00Z",
          "2026-11-02T06:30:00Z");
    }

    @Test
    void hourlyAcrossFallBack() {
      assertFires("0 * * * *", NEW_YORK, "2026-11-01T03:30:00Z",
          "2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", // 00:00, 01:00 EDT
          "2026-11-01T07:00:00Z", // 02:00 EST
          "2026-11-01T08:00:00Z");
    }
  }

  @Nested
  class Berlin {
    @Test
    void springForward() {
      assertFires("30 2 * * *", BERLIN, "2026-03-28T12:00:00Z",
          "2026-03-29T01:00:00Z", // 03:00 CEST
          "2026-03-30T00:30:00Z",
          "2026-03-31T00:30:00Z");
    }

    @Test
    void fallBack() {
      assertFires("30 2 * * *", BERLIN, "2026-10-24T12:00:00Z",
          "2026-10-25T00:30:00Z", // 02:30 CEST, first occurrence
          "2026-10-26T01:30:00Z", // 02:30 CET
          "2026-10-27T01:30:00Z");
      assertFires("*/30 * * * *", BERLIN, "2026-10-25T00:15:00Z",
          "2026-10-25T00:30:00Z", // 02:30 CEST
          "2026-10-25T02:00:00Z", // 03:00 CET; 02:00 and 02:30 CET are skipped
          "2026-10-25T02:30:00Z");
    }

    @Test
    void weekdaysKeepTheirLocalTimeAcrossBothChanges() {
      assertFires("0 9 * * 1-5", BERLIN, "2026-03-27T00:00:00Z",
          "2026-03-27T08:00:00Z", // Friday 09:00 CET
          "2026-03-30T07:00:00Z", // Monday 09:00 CEST
          "2026-03-31T07:00:00Z");
      assertFires("0 9 * * 1-5", BERLIN, "2026-10-23T00:00:00Z",
          "2026-10-23T07:00:00Z", // Friday 09:00 CEST
          "2026-10-26T08:00:00Z", // Monday 09:00 CET
          "2026-10-27T08:00:00Z");
    }
  }

  @Nested
  class Sydney {
    @Test
    void fallBackInApril() {
      assertFires("30 2 * * *", SYDNEY, "2026-04-03T12:00:00Z",
          "2026-04-03T15:30:00Z", // 04-04 02:30 AEDT
          "2026-04-04T15:30:00Z", // 04-05 02:30 AEDT, the first of two
          "2026-04-05T16:30:00Z"); // 04-06 02:30 AEST
      assertFires("0 * * * *", SYDNEY, "2026-04-04T14:30:00Z",
          "2026-04-04T15:00:00Z", // 02:00 AEDT
          "2026-04-04T17:00:00Z", // 03:00 AEST; 02:00 AEST (16:00Z) is skipped
          "2026-04-04T18:00:00Z");
    }

    @Test
    void springForwardInOctober() {
      assertFires("30 2 * * *", SYDNEY, "2026-10-02T12:00:00Z",
          "2026-10-02T16:30:00Z", // 10-03 02:30 AEST
          "2026-10-03T16:00:00Z", // 10-04 03:00 AEDT: 02:30 did not exist
          "2026-10-04T15:30:00Z"); // 10-05 02:30 AEDT
    }
  }

  @Nested
  class QuartzWithSeconds {
    @Test
    void secondsInTheGapFireAtTheEndOfTheGap() {
      assertFires("15 30 2 * * ?", NEW_YORK, "2026-03-07T12:00:00Z",
          "2026-03-08T07:00:00Z", "2026-03-09T06:30:15Z", "2026-03-10T06:30:15Z");
    }

    @Test
    void everyTwentySecondsThroughTheGap() {
      assertFires("0/20 * 2 * * ?", NEW_YORK, "2026-03-08T06:59:00Z",
          "2026-03-08T07:00:00Z", "2026-03-09T06:00:00Z", "2026-03-09T06:00:20Z");
    }

    @Test
    void everySecondSkipsTheWholeSecondPass() {
      assertFires("* * * * * ?", NEW_YORK, "2026-11-01T05:59:59Z", // 01:59:59 EDT
          "2026-11-01T07:00:00Z", "2026-11-01T07:00:01Z");
      assertFires("* * * * * ?", NEW_YORK, "2026-11-01T06:20:00Z", // 01:20 EST
          "2026-11-01T07:00:00Z");
    }

    @Test
    void aRepeatedSecondFiresOnce() {
      assertFires("0 30 1 * * ?", NEW_YORK, "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z");
    }
  }

  /**
   * A year of quarter hours in each zone against a plain enumeration of the rules: walk every
   * local quarter hour of 2026, map it by the rules (its instant; the end of the gap; its first
   * occurrence), drop repeats, and expect exactly that list of fire times.
   */
  @Test
  void aYearOfQuarterHoursInEachZoneMatchesTheRulesEnumerated() {
    for (ZoneId zone : List.of(NEW_YORK, BERLIN, SYDNEY)) {
      Set<Instant> expected = new LinkedHashSet<>();
      for (LocalDateTime local = LocalDateTime.of(2026, 1, 1, 0, 0);
          local.getYear() == 2026;
          local = local.plusMinutes(15)) {
        ZoneOffsetTransition transition = zone.getRules().getTransition(local);
        if (transition != null && transition.isGap()) {
          expected.add(transition.getInstant());
        } else {
          expected.add(local.atZone(zone).withEarlierOffsetAtOverlap().toInstant());
        }
      }
      // 365 days of 96 quarter hours, less the four that fall into the spring gap and share the
      // fire of 03:00 (or 02:00 in Sydney) with it.
      assertEquals(365 * 96 - 4, expected.size(), zone.getId());

      Schedule schedule = parse("*/15 * * * *", zone);
      Instant from = LocalDateTime.of(2025, 12, 31, 23, 59).atZone(zone).toInstant();
      List<Instant> fires = schedule.nextFireTimes(from, expected.size());
      assertEquals(List.copyOf(expected), fires, zone.getId());
    }
  }
}
