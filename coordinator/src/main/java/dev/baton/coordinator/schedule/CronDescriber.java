package dev.baton.coordinator.schedule;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import java.time.DayOfWeek;
import java.time.Month;
import java.time.ZoneId;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * English descriptions of cron expressions, e.g. {@code "at 09:00, Monday through Friday
 * (Europe/Berlin)"}.
 *
 * <p>The common shapes (what the natural language produces, and most hand-written crons) are
 * described here, because cron-utils' own sentences read awkwardly ("every 10 minutes at 2 hour");
 * anything else falls back to cron-utils' {@link CronDescriptor}. Works on the normalized text,
 * where cron-utils has already turned month and day names into numbers.
 */
final class CronDescriber {
  private CronDescriber() {}

  private static final Pattern NUMBER = Pattern.compile("\\d+");
  private static final Pattern NUMBER_LIST = Pattern.compile("\\d+(,\\d+)*");
  private static final Pattern NUMBERS_AND_RANGES = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
  private static final Pattern STEP = Pattern.compile("[*0]/(\\d+)");
  private static final Pattern RANGE = Pattern.compile("(\\d+)-(\\d+)");
  private static final Pattern YEAR = Pattern.compile("\\d{4}");

  static String describe(ScheduleKind kind, String normalized, Cron cron, ZoneId zone) {
    String sentence = simpleSentence(kind, normalized.split(" "));
    if (sentence == null) {
      sentence = CronDescriptor.instance(Locale.ENGLISH).describe(cron);
    }
    return sentence + " (" + zone.getId() + ")";
  }

  /** The sentence for a common shape, or null to fall back to cron-utils. */
  private static String simpleSentence(ScheduleKind kind, String[] f) {
    boolean quartz = kind == ScheduleKind.CRON_QUARTZ;
    int o = quartz ? 1 : 0;
    String second = quartz ? f[0] : "0";
    String minute = f[o];
    String hour = f[o + 1];
    String dayOfMonth = f[o + 2];
    String month = f[o + 3];
    String dayOfWeek = f[o + 4];
    String year = quartz && f.length == 7 ? f[6] : "*";
    String sentence = sentenceWithoutYear(quartz, second, minute, hour, dayOfMonth, month,
        dayOfWeek);
    if (sentence == null || year.equals("*")) {
      return sentence;
    }
    return YEAR.matcher(year).matches() ? sentence + ", in " + year + " only" : null;
  }

  private static String sentenceWithoutYear(
      boolean quartz,
      String second,
      String minute,
      String hour,
      String dayOfMonth,
      String month,
      String dayOfWeek) {

    boolean atTimesOfDay = true;
    String time;
    if (NUMBER.matcher(second).matches()
        && NUMBER.matcher(minute).matches()
        && NUMBER_LIST.matcher(hour).matches()) {
      List<String> times = new ArrayList<>();
      for (int h : numbers(hour)) {
        times.add(clock(h, Integer.parseInt(minute), Integer.parseInt(second)));
      }
      time = "at " + joinAnd(times);
    } else {
      atTimesOfDay = false;
      time = subDailyTime(second, minute, hour);
      if (time == null) {
        return null;
      }
    }

    boolean everyDom = dayOfMonth.equals("*") || dayOfMonth.equals("?");
    boolean everyDow = dayOfWeek.equals("*") || dayOfWeek.equals("?");
    String months = monthPhrase(month);
    if (months == null) {
      return null;
    }
    if (everyDom && everyDow) {
      if (!atTimesOfDay) {
        return time + (months.isEmpty() ? "" : ", in " + months);
      }
      return time + " every day" + (months.isEmpty() ? "" : " in " + months);
    }
    if (everyDom) {
      Set<DayOfWeek> days = daysOfWeek(dayOfWeek, quartz);
      if (days == null) {
        return null;
      }
      String daysText = dayOfWeekPhrase(days);
      if (days.size() == 7) {
        daysText = "every day";
      }
      String separator = daysText.startsWith("on ") || daysText.equals("every day") ? " " : ", ";
      return time + separator + daysText + (months.isEmpty() ? "" : ", in " + months);
    }
    if (!NUMBER_LIST.matcher(dayOfMonth).matches()) {
      return null;
    }
    TreeSet<Integer> days = numbers(dayOfMonth);
    List<String> ordinals = new ArrayList<>();
    for (int d : days) {
      ordinals.add(ordinal(d));
    }
    String of = months.isEmpty() ? "every month" : months;
    String skipped = days.last() > 28 ? " (months without such a day are skipped)" : "";
    String sentence =
        time + (atTimesOfDay ? " " : ", ") + "on the " + joinAnd(ordinals) + " of " + of;
    if (everyDow) {
      return sentence + skipped;
    }
    // Unix cron fires when either day field matches (Quartz refuses both): say "and".
    Set<DayOfWeek> weekDays = quartz ? null : daysOfWeek(dayOfWeek, false);
    if (weekDays == null) {
      return null;
    }
    String weekText = dayOfWeekPhrase(weekDays);
    return sentence + ", and " + (weekText.startsWith("on ") ? weekText : "on " + weekText)
        + skipped;
  }

  /** Shapes that fire several times a day, or null. */
  private static String subDailyTime(String second, String minute, String hour) {
    Matcher secondStep = STEP.matcher(second);
    Matcher minuteStep = STEP.matcher(minute);
    Matcher hourStep = STEP.matcher(hour);
    if (second.equals("*") && minute.equals("*") && hour.equals("*")) {
      return "every second";
    }
    if (secondStep.matches() && minute.equals("*") && hour.equals("*")) {
      return "every " + plural(Integer.parseInt(secondStep.group(1)), "second");
    }
    if (!second.equals("0")) {
      return null;
    }
    String span = hourSpan(hour);
    if (minute.equals("*") && span != null) {
      return "every minute" + span;
    }
    if (minuteStep.matches() && span != null) {
      return "every " + plural(Integer.parseInt(minuteStep.group(1)), "minute") + span;
    }
    if (NUMBER.matcher(minute).matches()) {
      int m = Integer.parseInt(minute);
      if (hour.equals("*")) {
        return m == 0 ? "every hour, on the hour" : "every hour at minute " + m;
      }
      Matcher range = RANGE.matcher(hour);
      if (range.matches()) {
        return "every hour from " + clock(Integer.parseInt(range.group(1)), m, 0) + " to "
            + clock(Integer.parseInt(range.group(2)), m, 0);
      }
      if (hourStep.matches()) {
        return "every " + plural(Integer.parseInt(hourStep.group(1)), "hour") + " from "
            + clock(0, m, 0);
      }
    }
    if (NUMBER_LIST.matcher(minute).matches() && hour.equals("*")) {
      List<String> minutes = new ArrayList<>();
      for (int m : numbers(minute)) {
        minutes.add(Integer.toString(m));
      }
      return "at minutes " + joinAnd(minutes) + " of every hour";
    }
    return null;
  }

  /** "" for every hour, " from 02:00 to 02:59" for one hour or a range of hours, else null. */
  private static String hourSpan(String hour) {
    if (hour.equals("*")) {
      return "";
    }
    if (NUMBER.matcher(hour).matches()) {
      int h = Integer.parseInt(hour);
      return " from " + clock(h, 0, 0) + " to " + clock(h, 59, 0);
    }
    Matcher range = RANGE.matcher(hour);
    if (range.matches()) {
      return " from " + clock(Integer.parseInt(range.group(1)), 0, 0) + " to "
          + clock(Integer.parseInt(range.group(2)), 59, 0);
    }
    return null;
  }

  private static String monthPhrase(String month) {
    if (month.equals("*")) {
      return "";
    }
    if (!NUMBERS_AND_RANGES.matcher(month).matches()) {
      return null;
    }
    List<String> parts = new ArrayList<>();
    for (String part : month.split(",")) {
      String[] ends = part.split("-");
      String first = monthName(Integer.parseInt(ends[0]));
      parts.add(ends.length == 1 ? first : first + " through " + monthName(
          Integer.parseInt(ends[1])));
    }
    return joinAnd(parts);
  }

  /** The days a day-of-week field names, or null if it uses steps, L or #. */
  private static Set<DayOfWeek> daysOfWeek(String field, boolean quartz) {
    if (!NUMBERS_AND_RANGES.matcher(field).matches()) {
      return null;
    }
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    for (String part : field.split(",")) {
      String[] ends = part.split("-");
      int from = Integer.parseInt(ends[0]);
      int to = ends.length == 1 ? from : Integer.parseInt(ends[1]);
      for (int d = from; d <= to; d++) {
        days.add(quartz ? quartzDay(d) : unixDay(d));
      }
    }
    return days;
  }

  /** "Monday through Friday" for a run of three or more days, else "on Monday and Thursday". */
  private static String dayOfWeekPhrase(Set<DayOfWeek> days) {
    List<DayOfWeek> ordered = new ArrayList<>(days);
    DayOfWeek first = ordered.get(0);
    DayOfWeek last = ordered.get(ordered.size() - 1);
    boolean run = last.getValue() - first.getValue() == ordered.size() - 1;
    if (run && ordered.size() >= 3) {
      return dayName(first) + " through " + dayName(last);
    }
    List<String> names = new ArrayList<>();
    for (DayOfWeek day : ordered) {
      names.add(dayName(day));
    }
    return "on " + joinAnd(names);
  }

  private static DayOfWeek unixDay(int d) {
    // Unix: 0 and 7 are Sunday, 1 is Monday.
    return d == 0 || d == 7 ? DayOfWeek.SUNDAY : DayOfWeek.of(d);
  }

  private static DayOfWeek quartzDay(int d) {
    // Quartz: 1 is Sunday, 7 is Saturday.
    return d == 1 ? DayOfWeek.SUNDAY : DayOfWeek.of(d - 1);
  }

  private static TreeSet<Integer> numbers(String list) {
    TreeSet<Integer> values = new TreeSet<>();
    for (String n : list.split(",")) {
      values.add(Integer.parseInt(n));
    }
    return values;
  }

  static String clock(int hour, int minute, int second) {
    String hm = String.format(Locale.ROOT, "%02d:%02d", hour, minute);
    return second == 0 ? hm : hm + String.format(Locale.ROOT, ":%02d", second);
  }

  static String ordinal(int n) {
    int mod100 = n % 100;
    String suffix;
    if (mod100 >= 11 && mod100 <= 13) {
      suffix = "th";
    } else {
      suffix =
          switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
          };
    }
    return n + suffix;
  }

  static String plural(long n, String unit) {
    return n == 1 ? unit : n + " " + unit + "s";
  }

  static String dayName(DayOfWeek day) {
    return day.getDisplayName(TextStyle.FULL, Locale.ENGLISH);
  }

  private static String monthName(int month) {
    return Month.of(month).getDisplayName(TextStyle.FULL, Locale.ENGLISH);
  }

  /** "a", "a and b", "a, b and c". */
  static String joinAnd(List<String> items) {
    if (items.size() == 1) {
      return items.get(0);
    }
    return String.join(", ", items.subList(0, items.size() - 1))
        + " and "
        + items.get(items.size() - 1);
  }
}
