package dev.baton.coordinator.schedule;

import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small natural language of DESIGN.md section 3, read token by token so that a refusal can say
 * how far the text was understood. Calendar phrases become 5-field Unix cron; {@code every N
 * seconds|minutes|hours|days} becomes an {@link IntervalSchedule}; {@code in …} and {@code at …}
 * become a {@link OneTimeSchedule}.
 *
 * <p>Grammar (case-insensitive; TIME is {@code 3am}, {@code 3 AM}, {@code 7:15 pm}, {@code 18:30},
 * {@code noon} or {@code midnight}; DAYS is day names, full or three letters, joined by {@code ,}
 * and/or {@code and}; "[at TIME]" defaults to 00:00):
 *
 * <pre>
 * hourly
 * daily [at TIME]                      every day at TIME
 * weekdays [at TIME]                   weekends [at TIME]          every weekday [at TIME]
 * weekly on DAYS [at TIME]             every DAYS [at TIME]
 * monthly on [the] 1st..31st [at TIME]
 * every minute                         every second | hour | day
 * every N seconds|minutes|hours|days   every 90s | 5m | 1h30m | 2d
 * in N seconds|minutes|hours|days      at 2026-12-01 10:00[:30]    at 2026-12-01T10:00:00Z
 * </pre>
 */
final class NaturalLanguage {

  static final String EXAMPLES = "examples: \"every 15 minutes\", \"weekdays at 9:00\", \"0 2 * * *\"";

  /** Longest interval accepted, about ten years: longer ones are mistakes, and overflow later. */
  static final long MAX_INTERVAL_SECONDS = Duration.ofDays(3650).getSeconds();

  /** One-time instants must print as a four-digit-year ISO instant, to re-parse. */
  private static final Instant MIN_INSTANT = Instant.parse("0000-01-01T00:00:00Z");

  private static final Instant MAX_INSTANT = Instant.parse("9999-12-31T23:59:59.999999999Z");

  private static final Pattern COUNT = Pattern.compile("\\d+");
  private static final Pattern GO_DURATION = Pattern.compile("(\\d+[smhd])+");
  private static final Pattern GO_PART = Pattern.compile("(\\d+)([smhd])");
  private static final Pattern CLOCK = Pattern.compile("(\\d{1,2})(?::(\\d{2}))?(am|pm)?");
  private static final Pattern ORDINAL = Pattern.compile("(\\d+)(st|nd|rd|th)?");
  private static final Pattern DATE_TIME =
      Pattern.compile(
          "(\\d{4})-(\\d{2})-(\\d{2})[t ](\\d{1,2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?"
              + "(z|[+-]\\d{2}:\\d{2})?");

  private static final Map<String, DayOfWeek> DAY_NAMES = dayNames();

  private static final Map<String, Long> UNIT_SECONDS =
      Map.ofEntries(
          Map.entry("second", 1L), Map.entry("seconds", 1L),
          Map.entry("sec", 1L), Map.entry("secs", 1L),
          Map.entry("minute", 60L), Map.entry("minutes", 60L),
          Map.entry("min", 60L), Map.entry("mins", 60L),
          Map.entry("hour", 3600L), Map.entry("hours", 3600L),
          Map.entry("hr", 3600L), Map.entry("hrs", 3600L),
          Map.entry("day", 86_400L), Map.entry("days", 86_400L));

  private final String text;
  private final ZoneId zone;
  private final Instant now;
  private final List<String> tokens;
  private int pos;

  private NaturalLanguage(String text, ZoneId zone, Instant now) {
    this.text = text;
    this.zone = zone;
    this.now = now;
    String spaced = text.toLowerCase(Locale.ROOT).replace(",", " , ").strip();
    this.tokens = Arrays.asList(spaced.split("\\s+"));
  }

  /**
   * @param text the user's text, trimmed and not empty
   * @param now the instant {@code in …} counts from
   * @throws ScheduleException saying how far the text was understood, with an example
   */
  static Schedule parse(String text, ZoneId zone, Instant now) throws ScheduleException {
    return new NaturalLanguage(text, zone, now).schedule();
  }

