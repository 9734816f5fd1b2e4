package dev.baton.cli.output;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.baton.client.DurationText;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * Times and durations as the CLI shows them. Times are shown in a zone the caller names; nothing reads the clock
 * (an age is measured against the instant the caller passes).
 */
public final class TimeText {
  /** Zone of times that belong to no job (runs, the cluster). */
  public static final ZoneId UTC = ZoneId.of("UTC");

  private static final DateTimeFormatter PLAIN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss zzz", Locale.ENGLISH);
  private static final DateTimeFormatter WITH_WEEKDAY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss EEE zzz", Locale.ENGLISH);

  private TimeText() {}

  /** {@code 2026-11-23 09:00:00 UTC}; {@code -} for an unset timestamp. */
  public static String format(Timestamp time, ZoneId zone) {
    return isSet(time) ? PLAIN.format(toInstant(time).atZone(zone)) : "-";
  }

  /** {@code 2026-11-23 09:00:00 Mon UTC}; {@code -} for an unset timestamp. */
  public static String formatWithWeekday(Timestamp time, ZoneId zone) {
    return isSet(time) ? WITH_WEEKDAY.format(toInstant(time).atZone(zone)) : "-";
  }

  /** RFC 3339 in UTC, as in JSON ({@code 2026-11-23T09:00:00Z}). */
  public static String rfc3339(Timestamp time) {
    return Timestamps.toString(time);
  }

  /** A time zone by IANA name; UTC for an empty or unknown name (the coordinator validates names). */
  public static ZoneId zone(String name) {
    if (name == null || name.isBlank()) {
      return UTC;
    }
    try {
      return ZoneId.of(name.trim());
    } catch (DateTimeException e) {
      return UTC;
    }
  }

  /**
   * Reads a time as people write it in a flag: an instant with its offset ({@code 2026-11-01T00:00:00Z},
   * {@code 2026-11-01T01:00:00+01:00}); a date and time without one ({@code 2026-11-01 00:00},
   * {@code 2026-11-01T00:00:30}), read in {@code zone}; or a date ({@code 2026-11-01}), its first instant in
   * {@code zone}. A local time that a daylight-saving change skips is moved forward by the gap; one that it repeats
   * is the earlier of the two.
   *
   * @throws IllegalArgumentException with a message that shows the accepted forms
   */
  public static Instant parseTime(String text, ZoneId zone) {
    String t = text.trim().toUpperCase(Locale.ROOT).replaceFirst("^(\\d{4}-\\d{2}-\\d{2}) +(?=\\d)", "$1T");
    try {
      return OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeParseException notWithAnOffset) {
      // tried next as a local date and time
    }
    try {
      return LocalDateTime.parse(t, DateTimeFormatter.ISO_LOCAL_DATE_TIME).atZone(zone).toInstant();
    } catch (DateTimeParseException notADateAndTime) {
      // tried next as a date
    }
    try {
      return LocalDate.parse(t, DateTimeFormatter.ISO_LOCAL_DATE).atStartOfDay(zone).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is not a time; write it like 2026-11-01T00:00:00Z, "
          + "'2026-11-01 00:00' or 2026-11-01");
    }
  }

  /** An instant to the millisecond in UTC, as logs stamp lines: {@code 2026-12-02T23:50:01.123Z}. */
  public static String instantMillis(Timestamp time) {
    return DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(UTC)
        .format(Instant.ofEpochSecond(time.getSeconds(), time.getNanos()));
  }

  /**
   * A {@code --since} value: an age before {@code now} ({@code 1h}, {@code 7d}) or a time as {@link #parseTime}
   * reads it (in UTC).
   *
   * @throws IllegalArgumentException if it is neither, with a message that shows both forms
   */
  public static Instant since(String text, Instant now) {
    try {
      return now.minus(DurationText.parse(text));
    } catch (IllegalArgumentException notAnAge) {
      try {
        return parseTime(text, UTC);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("'" + text + "' is neither an age (1h, 7d) nor a time "
            + "(2026-12-01T10:00:00Z)");
      }
    }
  }

  /** A duration as people write it ({@code 1h30m}); Protobuf's form ({@code 1.000000500s}) below a millisecond. */
  public static String format(com.google.protobuf.Duration d) {
    Duration java = Duration.ofSeconds(d.getSeconds(), d.getNanos());
    if (java.isNegative() || d.getNanos() % 1_000_000 != 0) {
      return Durations.toString(d);
    }
    return DurationText.format(java);
  }

  /**
   * Reads a duration written as {@link DurationText} reads it, or in Protobuf's form ({@code 0.000000500s}) that
   * {@link #format(com.google.protobuf.Duration)} writes below a millisecond.
   *
   * @throws IllegalArgumentException with a message that shows the expected form
   */
  public static com.google.protobuf.Duration parseDuration(String text) {
    Duration d;
    try {
      d = DurationText.parse(text);
    } catch (IllegalArgumentException e) {
      try {
        return Durations.parse(text.trim());
      } catch (java.text.ParseException notProtobufEither) {
        throw e;
      }
    }
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }

  /**
   * How long an attempt took, from its start to its finish: {@code 0.12 s} below a minute, else {@code 1m30s};
   * empty if either time is unset.
   */
  public static String elapsed(Timestamp start, Timestamp finish) {
    if (!isSet(start) || !isSet(finish)) {
      return "";
    }
    Duration d = Duration.between(toInstant(start), toInstant(finish));
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    if (d.compareTo(Duration.ofMinutes(1)) < 0) {
      return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
    }
    return DurationText.format(d.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * How long ago a time was, seen at {@code now}: {@code 0.4s ago} below a minute, else {@code 3m12s ago},
   * {@code 2h5m ago}, {@code 3d4h ago}; {@code -} for an unset time. A time after {@code now} (clock skew between
   * machines) is {@code 0.0s ago}.
   */
  public static String age(Timestamp time, Instant now) {
    if (!isSet(time)) {
      return "-";
    }
    Duration d = Duration.between(toInstant(time), now);
    if (d.isNegative()) {
      d = Duration.ZERO;
    }
    if (d.compareTo(Duration.ofMinutes(1)) < 0) {
      // Tenths, rounded down: 0.99 s is not yet "1.0s".
      return String.format(Locale.ROOT, "%d.%ds ago", d.toSeconds(), d.toMillisPart() / 100);
    }
    ChronoUnit unit = d.compareTo(Duration.ofDays(1)) >= 0 ? ChronoUnit.HOURS
        : d.compareTo(Duration.ofHours(1)) >= 0 ? ChronoUnit.MINUTES : ChronoUnit.SECONDS;
    return DurationText.format(d.truncatedTo(unit)) + " ago";
  }

  private static boolean isSet(Timestamp time) {
    return time != null && (time.getSeconds() != 0 || time.getNanos() != 0);
  }

  private static Instant toInstant(Timestamp time) {
    return Instant.ofEpochSecond(time.getSeconds(), time.getNanos());
  }
}
