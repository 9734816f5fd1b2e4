package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.RunState;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnumTextTest {
  @Test
  void namesDropThePrefixAndUseDashes() {
    assertEquals("queue-one", EnumText.name(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE));
    assertEquals("exponential", EnumText.name(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL));
    assertEquals("dead-lettered", EnumText.name(RunState.RUN_STATE_DEAD_LETTERED));
    assertEquals("", EnumText.name(Priority.PRIORITY_UNSPECIFIED));
    assertEquals(List.of("high", "medium", "low"), EnumText.names(Priority.getDescriptor()));
  }

  @Test
  void parsingAcceptsAnyCaseDashesUnderscoresAndTheFullName() {
    for (String text : List.of("queue-one", "QUEUE_ONE", "Queue-One", "OVERLAP_POLICY_QUEUE_ONE", " queue_one ")) {
      assertEquals(OverlapPolicy.OVERLAP_POLICY_QUEUE_ONE.getValueDescriptor(),
          EnumText.parse(OverlapPolicy.getDescriptor(), text), text);
    }
  }

  @Test
  void parsingRefusesUnspecifiedAndUnknownNamesListingTheChoices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EnumText.parse(Priority.getDescriptor(), "unspecified"));
    assertEquals("'unspecified' is not one of high, medium, low", e.getMessage());
  }
}
