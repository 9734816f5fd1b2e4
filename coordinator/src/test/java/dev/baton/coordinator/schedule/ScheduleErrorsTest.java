package dev.baton.coordinator.schedule;

import static dev.baton.coordinator.schedule.ScheduleAssertions.refusal;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Refusals: each message quotes the text, says what was understood or wrong, and gives examples. */
class ScheduleErrorsTest {

  private static final String EXAMPLES =
      "examples: \"every 15 minutes\", \"weekdays at 9:00\", \"0 2 * * *\"";

  private static void assertContains(String message, String... parts) {
    for (String part : parts) {
      assertTrue(message.contains(part), "expected <" + part + "> in: " + message);
    }
  }

  @Test
  void unknownDayNameSaysHowFarItWasUnderstood() {
    assertEquals(
        "cannot understand \"weekly on funday\": expected a day name after \"weekly on\""
            + " (e.g. \"weekly on monday at 9am\"); " + EXAMPLES,
        refusal("weekly on funday"));
    assertContains(refusal("every monday and funday at 9am"),
        "expected a day name after \"every monday and\"");
    assertContains(refusal("every funday at 9am"),
        "expected a number, a unit or a day name after \"every\"");
  }

  @Test
  void garbage() {
    String message = refusal("foo bar");
    assertContains(message, "cannot understand \"foo bar\"", "expected it to start with \"every\"",
        EXAMPLES);
    assertContains(refusal("10am daily"), "cannot understand \"10am daily\"");
    assertContains(refusal("weekly on monday at 9am please"),
        "did not expect \"please\" after \"weekly on monday at 9am\"");
  }

  @Test
  void badCronFieldsNameTheFieldAndTheRange() {
    assertContains(refusal("61 * * * *"),
        "bad cron expression '61 * * * *': minute 61 is out of range 0-59", "e.g.");
    assertContains(refusal("* 24 * * *"), "hour 24 is out of range 0-23");
    assertContains(refusal("0 0 32 * *"), "day-of-month 32 is out of range 1-31");
    assertContains(refusal("0 0 * 13 *"), "month 13 is out of range 1-12");
    assertContains(refusal("0 0 * * 8"), "day-of-week 8 is out of range 0-7");
    assertContains(refusal("0 0 12 ? * 0"), "day-of-week 0 is out of range 1-7");
    assertContains(refusal("60 0 12 * * ?"), "second 60 is out of range 0-59");
    assertContains(refusal("0 0 12 * * ? 2100"), "year 2100 is out of range 1970-2099");
    assertContains(refusal("* * * * FUN"), "day-of-week 'fun' is not a number or a valid name");
    assertContains(refusal("*/0 * * * *"), "minute step /0 is out of range 1-59");
    assertContains(refusal("5-2 * * * *"), "minute range 5-2 goes backwards");
    assertContains(refusal("0 0 12 ? * ?"),
        "Quartz needs '?' in exactly one of day-of-month and day-of-week");
    assertContains(refusal("? * * * *"), "'?' is only allowed in 6- or 7-field (Quartz)");
  }

  @Test
  void wrongFieldCount() {
    assertContains(refusal("* * * *"),
        "bad cron expression '* * * *': it has 4 fields; a cron expression has 5");
    assertContains(refusal("0 0 0 1 1 ? 2030 5"), "it has 8 fields");
  }

  @Test
  void cronThatNeverFires() {
    assertContains(refusal("0 0 31 2 *"), "bad cron expression '0 0 31 2 *': it never fires");
    assertContains(refusal("0 0 12 * * ? 1985"), "it never fires");
  }

  @Test
  void unknownMacro() {
    assertContains(refusal("@reboot"), "bad cron macro '@reboot'", "@daily");
  }

  @Test
  void zeroAndTooShortIntervals() {
    assertContains(refusal("every 0 minutes"), "cannot understand \"every 0 minutes\"",
        "at least 1", EXAMPLES);
    assertContains(refusal("every 0s"), "at least 1 second");
    assertContains(refusal("every 0 seconds"), "at least 1");
    assertContains(refusal("in 0 minutes"), "at least 1");
    assertContains(refusal("every 5000 days"), "at most 3650 days");
    assertContains(refusal("every 1d12h"), "\"d\" counts calendar days");
    assertContains(refusal("every 5 fortnights"),
        "expected seconds, minutes, hours or days after \"every 5\"");
    assertContains(refusal("every 1234567890 minutes"), "too large");
  }

  @Test
  void badTimesOfDay() {
    assertContains(refusal("daily at 25:00"), "cannot understand \"daily at 25:00\"",
        "hour 25 is out of range 0-23", EXAMPLES);
    assertContains(refusal("daily at 10:75"), "minute 75 is out of range 0-59");
    assertContains(refusal("daily at 13pm"), "hour 13 does not go with pm");
    assertContains(refusal("daily at 0am"), "hour 0 does not go with am");
    assertContains(refusal("daily at 3"), "\"3\" needs am/pm or minutes");
    assertContains(refusal("daily at teatime"), "\"teatime\" is not a time");
    assertContains(refusal("daily at"), "expected a time after \"daily at\"");
    assertContains(refusal("daily 9am"), "expected \"at\" and a time, or nothing, after \"daily\"");
  }

  @Test
  void badDaysOfTheMonth() {
    assertContains(refusal("monthly on the 32nd"), "cannot understand \"monthly on the 32nd\"",
        "day 32 is out of range 1-31", EXAMPLES);
    assertContains(refusal("monthly on the 0th"), "day 0 is out of range 1-31");
    assertContains(refusal("monthly on the first"), "expected a day of the month like 1st");
    assertContains(refusal("monthly"), "expected \"on the\" and a day of the month");
  }

  @Test
  void badOneTimes() {
    assertContains(refusal("at 2026-02-30 10:00"), "2026-02-30 is not a date");
    assertContains(refusal("at 2026-12-01 24:00"), "hour 24 is out of range 0-23");
    assertContains(refusal("at 2026-12-01"), "expected a date and a time after \"at\"");
    assertContains(refusal("at 9am"), "for a time every day, write e.g. \"daily at 9am\"");
    assertContains(refusal("in 999999999 days"), "between the years 0000 and 9999");
    assertContains(refusal("in ten minutes"), "expected a number after \"in\"");
  }

  @Test
  void emptyAndTooLong() {
    assertContains(refusal("   "), "the schedule is empty", EXAMPLES);
    assertContains(refusal("every 5 minutes " + "x".repeat(250)),
        "characters long; at most 256 are allowed");
  }
}
