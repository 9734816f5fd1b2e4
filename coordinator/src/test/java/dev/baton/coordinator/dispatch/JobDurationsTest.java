package dev.baton.coordinator.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JobDurationsTest {
  private final JobDurations durations = new JobDurations();

  @Test
  void theFirstSampleSetsTheAverageAndLaterOnesMoveItByThirtyPercent() {
    assertEquals(Optional.empty(), durations.expected("etl"));
    durations.record("etl", Duration.ofMillis(100));
    assertEquals(Optional.of(Duration.ofMillis(100)), durations.expected("etl"));
    durations.record("etl", Duration.ofMillis(200)); // 0.3 * 200 + 0.7 * 100
    assertEquals(Optional.of(Duration.ofMillis(130)), durations.expected("etl"));
    durations.record("etl", Duration.ofMillis(100)); // 0.3 * 100 + 0.7 * 130
    assertEquals(Optional.of(Duration.ofMillis(121)), durations.expected("etl"));
    assertEquals(Optional.empty(), durations.expected("other"));
  }

  @Test
  void aSteadyDurationConvergesAndOneOutlierOnlyNudgesIt() {
    for (int i = 0; i < 50; i++) {
      durations.record("job", Duration.ofSeconds(2));
    }
    durations.record("job", Duration.ofSeconds(12)); // 0.3 * 12 + 0.7 * 2
    assertEquals(Optional.of(Duration.ofSeconds(5)), durations.expected("job"));
  }

  @Test
  void theMedianIsTakenOverTheJobsAverages() {
    assertEquals(Optional.empty(), durations.medianOfAllJobs());
    durations.record("a", Duration.ofSeconds(10));
    durations.record("b", Duration.ofSeconds(1));
    durations.record("c", Duration.ofSeconds(2));
    assertEquals(Optional.of(Duration.ofSeconds(2)), durations.medianOfAllJobs());
    durations.record("d", Duration.ofSeconds(4)); // even count: the mean of 2 s and 4 s
    assertEquals(Optional.of(Duration.ofSeconds(3)), durations.medianOfAllJobs());
    // Many samples of one job still count as one job.
    for (int i = 0; i < 10; i++) {
      durations.record("a", Duration.ofSeconds(10));
    }
    assertEquals(Optional.of(Duration.ofSeconds(3)), durations.medianOfAllJobs());
    durations.record("b", Duration.ofSeconds(11)); // b: 0.3 * 11 + 0.7 * 1 = 4 s; averages 2, 4, 4, 10
    assertEquals(Optional.of(Duration.ofSeconds(4)), durations.medianOfAllJobs());
  }

  @Test
  void aForgottenJobLeavesTheMedian() {
    durations.record("a", Duration.ofSeconds(1));
    durations.record("b", Duration.ofSeconds(9));
    assertEquals(Optional.of(Duration.ofSeconds(5)), durations.medianOfAllJobs());
    durations.forget("b");
    assertEquals(Optional.of(Duration.ofSeconds(1)), durations.medianOfAllJobs());
    assertEquals(Optional.empty(), durations.expected("b"));
    assertEquals(1, durations.size());
  }

  @Test
  void aNegativeDurationIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> durations.record("a", Duration.ofMillis(-1)));
  }
}