  private Schedule schedule() throws ScheduleException {
    String head = take();
    switch (head) {
      case "hourly":
        end("hourly");
        return cron("0 * * * *");
      case "daily":
        return daily(optionalAt("daily at 3 AM"));
      case "weekdays":
        return cron(optionalAt("weekdays at 9:00"), "* * 1-5");
      case "weekends":
        return cron(optionalAt("weekends at 10am"), "* * 0,6");
      case "weekly":
        expect("on", "\"on\" and a day name", "weekly on monday at 9am");
        String days = days("weekly on monday at 9am");
        return cron(optionalAt("weekly on monday at 9am"), "* * " + days);
      case "monthly":
        return monthly();
      case "every":
        return every();
      case "in":
        return in();
      case "at":
        return at();
      default:
        throw fail(
            "expected it to start with \"every\", \"daily\", \"weekdays\", \"weekends\","
                + " \"weekly\", \"monthly\", \"hourly\", \"in\" or \"at\", or to be a cron"
                + " expression",
            null);
    }
  }

  private Schedule every() throws ScheduleException {
    String what = peek();
    if (what == null) {
      throw fail("expected what to repeat after \"every\"", "every 15 minutes");
    }
    if (GO_DURATION.matcher(what).matches()) {
      take();
      end("every 1h30m");
      return goInterval(what);
    }
    if (COUNT.matcher(what).matches()) {
      long count = count("every 15 minutes");
      long unit = unit("every 15 minutes");
      end("every 15 minutes");
      return interval(count, unit);
    }
    if (DAY_NAMES.containsKey(what)) {
      String days = days("every monday and thursday at 7:15 pm");
      return cron(optionalAt("every monday and thursday at 7:15 pm"), "* * " + days);
    }
    switch (what) {
      case "minute":
        take();
        end("every minute");
        return cron("* * * * *");
      case "second":
      case "hour":
        take();
        end("every hour");
        return interval(1, UNIT_SECONDS.get(what));
      case "day":
        take();
        if (peek() == null) {
          return interval(1, UNIT_SECONDS.get(what));
        }
        return daily(optionalAt("every day at noon"));
      case "weekday":
        take();
        return cron(optionalAt("every weekday at 9am"), "* * 1-5");
      default:
        throw fail(
            "expected a number, a unit or a day name after \"every\"", "every 15 minutes");
    }
  }

  private Schedule monthly() throws ScheduleException {
    String example = "monthly on the 1st at 6 AM";
    expect("on", "\"on the\" and a day of the month", example);
    takeIf("the");
    String token = peek();
    Matcher m = token == null ? null : ORDINAL.matcher(token);
    if (m == null || !m.matches()) {
      throw fail(
          "expected a day of the month like 1st or 15th after \"" + understood() + "\"", example);
    }
    take();
    long day = m.group(1).length() > 2 ? Long.MAX_VALUE : Long.parseLong(m.group(1));
    if (day < 1 || day > 31) {
      throw fail("day " + m.group(1) + " is out of range 1-31", example);
    }
    LocalTime time = optionalAt(example);
    return cron(time.getMinute() + " " + time.getHour() + " " + day + " * *");
  }

  private Schedule in() throws ScheduleException {
    String example = "in 10 minutes";
    if (peek() == null || !COUNT.matcher(peek()).matches()) {
      throw fail("expected a number after \"in\"", example);
    }
    long count = count(example);
    long unit = unit(example);
    end(example);
    if (count == 0) {
      throw fail("the number must be at least 1", example);
    }
    Instant at;
    try {
      at = now.plusSeconds(Math.multiplyExact(count, unit));
    } catch (ArithmeticException | DateTimeException e) {
      throw fail("that is too far in the future to represent", example);
    }
    return oneTime(at, example);
  }

