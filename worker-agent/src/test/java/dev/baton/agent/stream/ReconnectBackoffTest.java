package dev.baton.agent.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectBackoffTest {
  private static void assertBetween(long lowMillis, long highMillis, Duration actual) {
    assertTrue(actual.toMillis() >= lowMillis && actual.toMillis() <= highMillis,
        actual + " not within " + lowMillis + ".." + highMillis + " ms");
  }

  @Test
  void doublesFromATenthOfASecondWithJitterUpToTheCap() {
    Duration cap = Duration.ofMillis(1750);
    for (int i = 0; i < 200; i++) {
      assertBetween(50, 100, CoordinatorLink.backoff(0, cap));
      assertBetween(100, 200, CoordinatorLink.backoff(1, cap));
      assertBetween(400, 800, CoordinatorLink.backoff(3, cap));
      assertBetween(875, 1750, CoordinatorLink.backoff(10, cap));
      assertBetween(875, 1750, CoordinatorLink.backoff(Integer.MAX_VALUE, cap));
    }
  }

  @Test
  void theCapLeavesSeveralTriesBeforeTheAgentFencesItselfOff() {
    assertEquals(Duration.ofMillis(1750), CoordinatorLink.backoffCap(Duration.ofSeconds(7))); // the defaults
    assertEquals(Duration.ofMillis(500), CoordinatorLink.backoffCap(Duration.ofSeconds(2)));
    assertEquals(Duration.ofSeconds(5), CoordinatorLink.backoffCap(Duration.ofMinutes(5)));
    assertEquals(Duration.ofMillis(100), CoordinatorLink.backoffCap(Duration.ofMillis(200)));
  }
}
