package dev.baton.coordinator.run;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Run;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps the run history bounded (DESIGN.md section 9): finished runs older than {@code history_retention}, or beyond
 * the newest {@code max_runs_per_job} of their job, are removed with their output. Dead-lettered runs stay until
 * redriven or purged; runs not at rest are never touched. Works in batches of {@link #BATCH}: each is found here,
 * off the dispatch thread, then removed by {@code remove} (the dispatcher, which checks each run again in the same
 * round as the removal), so that dispatch never waits behind more than one small batch.
 */
public final class RunRetention {
  public static final int BATCH = 500;
  /** Runs one sweep removes at most: the next one goes on. */
  static final int MAX_PER_SWEEP = 100_000;
  /** Removed runs after which the emptied key ranges are compacted (each compaction costs; tombstones cost more). */
  static final int COMPACT_AFTER = 10_000;
  private static final long REMOVE_TIMEOUT_SECONDS = 60;

  /**
   * @param history how long a finished run is kept
   * @param maxRunsPerJob how many runs of a job are kept at most (its newest)
   */
  public record Settings(Duration history, int maxRunsPerJob) {
    public static final Settings DEFAULT = new Settings(Duration.ofDays(7), 1000);

    public Settings {
      if (history.compareTo(Duration.ofMinutes(1)) < 0) {
        throw new IllegalArgumentException("history_retention must be at least 1m");
      }
      if (maxRunsPerJob < 1) {
        throw new IllegalArgumentException("max_runs_per_job must be at least 1");
      }
    }
  }

  private final Store store;
  private final Clock clock;
  private final Settings settings;
  private final Supplier<List<String>> jobs;
  private final Function<List<Long>, java.util.concurrent.CompletableFuture<Integer>> remove;
  /** Runs removed since the last compaction, and the range of their ids. */
  private long removedSinceCompaction;
  private long lowest = Long.MAX_VALUE;
  private long highest = -1;

  /**
   * @param jobs the names of the jobs defined now
   * @param remove removes the runs it is given that are still at rest for good, and says how many it removed
   */
  public RunRetention(Store store, Clock clock, Settings settings, Supplier<List<String>> jobs,
      Function<List<Long>, java.util.concurrent.CompletableFuture<Integer>> remove) {
    this.store = store;
    this.clock = clock;
    this.settings = settings;
    this.jobs = jobs;
    this.remove = remove;
  }

  /**
   * One sweep: finds the runs past the retention (at most {@link #MAX_PER_SWEEP}; the next sweep goes on) and
   * removes them, batch after batch; every {@value #COMPACT_AFTER} runs removed, compacts the key ranges they emptied
   * (so that later scans do not step over their tombstones one by one). Returns how many runs it removed.
   */
  public synchronized int sweep() {
    List<Long> found = candidates(MAX_PER_SWEEP);
    int total = 0;
    for (int from = 0; from < found.size(); from += BATCH) {
      List<Long> batch = found.subList(from, Math.min(found.size(), from + BATCH));
      try {
        total += remove.apply(List.copyOf(batch)).get(REMOVE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException | TimeoutException e) {
        throw new IllegalStateException("removing old runs failed: " + e.getMessage(), e);
      }
      lowest = Math.min(lowest, batch.stream().mapToLong(Long::longValue).min().orElseThrow());
      highest = Math.max(highest, batch.stream().mapToLong(Long::longValue).max().orElseThrow());
    }
    removedSinceCompaction += total;
    if (removedSinceCompaction >= COMPACT_AFTER) {
      compact();
    }
    return total;
  }

  private void compact() {
    store.compactRange(ColumnFamily.RUNS, Keys.run(lowest), Keys.run(highest + 1));
    store.compactRange(ColumnFamily.OUTPUT, Keys.run(lowest), Keys.run(highest + 1));
    // The job and wave indexes are ordered by job and wave first: their removed keys are spread over the whole range.
    store.compactRange(ColumnFamily.RUNS_BY_JOB, null, null);
    store.compactRange(ColumnFamily.RUNS_BY_WAVE, null, null);
    removedSinceCompaction = 0;
    lowest = Long.MAX_VALUE;
    highest = -1;
  }

  /** Up to {@code limit} runs past the retention: by age first, oldest first, then by count. */
  List<Long> candidates(int limit) {
    Set<Long> found = new LinkedHashSet<>();
    long cutoff = clock.instant().minus(settings.history()).toEpochMilli();
    // By age: run ids grow with creation time, so the scan stops at the first run made after the cutoff.
    store.scan(ColumnFamily.RUNS, null, null, false, (key, value) -> {
      Run run = Store.parse(Run.parser(), value);
      if (Timestamps.toMillis(run.getCreateTime()) >= cutoff) {
        return false;
      }
      long id = Keys.runId(key);
      if (RunStore.finishedForGood(run) && Timestamps.toMillis(run.getUpdateTime()) < cutoff) {
        found.add(id);
      }
      return found.size() < limit;
    });
    // By count: a job's runs beyond its newest max_runs_per_job.
    for (String job : jobs.get()) {
      if (found.size() >= limit) {
        break;
      }
      int[] seen = {0};
      List<Long> beyond = new ArrayList<>();
      store.scanPrefix(ColumnFamily.RUNS_BY_JOB, Keys.runsOfJobPrefix(job), true, (key, value) -> {
        if (++seen[0] > settings.maxRunsPerJob()) {
          long id = Keys.runIdOfJobKey(key);
          if (!found.contains(id) && store.get(ColumnFamily.RUNS, Keys.run(id), Run.parser())
              .filter(RunStore::finishedForGood).isPresent()) {
            beyond.add(id);
          }
        }
        return found.size() + beyond.size() < limit;
      });
      found.addAll(beyond);
    }
    return List.copyOf(found);
  }
}
