package dev.baton.coordinator.dispatch;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Expected run durations per job for the SJF dispatch policy: an exponential moving average of each job's
 * successful run durations ({@value #ALPHA} weight on the newest; the first sample sets it), and the median of
 * those averages for jobs that have none yet. Pure: durations are measured elsewhere and recorded here.
 *
 * <p>Not thread-safe: confined to the dispatcher's thread.
 */
public final class JobDurations implements DispatchOrder.Durations {
  /** Weight of the newest sample in a job's moving average. */
  public static final double ALPHA = 0.3;

  /** Moving average per job, in nanoseconds (a double: no overflow, and exact well past a day). */
  private final Map<String, double[]> averages = new HashMap<>();
  /** The median of all averages, cached between changes (SJF asks once per dispatch round). */
  private Optional<Duration> median = Optional.empty();
  private boolean medianStale;

  /** Records a successful run of {@code job} that took {@code duration} (not negative). */
  public void record(String job, Duration duration) {
    Objects.requireNonNull(job, "job");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("a run cannot take a negative time: " + duration + " for job " + job);
    }
    double sample = duration.getSeconds() * 1e9 + duration.getNano();
    double[] average = averages.get(job);
    if (average == null) {
      averages.put(job, new double[] {sample});
    } else {
      average[0] = ALPHA * sample + (1 - ALPHA) * average[0];
    }
    medianStale = true;
  }

  /** Forgets what is known of {@code job}, e.g. when it is deleted. */
  public void forget(String job) {
    if (averages.remove(job) != null) {
      medianStale = true;
    }
  }

  /** Jobs with an expected duration. */
  public int size() {
    return averages.size();
  }

  @Override
  public Optional<Duration> expected(String job) {
    double[] average = averages.get(job);
    return average == null ? Optional.empty() : Optional.of(toDuration(average[0]));
  }

  /** The median of the jobs' averages; with an even number of jobs, the mean of the middle two. */
  @Override
  public Optional<Duration> medianOfAllJobs() {
    if (medianStale) {
      median = computeMedian();
      medianStale = false;
    }
    return median;
  }

  private Optional<Duration> computeMedian() {
    if (averages.isEmpty()) {
      return Optional.empty();
    }
    double[] all = new double[averages.size()];
    int i = 0;
    for (double[] average : averages.values()) {
      all[i++] = average[0];
    }
    Arrays.sort(all);
    int mid = all.length / 2;
    double m = all.length % 2 == 1 ? all[mid] : (all[mid - 1] + all[mid]) / 2;
    return Optional.of(toDuration(m));
  }

  private static Duration toDuration(double nanos) {
    long seconds = (long) Math.floor(nanos / 1e9);
    long rest = Math.round(nanos - seconds * 1e9);
    return Duration.ofSeconds(seconds, rest);
  }
}
