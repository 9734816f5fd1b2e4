package dev.baton.coordinator.schedule;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;

/**
 * The next fire time of every scheduled job, ordered by time and then by job name, so that a tick
 * costs in proportion to the jobs due, not to all jobs.
 *
 * <p>Thread-safe. Each job has at most one entry; {@link #put} and {@link #remove} of the same job
 * are atomic with respect to each other. Readers ({@link #due}, {@link #earliest}) are weakly
 * consistent: while a job's entry is being replaced they may miss that job for a moment, but never
 * see it twice.
 */
public final class NextFireIndex {

  private record Entry(Instant time, String job) {}

  private static final Comparator<Entry> ORDER =
      Comparator.comparing(Entry::time).thenComparing(Entry::job);

  /** The same entries as {@link #byJob}, in fire order. */
  private final ConcurrentSkipListSet<Entry> byTime = new ConcurrentSkipListSet<>(ORDER);

  /** Job name to its fire time; updated with compute(), which serializes changes per job. */
  private final ConcurrentHashMap<String, Instant> byJob = new ConcurrentHashMap<>();

  /**
   * Sets the job's next fire time, replacing its previous entry if any.
   *
   * @throws NullPointerException if either argument is null
   */
  public void put(String job, Instant nextFire) {
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(nextFire, "nextFire");
    byJob.compute(
        job,
        (name, previous) -> {
          // Remove before add: a concurrent reader may miss the job briefly, never see it twice.
          if (previous != null) {
            byTime.remove(new Entry(previous, name));
          }
          byTime.add(new Entry(nextFire, name));
          return nextFire;
        });
  }

  /** Removes the job's entry; does nothing if it has none. */
  public void remove(String job) {
    Objects.requireNonNull(job, "job");
    byJob.computeIfPresent(
        job,
        (name, previous) -> {
          byTime.remove(new Entry(previous, name));
          return null;
        });
  }

  /** The job's next fire time, or empty if it has no entry. */
  public Optional<Instant> nextFireOf(String job) {
    return Optional.ofNullable(byJob.get(Objects.requireNonNull(job, "job")));
  }

  /** The earliest fire time in the index, or empty if it is empty. */
  public Optional<Instant> earliest() {
    Iterator<Entry> first = byTime.iterator();
    return first.hasNext() ? Optional.of(first.next().time()) : Optional.empty();
  }

  /** The earliest fire time in the index after {@code time}, or empty if there is none. */
  public Optional<Instant> firstAfter(Instant time) {
    // "" sorts before every job name: the first entry at time + 1 ns or later.
    Entry first = byTime.ceiling(new Entry(time.plusNanos(1), ""));
    return first == null ? Optional.empty() : Optional.of(first.time());
  }

  /**
   * Every entry whose time is at or before {@code now}, earliest first (ties by job name). Does not
   * remove them: the caller {@link #put}s each job's following fire time (or removes it) once it
   * has handled the tick. Costs O(due entries), plus O(log n) to start.
   *
   * @return an immutable list of (job, time) pairs
   */
  public List<Map.Entry<String, Instant>> due(Instant now) {
    Objects.requireNonNull(now, "now");
    List<Map.Entry<String, Instant>> due = new ArrayList<>();
    for (Entry entry : byTime) {
      if (entry.time().isAfter(now)) {
        break;
      }
      due.add(Map.entry(entry.job(), entry.time()));
    }
    return List.copyOf(due);
  }

  /** The number of jobs in the index. */
  public int size() {
    return byJob.size();
  }
}
