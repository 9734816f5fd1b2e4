package dev.baton.coordinator.dispatch;

import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The order in which dispatch considers queued runs, under the cluster's dispatch policy (DESIGN.md section 5).
 * Pure: no I/O, no clock (the time is passed in), no threads; the only state it touches is the
 * {@link RoundRobinCursor} it is handed.
 *
 * <ul>
 *   <li>{@code PRIORITY} (the default, also for {@code UNSPECIFIED}): HIGH before MEDIUM before LOW, oldest first
 *       within a level. A run that has waited more than {@code aging} (default 60 s) counts one level higher, and
 *       one more for each further full {@code aging} period, never above HIGH: a LOW run waiting more than
 *       {@code aging} ranks with MEDIUM, more than {@code 2 × aging} with HIGH. LOW work never starves.
 *   <li>{@code FCFS}: oldest queued first.
 *   <li>{@code SJF}: shortest expected run first; a job with no known duration is expected to take the median of
 *       all jobs; when no duration is known at all, the order is FCFS.
 *   <li>{@code ROUND_ROBIN}: the oldest run of each job in turn, then the second oldest of each, and so on; the
 *       jobs rotate in name order starting after the job the {@link RoundRobinCursor} last served.
 * </ul>
 *
 * <p>Every tie is broken by queue time (older first), then by run id (lower first), so an order is total and
 * repeatable. Cost: O(n log n) for n queued runs, with a single array of the candidates as the main allocation.
 */
public final class DispatchOrder {
  /** Aging period of the PRIORITY policy when the settings leave it unset. */
  public static final Duration DEFAULT_AGING = Duration.ofSeconds(60);

  private static final int HIGH = 1;
  private static final int MEDIUM = 2;
  private static final int LOW = 3;

  /**
   * What the policy needs to know of a queued run.
   *
   * @param runId the run's id
   * @param job the run's job name
   * @param priority the {@code Priority} number: 1 HIGH, 2 MEDIUM, 3 LOW; 0 (unspecified) counts as MEDIUM and
   *     anything above 3 as LOW
   * @param queuedAt when the run's current attempt entered the queue
   */
  public record Candidate(long runId, String job, int priority, Instant queuedAt) {
    public Candidate {
      Objects.requireNonNull(job, "job");
      Objects.requireNonNull(queuedAt, "queuedAt");
    }

    /** The candidate for a {@link ReadyQueue} entry of a run of {@code job}. */
    public static Candidate of(ReadyQueue.Entry entry, String job) {
      return new Candidate(entry.runId(), job, entry.priority(), Instant.ofEpochMilli(entry.queuedMillis()));
    }

    /** The {@link ReadyQueue} entry of this run (the inverse of {@link #of}). */
    public ReadyQueue.Entry entry() {
      return new ReadyQueue.Entry(priority, queuedAt.toEpochMilli(), runId);
    }
  }

  /** Expected durations per job, from recent successful runs; empty when a job has none. */
  public interface Durations {
    /** The expected duration of a run of {@code job}, if any of its runs has succeeded recently. */
    Optional<Duration> expected(String job);

    /** The median of the expected durations of all jobs that have one; empty when none has. */
    Optional<Duration> medianOfAllJobs();
  }

  /** Older first, then lower run id: the tie-break of every policy and the whole of FCFS. */
  private static final Comparator<Candidate> OLDEST_FIRST = (a, b) -> {
    int c = a.queuedAt().compareTo(b.queuedAt());
    return c != 0 ? c : Long.compare(a.runId(), b.runId());
  };

  /** Groups a job's runs together, oldest first within the job; jobs in name order. */
  private static final Comparator<Candidate> BY_JOB_THEN_OLDEST = (a, b) -> {
    int c = a.job().compareTo(b.job());
    return c != 0 ? c : OLDEST_FIRST.compare(a, b);
  };

  private DispatchOrder() {}

