package dev.baton.coordinator.schedule;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;
import java.util.concurrent.ExecutionException;

/**
 * {@link ScheduleParser#parse} with a bounded cache: many jobs are saved with the same text ("0 2 * * *"), and
 * cron parsing is the costliest step of saving a job. Texts relative to the time of saving ("in 10 minutes") are
 * never cached, since their result depends on {@code now}.
 */
public final class ParsedSchedules {
  private record Key(String text, ZoneId zone) {}

  private static final Cache<Key, Schedule> CACHE = CacheBuilder.newBuilder().maximumSize(10_000).build();

  private ParsedSchedules() {}

  public static Schedule parse(String text, ZoneId zone, Instant now) throws ScheduleException {
    if (text.trim().toLowerCase(Locale.ROOT).startsWith("in ")) {
      return ScheduleParser.parse(text, zone, now);
    }
    try {
      return CACHE.get(new Key(text, zone), () -> ScheduleParser.parse(text, zone, now));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ScheduleException bad) {
        throw bad;
      }
      throw new IllegalStateException(e.getCause());
    } catch (com.google.common.util.concurrent.UncheckedExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }
}
