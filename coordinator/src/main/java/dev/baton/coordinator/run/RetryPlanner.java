package dev.baton.coordinator.run;

import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.random.RandomGenerator;

/**
 * Whether and when a failed attempt of a run is retried, under its job's {@link RetryPolicy} (DESIGN.md section 2).
 * Pure: the randomness for jitter is passed in, and nothing reads a clock; the caller turns a {@link Retry}'s delay
 * into a due time.
 *
 * <ul>
 *   <li>Strategy {@code NONE} (or unset): a failure is final, {@link NotRetryable}.
 *   <li>A non-empty {@code retry_on_exit_codes} retries only those exit codes. A TIMED_OUT attempt (no exit code)
 *       is retried regardless; a FAILED attempt without an exit code (killed by a signal, or could not start) only
 *       when the list is empty. Others are {@link NotRetryable}.
 *   <li>Retry n (1-based) is allowed while n &lt;= {@code max_retries}: {@code max_retries = 3} allows attempts 2, 3
 *       and 4; the next failure is {@link Exhausted} (the run goes to the dead-letter queue).
 *   <li>{@code FIXED} waits {@code initial_delay} (default 10 s when unset); {@code EXPONENTIAL} waits
 *       {@code initial_delay × multiplier^(n−1)} (multiplier default 2); both capped at {@code max_delay} (default
 *       1 h when unset or not positive).
 *   <li>{@code jitter} j in [0, 1] adds a random part drawn uniformly from [0, j × delay); the sum is still capped
 *       at {@code max_delay}. With j = 0 the generator is not used.
 * </ul>
 */
public final class RetryPlanner {
  /** {@code initial_delay} when unset. */
  public static final Duration DEFAULT_INITIAL_DELAY = Duration.ofSeconds(10);
  /** {@code max_delay} when unset. */
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofHours(1);
  /** {@code multiplier} when 0 (unset). */
  public static final double DEFAULT_MULTIPLIER = 2;

  /** What to do with a run whose attempt just failed or timed out. */
  public sealed interface Decision permits Retry, Exhausted, NotRetryable {}

