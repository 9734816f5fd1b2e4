package dev.baton.coordinator.schedule;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import dev.baton.proto.v1.ResolvedSchedule;
import java.time.Instant;
import java.time.ZoneId;

/**
 * Parsed schedules of stored jobs, by normalized text and zone. Jobs keep their schedule as normalized text (so a
 * relative "in 10 minutes" never drifts across restarts); many jobs share an expression, so a bounded cache saves
 * parsing it on every tick without holding a parsed schedule per job.
 */
public final class CompiledSchedules {
  private record Key(String normalized, String zone) {}

  private final LoadingCache<Key, Schedule> cache = CacheBuilder.newBuilder()
      .maximumSize(10_000)
      .build(new CacheLoader<>() {
        @Override
        public Schedule load(Key key) {
          try {
            // Normalized forms are absolute, so the "now" passed here does not matter.
            return ScheduleParser.parse(key.normalized(), ZoneId.of(key.zone()), Instant.EPOCH);
          } catch (ScheduleException e) {
            throw new IllegalStateException("stored schedule '" + key.normalized() + "' no longer parses", e);
          }
        }
      });

  /** The schedule a stored job resolved to. */
  public Schedule of(ResolvedSchedule resolved) {
    return cache.getUnchecked(new Key(resolved.getNormalized(), resolved.getTimezone()));
  }
}