  private Schedule at() throws ScheduleException {
    String example = "at 2026-12-01 10:00";
    String rest = String.join(" ", tokens.subList(pos, tokens.size())).replace(" , ", ",");
    Matcher m = DATE_TIME.matcher(rest);
    if (!m.matches()) {
      String hint =
          CLOCK.matcher(rest.replace(" ", "")).matches() || rest.equals("noon")
              ? "; for a time every day, write e.g. \"daily at " + rest + "\""
              : "";
      throw fail(
          "expected a date and a time after \"at\", like 2026-12-01 10:00 or"
              + " 2026-12-01T10:00:00Z"
              + hint,
          example);
    }
    pos = tokens.size();
    int hour = Integer.parseInt(m.group(4));
    int minute = Integer.parseInt(m.group(5));
    int second = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
    int nanos = m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00000000").substring(0, 9));
    checkClock(hour, minute, example);
    if (second > 59) {
      throw fail("second " + second + " is out of range 0-59", example);
    }
    LocalDate date;
    try {
      date =
          LocalDate.of(
              Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)));
    } catch (DateTimeException e) {
      throw fail(m.group(1) + "-" + m.group(2) + "-" + m.group(3) + " is not a date", example);
    }
    LocalDateTime local = LocalDateTime.of(date, LocalTime.of(hour, minute, second, nanos));
    String offset = m.group(8);
    Instant instant;
    if (offset == null) {
      instant = LocalTimes.firstInstant(local, zone);
    } else {
      try {
        instant = local.toInstant(ZoneOffset.of(offset.toUpperCase(Locale.ROOT)));
      } catch (DateTimeException e) {
        throw fail("\"" + offset + "\" is not a UTC offset", "at 2026-12-01T10:00:00+01:00");
      }
    }
    return oneTime(instant, example);
  }

  // ---- pieces ----

  /** "[at TIME]" at the end of the text; midnight when absent. */
  private LocalTime optionalAt(String example) throws ScheduleException {
    if (peek() == null) {
      return LocalTime.MIDNIGHT;
    }
    if (!takeIf("at")) {
      throw fail(
          "expected \"at\" and a time, or nothing, after \"" + understood() + "\"", example);
    }
    LocalTime time = time(example);
    end(example);
    return time;
  }

  /** {@code 3am}, {@code 3 AM}, {@code 12pm}, {@code 7:15 pm}, {@code 18:30}, noon, midnight. */
  private LocalTime time(String example) throws ScheduleException {
    String token = peek();
    if (token == null) {
      throw fail("expected a time after \"" + understood() + "\"", example);
    }
    if (token.equals("noon")) {
      take();
      return LocalTime.NOON;
    }
    if (token.equals("midnight")) {
      take();
      return LocalTime.MIDNIGHT;
    }
    Matcher m = CLOCK.matcher(token);
    if (!m.matches()) {
      throw fail(
          "\"" + token + "\" is not a time; write e.g. 3am, 7:15 pm, 18:30, noon or midnight",
          example);
    }
    take();
    String half = m.group(3);
    if (half == null && ("am".equals(peek()) || "pm".equals(peek()))) {
      half = take();
    }
    int hour = Integer.parseInt(m.group(1));
    int minute = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
    if (half == null && m.group(2) == null) {
      throw fail(
          "\"" + token + "\" needs am/pm or minutes: write " + hour + "am, " + hour + "pm or "
              + hour + ":00",
          example);
    }
    if (half != null) {
      if (hour < 1 || hour > 12) {
        throw fail(
            "hour " + hour + " does not go with " + half + ": use 1-12 with am/pm, or 0-23 with"
                + " minutes (" + hour + ":00)",
            example);
      }
      // 12am is midnight and 12pm is noon.
      hour = hour % 12 + (half.equals("pm") ? 12 : 0);
    }
    checkClock(hour, minute, example);
    return LocalTime.of(hour, minute);
  }

  private void checkClock(int hour, int minute, String example) throws ScheduleException {
    if (hour > 23) {
      throw fail("hour " + hour + " is out of range 0-23", example);
    }
    if (minute > 59) {
      throw fail("minute " + minute + " is out of range 0-59", example);
    }
  }

  /** DAYS, as a sorted Unix day-of-week list: "1,4". */
  private String days(String example) throws ScheduleException {
    TreeSet<Integer> days = new TreeSet<>();
    days.add(day(example));
    while (",".equals(peek()) || "and".equals(peek())) {
      if (take().equals(",")) {
        takeIf("and");
      }
      days.add(day(example));
    }
    List<String> numbers = new ArrayList<>();
    for (int d : days) {
      numbers.add(Integer.toString(d));
    }
    return String.join(",", numbers);
  }

  private int day(String example) throws ScheduleException {
    DayOfWeek day = peek() == null ? null : DAY_NAMES.get(peek());
    if (day == null) {
      throw fail("expected a day name after \"" + understood() + "\"", example);
    }
    take();
    return day.getValue() % 7; // Unix cron: Sunday is 0
  }

  private long count(String example) throws ScheduleException {
    String token = take();
    if (token.length() > 9) {
      throw fail(token + " is too large", example);
    }
    return Long.parseLong(token);
  }

  private long unit(String example) throws ScheduleException {
    String token = peek();
    Long seconds = token == null ? null : UNIT_SECONDS.get(token);
    if (seconds == null) {
      throw fail(
          "expected seconds, minutes, hours or days after \"" + understood() + "\"", example);
    }
    take();
    return seconds;
  }

  private IntervalSchedule interval(long count, long unitSeconds) throws ScheduleException {
    if (count == 0) {
      throw fail("the number must be at least 1", "every 15 minutes");
    }
    if (count > MAX_INTERVAL_SECONDS / unitSeconds) {
      throw fail("the interval may be at most 3650 days", "every 15 minutes");
    }
    boolean calendarDays = unitSeconds == UNIT_SECONDS.get("day");
    return new IntervalSchedule(
        text, Duration.ofSeconds(count * unitSeconds), calendarDays, zone);
  }

  /** Go-style {@code 90s}, {@code 1h30m}, {@code 2d}; {@code d} stands alone (calendar days). */
  private IntervalSchedule goInterval(String token) throws ScheduleException {
    Matcher part = GO_PART.matcher(token);
    long total = 0;
    int parts = 0;
    boolean days = false;
    while (part.find()) {
      parts++;
      if (part.group(1).length() > 9) {
        throw fail(part.group(1) + " is too large", "every 1h30m");
      }
      long unit =
          switch (part.group(2)) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            default -> 86_400;
          };
      days |= unit == 86_400;
      total += Long.parseLong(part.group(1)) * unit; // at most 9 digits times a day: no overflow
    }
    if (days && parts > 1) {
      throw fail(
          "\"d\" counts calendar days and cannot be combined with other units; for elapsed time"
              + " write hours",
          "every 36h");
    }
    if (total == 0) {
      throw fail("the interval must be at least 1 second", "every 90s");
    }
    if (total > MAX_INTERVAL_SECONDS) {
      throw fail("the interval may be at most 3650 days", "every 90s");
    }
    return new IntervalSchedule(text, Duration.ofSeconds(total), days, zone);
  }

  private OneTimeSchedule oneTime(Instant instant, String example) throws ScheduleException {
    if (instant.isBefore(MIN_INSTANT) || instant.isAfter(MAX_INSTANT)) {
      throw fail("the time must fall between the years 0000 and 9999", example);
    }
    return new OneTimeSchedule(text, instant, zone);
  }

  private CronSchedule daily(LocalTime time) throws ScheduleException {
    return cron(time, "* * *");
  }

  private CronSchedule cron(LocalTime time, String dayFields) throws ScheduleException {
    return cron(time.getMinute() + " " + time.getHour() + " " + dayFields);
  }

  private CronSchedule cron(String expression) throws ScheduleException {
    return CronExpressions.unix(text, expression, zone);
  }

  // ---- tokens ----

  private String peek() {
    return pos < tokens.size() ? tokens.get(pos) : null;
  }

  private String take() {
    return pos < tokens.size() ? tokens.get(pos++) : null;
  }

  private boolean takeIf(String word) {
    if (word.equals(peek())) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(String word, String what, String example) throws ScheduleException {
    if (!takeIf(word)) {
      throw fail("expected " + what + " after \"" + understood() + "\"", example);
    }
  }

  private void end(String example) throws ScheduleException {
    if (peek() != null) {
      throw fail(
          "did not expect \"" + peek() + "\" after \"" + understood() + "\"", example);
    }
  }

  /** The tokens read so far, as the user would have written them. */
  private String understood() {
    return String.join(" ", tokens.subList(0, pos)).replace(" ,", ",");
  }

  private ScheduleException fail(String reason, String example) {
    return new ScheduleException(
        "cannot understand \""
            + text
            + "\": "
            + reason
            + (example == null ? "" : " (e.g. \"" + example + "\")")
            + "; "
            + EXAMPLES);
  }

  private static Map<String, DayOfWeek> dayNames() {
    Map<String, DayOfWeek> names = new HashMap<>();
    for (DayOfWeek day : DayOfWeek.values()) {
      String full = day.name().toLowerCase(Locale.ROOT);
      names.put(full, day);
      names.put(full + "s", day);
      names.put(full.substring(0, 3), day);
    }
    names.put("tues", DayOfWeek.TUESDAY);
    names.put("thur", DayOfWeek.THURSDAY);
    names.put("thurs", DayOfWeek.THURSDAY);
    return Map.copyOf(names);
  }
}
