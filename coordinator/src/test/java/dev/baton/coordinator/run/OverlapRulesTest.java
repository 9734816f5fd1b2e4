package dev.baton.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.baton.proto.v1.OverlapPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlapRulesTest {
  private static OverlapRules.Decision tick(OverlapPolicy p, Long... active) {
    return OverlapRules.decide("j", p, List.of(active), false, false);
  }

  private static OverlapRules.Decision trigger(OverlapPolicy p, boolean force, Long... active) {
    return OverlapRules.decide("j", p, List.of(active), true, force);
  }

  @Test
  void nothingActiveAlwaysStarts() {
    for (OverlapPolicy p : List.of(OverlapPolicy.OVERLAP_POLICY_FORBID, OverlapPolicy.OVERLAP_POLICY_REPLACE,
        OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE, OverlapPolicy.OVERLAP_POLICY_ALLOW)) {
      assertInstanceOf(OverlapRules.Start.class, tick(p));
    }
  }

  @Test
  void forbidSkipsATickAndRefusesATriggerUnlessForced() {
    assertEquals("overlap: run 7 of job j is still active (overlap: forbid)",
        ((OverlapRules.Skip) tick(OverlapPolicy.OVERLAP_POLICY_FORBID, 7L)).reason());
    assertInstanceOf(OverlapRules.Refuse.class, trigger(OverlapPolicy.OVERLAP_POLICY_FORBID, false, 7L));
    assertInstanceOf(OverlapRules.Start.class, trigger(OverlapPolicy.OVERLAP_POLICY_FORBID, true, 7L));
  }

  @Test
  void allowAlwaysStartsAndReplaceCancelsTheActiveOnes() {
    assertInstanceOf(OverlapRules.Start.class, tick(OverlapPolicy.OVERLAP_POLICY_ALLOW, 1L, 2L, 3L));
    assertEquals(List.of(4L, 5L), ((OverlapRules.Replace) tick(OverlapPolicy.OVERLAP_POLICY_REPLACE, 4L, 5L)).cancel());
    assertInstanceOf(OverlapRules.Replace.class, trigger(OverlapPolicy.OVERLAP_POLICY_REPLACE, false, 4L));
  }

  @Test
  void queueOneKeepsAtMostOneWaiting() {
    assertInstanceOf(OverlapRules.Start.class, tick(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE, 1L));
    assertEquals("overlap: run 2 already waits behind run 1 (overlap: queue-one)",
        ((OverlapRules.Skip) tick(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE, 1L, 2L)).reason());
    assertInstanceOf(OverlapRules.Refuse.class, trigger(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE, false, 1L, 2L));
    assertInstanceOf(OverlapRules.Start.class, trigger(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE, true, 1L, 2L));
  }
}
