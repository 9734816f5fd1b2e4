package dev.baton.coordinator.run;

import static dev.baton.proto.v1.AttemptOutcome.ATTEMPT_OUTCOME_FAILED;
import static dev.baton.proto.v1.AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.run.RetryPlanner.Decision;
import dev.baton.coordinator.run.RetryPlanner.Exhausted;
import dev.baton.coordinator.run.RetryPlanner.NotRetryable;
import dev.baton.coordinator.run.RetryPlanner.Retry;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class RetryPlannerTest {
  /** Jitter 0 must not draw: a generator that fails when used proves it. */
  private static final RandomGenerator NO_DRAWS = () -> {
    throw new AssertionError("no random draw expected");
  };

  private static final RetryPolicy FIXED = RetryPolicy.newBuilder().setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED)
      .setMaxRetries(3).setInitialDelay(Durations.fromSeconds(30)).build();
  private static final RetryPolicy EXPONENTIAL = RetryPolicy.newBuilder()
      .setStrategy(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL).setMaxRetries(100)
      .setInitialDelay(Durations.fromSeconds(10)).setMaxDelay(Durations.fromMinutes(5)).build();

  private static Decision failed(RetryPolicy policy, int failures, int exitCode) {
    return RetryPlanner.decide(policy, failures, ATTEMPT_OUTCOME_FAILED, OptionalInt.of(exitCode), NO_DRAWS);
  }

  private static Duration delayOf(Decision decision) {
    return assertInstanceOf(Retry.class, decision).delay();
  }

  @Test
  void noStrategyMeansAFailureIsFinal() {
    for (RetryStrategy s : new RetryStrategy[] {RetryStrategy.RETRY_STRATEGY_NONE,
        RetryStrategy.RETRY_STRATEGY_UNSPECIFIED}) {
      RetryPolicy policy = RetryPolicy.newBuilder().setStrategy(s).setMaxRetries(5).build();
      assertEquals(new NotRetryable("retry strategy is NONE"), failed(policy, 1, 1), s.name());
    }
    assertInstanceOf(NotRetryable.class, RetryPlanner.decide(RetryPolicy.getDefaultInstance(), 1,
        ATTEMPT_OUTCOME_TIMED_OUT, OptionalInt.empty(), NO_DRAWS));
  }

  @Test
  void fixedWaitsTheInitialDelayForEachRetryThenIsExhausted() {
    assertEquals(new Retry(Duration.ofSeconds(30), 1), failed(FIXED, 1, 2));
    assertEquals(new Retry(Duration.ofSeconds(30), 2), failed(FIXED, 2, 2));
    assertEquals(new Retry(Duration.ofSeconds(30), 3), failed(FIXED, 3, 2));
    assertEquals(new Exhausted("exit code 2 after 3 retries"), failed(FIXED, 4, 2));
  }

  @Test
  void theDefaultsAreTenSecondsCappedAtAnHour() {
    RetryPolicy bare = RetryPolicy.newBuilder().setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(1)
        .build();
    assertEquals(new Retry(Duration.ofSeconds(10), 1), failed(bare, 1, 1));
    assertEquals(new Exhausted("exit code 1 after 1 retry"), failed(bare, 2, 1));
    RetryPolicy exponential = bare.toBuilder().setStrategy(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL).build();
    assertEquals(Duration.ofSeconds(20), RetryPlanner.delay(exponential, 2, NO_DRAWS)); // multiplier 2
    assertEquals(Duration.ofHours(1), RetryPlanner.delay(exponential, 30, NO_DRAWS));
  }

  @Test
  void exponentialDoublesFromTheInitialDelayUpToTheCap() {
    List<Duration> delays = new ArrayList<>();
    for (int failures = 1; failures <= 8; failures++) {
      delays.add(delayOf(failed(EXPONENTIAL, failures, 1)));
    }
    assertEquals(List.of(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40),
        Duration.ofSeconds(80), Duration.ofSeconds(160), Duration.ofSeconds(300), Duration.ofSeconds(300),
        Duration.ofSeconds(300)), delays);
  }

  @Test
  void exponentialUsesTheGivenMultiplier() {
    RetryPolicy triple = EXPONENTIAL.toBuilder().setMultiplier(3).setMaxDelay(Durations.fromHours(1)).build();
    assertEquals(Duration.ofSeconds(10), RetryPlanner.delay(triple, 1, NO_DRAWS));
    assertEquals(Duration.ofSeconds(30), RetryPlanner.delay(triple, 2, NO_DRAWS));
    assertEquals(Duration.ofSeconds(270), RetryPlanner.delay(triple, 4, NO_DRAWS));
    RetryPolicy slow = triple.toBuilder().setMultiplier(1.5).build();
    assertEquals(Duration.ofMillis(33_750), RetryPlanner.delay(slow, 4, NO_DRAWS));
  }

  @Test
  void jitterAddsUpToItsFractionOfTheDelayAndStaysUnderTheCap() {
    double jitter = 0.5;
    RetryPolicy policy = EXPONENTIAL.toBuilder().setJitter(jitter).setMaxDelay(Durations.fromSeconds(100)).build();
    Random random = new Random(20_260_301L);
    Duration max = Duration.ofSeconds(100);
    double[] largestShare = new double[5];
    double[] sumShare = new double[5];
    int[] draws = new int[5];
    for (int i = 0; i < 10_000; i++) {
      int retry = 1 + i % 5; // bases 10, 20, 40, 80 (jitter crosses the cap), 100 (capped) seconds
      Duration base = min(Duration.ofSeconds(10L << (retry - 1)), max);
      Duration upper = min(Duration.ofNanos((long) (base.toNanos() * (1 + jitter))), max);
      Decision decision = RetryPlanner.decide(policy, retry, ATTEMPT_OUTCOME_FAILED, OptionalInt.of(1), random);
      Duration delay = delayOf(decision);
      assertTrue(delay.compareTo(base) >= 0 && delay.compareTo(upper) <= 0,
          "retry " + retry + ": " + delay + " not in [" + base + ", " + upper + "]");
      double share = (double) (delay.toNanos() - base.toNanos()) / base.toNanos();
      largestShare[retry - 1] = Math.max(largestShare[retry - 1], share);
      sumShare[retry - 1] += share;
      draws[retry - 1]++;
    }
    // Not a constant: uncapped retries spread over nearly all of [0, jitter), about evenly.
    for (int r = 0; r < 3; r++) {
      assertTrue(largestShare[r] > 0.49, "largest jitter share " + largestShare[r]);
      double mean = sumShare[r] / draws[r];
      assertTrue(Math.abs(mean - jitter / 2) < 0.02, "mean jitter share " + mean);
    }
    assertEquals(0.25, largestShare[3], 1e-9, "80 s plus jitter stops at the 100 s cap");
    assertEquals(0.0, largestShare[4], 1e-9, "a capped delay stays at the cap");
  }

  @Test
  void theSameSeedGivesTheSameDelays() {
    RetryPolicy policy = EXPONENTIAL.toBuilder().setJitter(1).build();
    Random a = new Random(99);
    Random b = new Random(99);
    for (int n = 1; n <= 20; n++) {
      assertEquals(RetryPlanner.delay(policy, n, a), RetryPlanner.delay(policy, n, b));
    }
  }

  @Test
  void onlyListedExitCodesAreRetried() {
    RetryPolicy policy = FIXED.toBuilder().addRetryOnExitCodes(1).addRetryOnExitCodes(75).build();
    assertEquals(new Retry(Duration.ofSeconds(30), 1), failed(policy, 1, 75));
    assertEquals(new Retry(Duration.ofSeconds(30), 2), failed(policy, 2, 1));
    assertEquals(new NotRetryable("exit code 2 not in retry_on_exit_codes [1, 75]"), failed(policy, 1, 2));
    // A command that could not start (no exit code) is retried only without a list.
    Decision noExitCode = RetryPlanner.decide(policy, 1, ATTEMPT_OUTCOME_FAILED, OptionalInt.empty(), NO_DRAWS);
    assertInstanceOf(NotRetryable.class, noExitCode);
    assertTrue(((NotRetryable) noExitCode).reason().startsWith("failed without an exit code"), noExitCode.toString());
    assertEquals(new Retry(Duration.ofSeconds(30), 1),
        RetryPlanner.decide(FIXED, 1, ATTEMPT_OUTCOME_FAILED, OptionalInt.empty(), NO_DRAWS));
  }

  @Test
  void aTimedOutAttemptIsRetriedWhateverTheExitCodeList() {
    RetryPolicy policy = FIXED.toBuilder().addRetryOnExitCodes(75).build();
    assertEquals(new Retry(Duration.ofSeconds(30), 1),
        RetryPlanner.decide(policy, 1, ATTEMPT_OUTCOME_TIMED_OUT, OptionalInt.empty(), NO_DRAWS));
    assertEquals(new Exhausted("timed out after 3 retries"),
        RetryPlanner.decide(policy, 4, ATTEMPT_OUTCOME_TIMED_OUT, OptionalInt.empty(), NO_DRAWS));
  }

  @Test
  void zeroMaxRetriesIsExhaustedAtTheFirstFailure() {
    RetryPolicy policy = FIXED.toBuilder().setMaxRetries(0).build();
    assertEquals(new Exhausted("exit code 3; max_retries is 0"), failed(policy, 1, 3));
  }

  @Test
  void aHundredRetriesDoNotOverflow() {
    RetryPolicy huge = EXPONENTIAL.toBuilder().setMultiplier(100).setInitialDelay(Durations.fromDays(30))
        .setMaxDelay(Durations.fromDays(30)).setJitter(1).build();
    assertEquals(new Retry(Duration.ofDays(30), 100),
        RetryPlanner.decide(huge, 100, ATTEMPT_OUTCOME_FAILED, OptionalInt.of(1), new Random(1)));
    assertEquals(Duration.ofSeconds(300), delayOf(failed(EXPONENTIAL, 100, 1)));
    assertEquals(Duration.ofSeconds(300), RetryPlanner.delay(EXPONENTIAL, Integer.MAX_VALUE, NO_DRAWS));
    assertEquals(new Exhausted("exit code 1 after 100 retries"), failed(EXPONENTIAL, 101, 1));
  }

  @Test
  void otherOutcomesAreNotForThePlanner() {
    for (AttemptOutcome o : new AttemptOutcome[] {AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED,
        AttemptOutcome.ATTEMPT_OUTCOME_LOST, AttemptOutcome.ATTEMPT_OUTCOME_REJECTED,
        AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED}) {
      assertThrows(IllegalArgumentException.class,
          () -> RetryPlanner.decide(FIXED, 1, o, OptionalInt.empty(), NO_DRAWS), o.name());
    }
    assertThrows(IllegalArgumentException.class, () -> failed(FIXED, 0, 1));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