  /**
   * Queue a new attempt after {@code delay}.
   *
   * @param delay the wait before the new attempt is queued; not negative
   * @param retryNumber 1 for the first retry (the run's second attempt), and so on
   */
  public record Retry(Duration delay, int retryNumber) implements Decision {
    public Retry {
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative() || retryNumber < 1) {
        throw new IllegalArgumentException("retry " + retryNumber + " after " + delay);
      }
    }
  }

  /** The failure would be retried, but every allowed retry is used up; e.g. "exit code 2 after 3 retries". */
  public record Exhausted(String reason) implements Decision {
    public Exhausted {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The failure is final by the policy; e.g. "retry strategy is NONE", or
   * "exit code 2 not in retry_on_exit_codes [1, 75]".
   */
  public record NotRetryable(String reason) implements Decision {
    public NotRetryable {
      Objects.requireNonNull(reason, "reason");
    }
  }

  private RetryPlanner() {}

  /**
   * Decides what follows an attempt that ended FAILED or TIMED_OUT.
   *
   * @param policy the job's retry policy
   * @param failuresSoFar attempts of this run that ended FAILED or TIMED_OUT, including the one just ended
   *     (LOST and REJECTED attempts do not count); at least 1
   * @param outcome how the attempt ended: FAILED or TIMED_OUT
   * @param exitCode the attempt's exit code; empty when it timed out, was killed by a signal or could not start
   * @param random source of the jitter; drawn from once per {@link Retry} when jitter is positive, never otherwise
   * @throws IllegalArgumentException for another outcome, or {@code failuresSoFar < 1}
   */
  public static Decision decide(RetryPolicy policy, int failuresSoFar, AttemptOutcome outcome, OptionalInt exitCode,
      RandomGenerator random) {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(random, "random");
    if (outcome != AttemptOutcome.ATTEMPT_OUTCOME_FAILED && outcome != AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT) {
      throw new IllegalArgumentException("only FAILED or TIMED_OUT attempts are retried by policy, not " + outcome);
    }
    if (failuresSoFar < 1) {
      throw new IllegalArgumentException("failuresSoFar counts the attempt just ended, so it is at least 1, not "
          + failuresSoFar);
    }
    switch (policy.getStrategy()) {
      case RETRY_STRATEGY_FIXED, RETRY_STRATEGY_EXPONENTIAL -> {}
      default -> {
        return new NotRetryable("retry strategy is NONE");
      }
    }
    String what = describe(outcome, exitCode);
    if (!policy.getRetryOnExitCodesList().isEmpty() && outcome == AttemptOutcome.ATTEMPT_OUTCOME_FAILED) {
      if (exitCode.isEmpty()) {
        return new NotRetryable(what + ", and retry_on_exit_codes " + policy.getRetryOnExitCodesList()
            + " retries only those exit codes");
      }
      if (!policy.getRetryOnExitCodesList().contains(exitCode.getAsInt())) {
        return new NotRetryable(what + " not in retry_on_exit_codes " + policy.getRetryOnExitCodesList());
      }
    }
    int maxRetries = policy.getMaxRetries() < 0 ? Integer.MAX_VALUE : policy.getMaxRetries(); // uint32 above 2^31
    if (failuresSoFar > maxRetries) {
      return new Exhausted(maxRetries == 0
          ? what + "; max_retries is 0"
          : what + " after " + maxRetries + (maxRetries == 1 ? " retry" : " retries"));
    }
    return new Retry(delay(policy, failuresSoFar, random), failuresSoFar);
  }

  /**
   * The wait before retry {@code retryNumber} (1-based) under {@code policy}'s strategy, jitter included.
   * Never more than {@code max_delay}, for any {@code retryNumber}.
   */
  public static Duration delay(RetryPolicy policy, int retryNumber, RandomGenerator random) {
    if (retryNumber < 1) {
      throw new IllegalArgumentException("retries are numbered from 1, not " + retryNumber);
    }
    Duration max = policy.hasMaxDelay() ? toDuration(policy.getMaxDelay()) : DEFAULT_MAX_DELAY;
    if (max.isNegative() || max.isZero()) {
      max = DEFAULT_MAX_DELAY;
    }
    Duration initial = policy.hasInitialDelay() ? toDuration(policy.getInitialDelay()) : DEFAULT_INITIAL_DELAY;
    if (initial.isNegative()) {
      initial = Duration.ZERO;
    }
    // Doubles in nanoseconds: a power that grows past any range becomes infinity and is capped, never wraps.
    double cap = nanos(max);
    double base = nanos(initial);
    if (policy.getStrategy() == RetryStrategy.RETRY_STRATEGY_EXPONENTIAL && base > 0) {
      base *= Math.pow(multiplierOf(policy), retryNumber - 1.0);
    }
    if (!(base < cap)) { // also catches infinity
      base = cap;
    }
    double jitter = policy.getJitter();
    double total = base;
    if (jitter > 0 && base > 0) {
      total = base + random.nextDouble() * Math.min(jitter, 1) * base;
    }
    return total >= cap ? max : ofNanos(total);
  }

  private static double multiplierOf(RetryPolicy policy) {
    double m = policy.getMultiplier();
    if (m == 0 || Double.isNaN(m)) {
      return DEFAULT_MULTIPLIER;
    }
    return Math.max(1, m); // below 1 the validator refuses; never shrink delays
  }

  private static String describe(AttemptOutcome outcome, OptionalInt exitCode) {
    if (outcome == AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT) {
      return "timed out";
    }
    return exitCode.isPresent() ? "exit code " + exitCode.getAsInt() : "failed without an exit code";
  }

  private static Duration toDuration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }

  private static double nanos(Duration d) {
    return d.getSeconds() * 1e9 + d.getNano();
  }

  private static Duration ofNanos(double nanos) {
    long seconds = (long) Math.floor(nanos / 1e9);
    long rest = Math.round(nanos - seconds * 1e9);
    return Duration.ofSeconds(seconds, rest);
  }
}