  /**
   * Returns the candidates in the order dispatch should try them.
   *
   * @param settings the cluster's dispatch settings; an unset or unknown policy means PRIORITY, an unset or
   *     non-positive {@code aging} means {@link #DEFAULT_AGING}
   * @param queued the queued runs, in any order; not modified
   * @param now the current time, against which PRIORITY measures how long a run has waited
   * @param durations expected run durations; read only by SJF
   * @param cursor where ROUND_ROBIN left off; read (not advanced) only by ROUND_ROBIN. The caller reports what it
   *     actually dispatched with {@link RoundRobinCursor#served}
   * @return a new unmodifiable list holding every candidate exactly once
   */
  public static List<Candidate> order(DispatchSettings settings, Collection<Candidate> queued, Instant now,
      Durations durations, RoundRobinCursor cursor) {
    Objects.requireNonNull(settings, "settings");
    Objects.requireNonNull(now, "now");
    Objects.requireNonNull(durations, "durations");
    Objects.requireNonNull(cursor, "cursor");
    Candidate[] runs = queued.toArray(new Candidate[0]);
    Candidate[] ordered = switch (policyOf(settings)) {
      case DISPATCH_POLICY_FCFS -> sorted(runs, OLDEST_FIRST);
      case DISPATCH_POLICY_SJF -> shortestFirst(runs, durations);
      case DISPATCH_POLICY_ROUND_ROBIN -> roundRobin(runs, cursor);
      default -> byPriority(runs, now, agingOf(settings));
    };
    return Collections.unmodifiableList(Arrays.asList(ordered));
  }

  /** The policy {@code settings} name, with unset and unknown values read as PRIORITY. */
  public static DispatchPolicy policyOf(DispatchSettings settings) {
    return switch (settings.getPolicy()) {
      case DISPATCH_POLICY_FCFS, DISPATCH_POLICY_SJF, DISPATCH_POLICY_ROUND_ROBIN -> settings.getPolicy();
      default -> DispatchPolicy.DISPATCH_POLICY_PRIORITY;
    };
  }

  /** The aging period of {@code settings}, {@link #DEFAULT_AGING} when unset or not positive. */
  public static Duration agingOf(DispatchSettings settings) {
    if (!settings.hasAging()) {
      return DEFAULT_AGING;
    }
    Duration aging = Duration.ofSeconds(settings.getAging().getSeconds(), settings.getAging().getNanos());
    return aging.isNegative() || aging.isZero() ? DEFAULT_AGING : aging;
  }

  /**
   * The level a candidate is dispatched at under PRIORITY: its own, raised by one for waiting more than
   * {@code aging} and by two for waiting more than twice that, never above HIGH (1).
   */
  public static int effectiveLevel(Candidate c, Instant now, Duration aging) {
    return effectiveLevel(c, minus(now, aging), minus(minus(now, aging), aging));
  }

  private static int effectiveLevel(Candidate c, Instant agedOnce, Instant agedTwice) {
    int lift = c.queuedAt().isBefore(agedTwice) ? 2 : c.queuedAt().isBefore(agedOnce) ? 1 : 0;
    return Math.max(HIGH, levelOf(c.priority()) - lift);
  }

  private static int levelOf(int priority) {
    if (priority <= 0) {
      return MEDIUM; // PRIORITY_UNSPECIFIED means MEDIUM
    }
    return Math.min(priority, LOW);
  }

  // Three levels only: bucket by effective level (a counting sort, stable), then sort each bucket oldest first.
  private static Candidate[] byPriority(Candidate[] runs, Instant now, Duration aging) {
    Instant agedOnce = minus(now, aging);
    Instant agedTwice = minus(agedOnce, aging);
    byte[] level = new byte[runs.length];
    int[] start = new int[LOW + 2];
    for (int i = 0; i < runs.length; i++) {
      level[i] = (byte) effectiveLevel(runs[i], agedOnce, agedTwice);
      start[level[i] + 1]++;
    }
    for (int l = HIGH + 1; l <= LOW + 1; l++) {
      start[l] += start[l - 1];
    }
    int[] end = Arrays.copyOf(start, start.length);
    Candidate[] out = new Candidate[runs.length];
    for (int i = 0; i < runs.length; i++) {
      out[end[level[i]]++] = runs[i];
    }
    for (int l = HIGH; l <= LOW; l++) {
      Arrays.sort(out, start[l], start[l + 1], OLDEST_FIRST);
    }
    return out;
  }

