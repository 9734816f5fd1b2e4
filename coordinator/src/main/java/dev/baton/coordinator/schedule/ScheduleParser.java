package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Turns what a user typed into a {@link Schedule}. Accepted, case-insensitively, with surrounding
 * whitespace ignored, at most {@value #MAX_LENGTH} characters:
 *
 * <ul>
 *   <li>Cron: 5 fields is Unix ({@link ScheduleKind#CRON_UNIX}); 6 or 7 fields is Quartz with
 *       seconds first and an optional year ({@link ScheduleKind#CRON_QUARTZ}). In Quartz a {@code *}
 *       day field is read as {@code ?} where Quartz would refuse the pair.
 *   <li>Macros: {@code @yearly @annually @monthly @weekly @daily @midnight @hourly}, as the
 *       equivalent 5-field cron.
 *   <li>Fixed intervals, {@code every 90s}, {@code every 1h30m}, {@code every 2d}, and natural
 *       language such as {@code weekdays at 9:00} or {@code in 10 minutes}: see {@link
 *       NaturalLanguage} for the grammar, {@link IntervalSchedule} for how intervals are anchored.
 * </ul>
 *
 * <p>Parsing a schedule's {@link Schedule#normalized()} form again, in the same zone and with any
 * {@code now}, gives back an equal schedule; that is what to store.
 */
public final class ScheduleParser {
  /** The longest schedule text accepted, in characters. */
  public static final int MAX_LENGTH = 256;

  private static final Pattern CRON_FIELD = Pattern.compile("[0-9*?/,\\-]+");

  private ScheduleParser() {}

  /**
   * Parses a schedule.
   *
   * @param text what the user wrote
   * @param zone the zone calendar fields are read in (the job's timezone)
   * @param now the current instant; used only by {@code in N minutes}, which becomes the fixed
   *     instant {@code now + N}
   * @return the schedule; a one-time schedule in the past is returned too (it never fires)
   * @throws ScheduleException with a message fit to show a user verbatim: what was understood,
   *     what was expected, and an example
   */
  public static Schedule parse(String text, ZoneId zone, Instant now) throws ScheduleException {
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(zone, "zone");
    Objects.requireNonNull(now, "now");
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new ScheduleException("the schedule is empty; " + NaturalLanguage.EXAMPLES);
    }
    if (trimmed.length() > MAX_LENGTH) {
      throw new ScheduleException(
          "the schedule is "
              + trimmed.length()
              + " characters long; at most "
              + MAX_LENGTH
              + " are allowed");
    }
    if (CronExpressions.isMacro(trimmed)) {
      return CronExpressions.parseMacro(trimmed, zone);
    }
    if (looksLikeCron(trimmed)) {
      return CronExpressions.parse(trimmed, zone);
    }
    return NaturalLanguage.parse(trimmed, zone, now);
  }

  /**
   * Cron starts with a digit, {@code *} or {@code ?} (natural language never does) and has the
   * field count of cron or no letters at all; so {@code "* * * *"} gets cron's message about its
   * field count, while {@code "10am daily"} gets the natural-language one.
   */
  private static boolean looksLikeCron(String text) {
    char first = text.charAt(0);
    if (!Character.isDigit(first) && first != '*' && first != '?') {
      return false;
    }
    String[] fields = text.split("\\s+");
    if (fields.length >= 5 && fields.length <= 7) {
      return true;
    }
    for (String field : fields) {
      if (!CRON_FIELD.matcher(field).matches()) {
        return false;
      }
    }
    return true;
  }
}
