package dev.baton.coordinator.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cron texts and macros to {@link CronSchedule}s, through cron-utils. Refusals name the field and
 * say what is wrong in plain words instead of passing cron-utils' messages through.
 */
final class CronExpressions {
  private CronExpressions() {}

  static final String EXAMPLES =
      "e.g. \"0 2 * * *\" (02:00 every day), \"*/15 * * * *\" (every 15 minutes) or"
          + " \"0 30 9 ? * MON-FRI\" (Quartz, with seconds)";

  // CronParser and its definitions hold only final, read-only state: safe to share.
  private static final CronParser UNIX_PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
  private static final CronParser QUARTZ_PARSER =
      new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

  /** A field's name and numeric range, to say which field cron-utils' complaint is about. */
  private record Field(String name, int min, int max) {}

  private static final List<Field> UNIX_FIELDS =
      List.of(
          new Field("minute", 0, 59),
          new Field("hour", 0, 23),
          new Field("day-of-month", 1, 31),
          new Field("month", 1, 12),
          new Field("day-of-week", 0, 7));
  private static final List<Field> QUARTZ_FIELDS =
      List.of(
          new Field("second", 0, 59),
          new Field("minute", 0, 59),
          new Field("hour", 0, 23),
          new Field("day-of-month", 1, 31),
          new Field("month", 1, 12),
          new Field("day-of-week", 1, 7),
          new Field("year", 1970, 2099));
  private static final int QUARTZ_DAY_OF_MONTH = 3;
  private static final int QUARTZ_DAY_OF_WEEK = 5;

  private static final Map<String, String> MACROS =
      Map.of(
          "@yearly", "0 0 1 1 *",
          "@annually", "0 0 1 1 *",
          "@monthly", "0 0 1 * *",
          "@weekly", "0 0 * * 0",
          "@daily", "0 0 * * *",
          "@midnight", "0 0 * * *",
          "@hourly", "0 * * * *");

  /**
   * Whether an expression matches any date is checked from this fixed local date-time, not from
   * {@code now}: the answer must not change between saving a job and re-parsing it at a restart.
   * cron-utils searches about a century ahead, so 1970 itself would miss Quartz years near 2099.
   */
  private static final LocalDateTime NEVER_CHECK_FROM = LocalDateTime.of(2000, 1, 1, 0, 0);

  private static final Pattern VALUE_OUT_OF_RANGE =
      Pattern.compile("Value (\\d+) not in range \\[(\\d+), (\\d+)]");
  private static final Pattern PERIOD_OUT_OF_RANGE =
      Pattern.compile("Period (\\d+) not in range \\[(\\d+), (\\d+)]");
  private static final Pattern INVALID_CHARS = Pattern.compile("Invalid chars: (\\S*)");
  private static final Pattern INVALID_RANGE = Pattern.compile("Invalid range! \\[(\\d+),(\\d+)]");

  /** Whether {@code text} is a cron macro such as {@code @daily} (valid or not). */
  static boolean isMacro(String text) {
    return text.startsWith("@");
  }

  /**
   * @param text the user's text, trimmed, starting with {@code @}
   * @throws ScheduleException for an unknown macro
   */
  static CronSchedule parseMacro(String text, ZoneId zone) throws ScheduleException {
    String expression = MACROS.get(text.toLowerCase(Locale.ROOT));
    if (expression == null) {
      throw new ScheduleException(
          "bad cron macro '"
              + text
              + "': known macros are @yearly, @annually, @monthly, @weekly, @daily, @midnight"
              + " and @hourly");
    }
    return build(text, expression, UNIX_PARSER, ScheduleKind.CRON_UNIX, UNIX_FIELDS, zone);
  }

  /**
   * A 5-field Unix or a 6/7-field Quartz expression. In Quartz, a {@code *} in day-of-month or
   * day-of-week becomes {@code ?} when Quartz would refuse the pair (Spring style {@code 0 0 12 * *
   * *}), since the meaning is plain.
   *
   * @param text the user's text, trimmed
   * @throws ScheduleException with the field and the reason
   */
  static CronSchedule parse(String text, ZoneId zone) throws ScheduleException {
    String[] fields = text.split("\\s+");
    if (fields.length == 5) {
      return build(text, String.join(" ", fields), UNIX_PARSER, ScheduleKind.CRON_UNIX,
          UNIX_FIELDS, zone);
    }
    if (fields.length == 6 || fields.length == 7) {
      relaxQuartzDays(fields);
      return build(text, String.join(" ", fields), QUARTZ_PARSER, ScheduleKind.CRON_QUARTZ,
          QUARTZ_FIELDS, zone);
    }
    throw new ScheduleException(
        "bad cron expression '"
            + text
            + "': it has "
            + fields.length
            + " field"
            + (fields.length == 1 ? "" : "s")
            + "; a cron expression has 5 (minute hour day-of-month month day-of-week), or 6-7"
            + " with seconds first and an optional year (Quartz); "
            + EXAMPLES);
  }

  /**
   * A 5-field expression built by the natural-language parser.
   *
   * @param text the user's natural-language text, kept as {@link Schedule#text()}
   */
  static CronSchedule unix(String text, String expression, ZoneId zone) throws ScheduleException {
    return build(text, expression, UNIX_PARSER, ScheduleKind.CRON_UNIX, UNIX_FIELDS, zone);
  }

