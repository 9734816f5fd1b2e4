package dev.baton.coordinator.dispatch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LabelSelectorTest {
  private static final Map<String, String> GPU_HOST = Map.of("gpu", "true", "zone", "b", "disk", "ssd");

  @Test
  void everyTermMustHold() {
    assertTrue(LabelSelector.parse("gpu=true, zone in (a,b), disk").matches(GPU_HOST));
    assertFalse(LabelSelector.parse("gpu=true, zone in (a,c)").matches(GPU_HOST));
    assertTrue(LabelSelector.parse("arch!=arm").matches(GPU_HOST));
    assertFalse(LabelSelector.parse("disk!=ssd").matches(GPU_HOST));
    assertFalse(LabelSelector.parse("arch").matches(GPU_HOST));
    assertTrue(LabelSelector.parse("").matches(Map.of()));
  }

  @Test
  void aWorkerWithoutTheLabelMatchesNoInTermAndEveryNotEqualsTerm() {
    // Map.of and Set.of refuse null lookups: a missing label must read as "no match", not as an exception.
    assertFalse(LabelSelector.parse("gpu in (a100,h100)").matches(Map.of("zone", "a")));
    assertFalse(LabelSelector.parse("gpu in (a100)").matches(Map.of()));
    assertTrue(LabelSelector.parse("gpu!=a100").matches(Map.of()));
  }

  @Test
  void refusesWhatItCannotRead() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LabelSelector.parse("gpu=>1"));
    assertTrue(e.getMessage().contains("cannot understand 'gpu=>1'"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LabelSelector.parse("zone in ()"));
  }
}