  private static Candidate[] shortestFirst(Candidate[] runs, Durations durations) {
    Map<String, Long> expectedNanos = new HashMap<>();
    Long unknown = durations.medianOfAllJobs().map(DispatchOrder::saturatedNanos).orElse(null);
    boolean anyUnknown = false;
    for (Candidate c : runs) {
      if (!expectedNanos.containsKey(c.job())) {
        Long expected = durations.expected(c.job()).map(DispatchOrder::saturatedNanos).orElse(null);
        expectedNanos.put(c.job(), expected);
        anyUnknown |= expected == null;
      }
    }
    if (anyUnknown) {
      if (unknown == null) {
        // A Durations that knows some jobs but offers no median: take the median of the jobs at hand.
        unknown = medianOf(expectedNanos.values());
      }
      if (unknown == null) {
        return sorted(runs, OLDEST_FIRST); // nothing known at all
      }
      Long median = unknown;
      expectedNanos.replaceAll((job, nanos) -> nanos == null ? median : nanos);
    }
    // Look each run's expectation up once, not in every comparison.
    Keyed[] keyed = new Keyed[runs.length];
    for (int i = 0; i < runs.length; i++) {
      keyed[i] = new Keyed(expectedNanos.get(runs[i].job()), runs[i]);
    }
    Arrays.sort(keyed, SHORTEST_FIRST);
    for (int i = 0; i < runs.length; i++) {
      runs[i] = keyed[i].run();
    }
    return runs;
  }

  private record Keyed(long expectedNanos, Candidate run) {}

  private static final Comparator<Keyed> SHORTEST_FIRST = (a, b) -> {
    int c = Long.compare(a.expectedNanos(), b.expectedNanos());
    return c != 0 ? c : OLDEST_FIRST.compare(a.run(), b.run());
  };

  private static Long medianOf(Collection<Long> values) {
    long[] known = values.stream().filter(Objects::nonNull).mapToLong(Long::longValue).sorted().toArray();
    if (known.length == 0) {
      return null;
    }
    int mid = known.length / 2;
    return known.length % 2 == 1 ? known[mid] : known[mid - 1] + (known[mid] - known[mid - 1]) / 2;
  }

  /*
   * Sort once by (job, age) so each job's runs form a contiguous, oldest-first group, then deal one run from each
   * group per pass. Groups that run dry are dropped from the ring as they empty, so the dealing costs O(n) in all,
   * however unequal the backlogs are.
   */
  private static Candidate[] roundRobin(Candidate[] runs, RoundRobinCursor cursor) {
    Arrays.sort(runs, BY_JOB_THEN_OLDEST);
    int groups = 0;
    int[] groupStart = new int[runs.length + 1];
    for (int i = 0; i < runs.length; i++) {
      if (i == 0 || !runs[i].job().equals(runs[i - 1].job())) {
        groupStart[groups++] = i;
      }
    }
    groupStart[groups] = runs.length;

    // The first job served is the first whose name sorts after the last served job, wrapping around.
    int first = 0;
    Optional<String> last = cursor.lastServed();
    if (last.isPresent()) {
      int lo = 0;
      int hi = groups;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (runs[groupStart[mid]].job().compareTo(last.get()) <= 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      first = lo == groups ? 0 : lo;
    }

    int[] ring = new int[groups];
    for (int k = 0; k < groups; k++) {
      ring[k] = (first + k) % groups;
    }
    int active = groups;
    Candidate[] out = new Candidate[runs.length];
    int n = 0;
    for (int pass = 0; active > 0; pass++) {
      int kept = 0;
      for (int k = 0; k < active; k++) {
        int g = ring[k];
        out[n++] = runs[groupStart[g] + pass];
        if (groupStart[g] + pass + 1 < groupStart[g + 1]) {
          ring[kept++] = g;
        }
      }
      active = kept;
    }
    return out;
  }

  private static Candidate[] sorted(Candidate[] runs, Comparator<Candidate> order) {
    Arrays.sort(runs, order);
    return runs;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static Instant minus(Instant t, Duration d) {
    try {
      return t.minus(d);
    } catch (DateTimeException | ArithmeticException e) {
      return Instant.MIN; // nothing has waited that long
    }
  }
}