  /** Quartz requires {@code ?} in exactly one of the two day fields; fill it in where obvious. */
  private static void relaxQuartzDays(String[] fields) {
    String dayOfMonth = fields[QUARTZ_DAY_OF_MONTH];
    String dayOfWeek = fields[QUARTZ_DAY_OF_WEEK];
    if (dayOfMonth.equals("*") && !dayOfWeek.equals("?")) {
      // "* * MON" and "* * *" both mean: whatever day-of-week says.
      fields[QUARTZ_DAY_OF_MONTH] = dayOfWeek.equals("*") ? "*" : "?";
      if (dayOfWeek.equals("*")) {
        fields[QUARTZ_DAY_OF_WEEK] = "?";
      }
    } else if (dayOfWeek.equals("*") && !dayOfMonth.equals("?")) {
      fields[QUARTZ_DAY_OF_WEEK] = "?";
    }
  }

  private static CronSchedule build(
      String text,
      String expression,
      CronParser parser,
      ScheduleKind kind,
      List<Field> fieldNames,
      ZoneId zone)
      throws ScheduleException {
    Cron cron;
    try {
      cron = parser.parse(expression.toUpperCase(Locale.ROOT)).validate();
    } catch (RuntimeException e) {
      // cron-utils reports bad input as IllegalArgumentException, and a few shapes it cannot handle
      // as other runtime exceptions; all of them are the user's text being wrong.
      throw new ScheduleException(
          "bad cron expression '"
              + text
              + "': "
              + plainReason(e, expression.split("\\s+"), fieldNames)
              + "; "
              + EXAMPLES);
    }
    ZonedCron times = new ZonedCron(cron, zone);
    if (times.nextLocalMatch(NEVER_CHECK_FROM).isEmpty()) {
      throw new ScheduleException(
          "bad cron expression '"
              + text
              + "': it never fires (no date from the year 2000 on matches it, e.g. February 30th"
              + " or a year that has passed); "
              + EXAMPLES);
    }
    String normalized = cron.asString();
    String description = CronDescriber.describe(kind, normalized, cron, zone);
    return new CronSchedule(text, kind, normalized, zone, description, times);
  }

  /** cron-utils' reason, with the field named and in plain words where we recognize it. */
  private static String plainReason(RuntimeException e, String[] fields, List<Field> fieldNames) {
    String message = String.valueOf(e.getMessage());
    Matcher m = VALUE_OUT_OF_RANGE.matcher(message);
    if (m.find()) {
      String value = m.group(1);
      int min = Integer.parseInt(m.group(2));
      int max = Integer.parseInt(m.group(3));
      return fieldNamed(fields, fieldNames, "(?<!/)\\b" + value + "\\b", min, max)
          + value
          + " is out of range "
          + m.group(2)
          + "-"
          + m.group(3);
    }
    m = PERIOD_OUT_OF_RANGE.matcher(message);
    if (m.find()) {
      String step = m.group(1);
      return fieldNamed(fields, fieldNames, "/" + step + "\\b", -1, -1)
          + "step /"
          + step
          + " is out of range 1-"
          + m.group(3);
    }
    m = INVALID_RANGE.matcher(message);
    if (m.find()) {
      return fieldNamed(fields, fieldNames, "\\b" + m.group(1) + "-" + m.group(2) + "\\b", -1, -1)
          + "range "
          + m.group(1)
          + "-"
          + m.group(2)
          + " goes backwards (write the smaller value first)";
    }
    m = INVALID_CHARS.matcher(message);
    if (m.find()) {
      String chars = m.group(1);
      if (chars.isEmpty()) {
        return "a field has an empty item (two commas in a row, or a comma at an end)";
      }
      return fieldNamed(fields, fieldNames, "(?i)" + Pattern.quote(chars), -1, -1)
          + "'"
          + chars.toLowerCase(Locale.ROOT)
          + "' is not a number or a valid name";
    }
    if (message.contains("Both, a day-of-week AND a day-of-month")) {
      return "Quartz needs '?' in exactly one of day-of-month and day-of-week"
          + " (e.g. \"0 0 12 ? * MON-FRI\" or \"0 0 12 1 * ?\")";
    }
    if (message.contains("Invalid expression: ?")) {
      return "'?' is only allowed in 6- or 7-field (Quartz) expressions; use '*' in Unix cron";
    }
    String prefix = "Failed to parse cron expression. ";
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /**
   * "minute " for the first field whose text matches {@code regex} and, when {@code min <= max},
   * whose range is {@code min-max} (second and minute share a range; day-of-week does not); else
   * the first field whose text matches; else "".
   */
  private static String fieldNamed(
      String[] fields, List<Field> fieldNames, String regex, int min, int max) {
    Pattern pattern = Pattern.compile(regex);
    String firstMatch = "";
    for (int i = 0; i < fields.length && i < fieldNames.size(); i++) {
      Field field = fieldNames.get(i);
      if (!pattern.matcher(fields[i]).find()) {
        continue;
      }
      if (min > max || (field.min() == min && field.max() == max)) {
        return field.name() + " ";
      }
      if (firstMatch.isEmpty()) {
        firstMatch = field.name() + " ";
      }
    }
    return firstMatch;
  }
}
