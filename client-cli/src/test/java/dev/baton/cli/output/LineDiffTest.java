package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineDiffTest {
  @Test
  void changedLinesAreShownRemovedThenAddedAndTheRestLeftOut() {
    assertEquals(List.of(), LineDiff.changes(List.of("a", "b"), List.of("a", "b")));
    assertEquals(List.of("- schedule: daily", "+ schedule: hourly", "+ slots: 2"),
        LineDiff.changes(List.of("name: x", "schedule: daily", "timezone: UTC"),
            List.of("name: x", "schedule: hourly", "timezone: UTC", "slots: 2")));
    assertEquals(List.of("- a"), LineDiff.changes(List.of("a", "b"), List.of("b")));
    assertEquals(List.of("+ c"), LineDiff.changes(List.of(), List.of("c")));
  }
}
