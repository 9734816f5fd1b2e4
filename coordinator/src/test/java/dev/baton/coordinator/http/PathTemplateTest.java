package dev.baton.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PathTemplateTest {
  @Test
  void variablesMatchOneSegmentPercentDecodedAndTheVerbIsLiteral() {
    PathTemplate trigger = PathTemplate.parse("/api/v1/jobs/{name}:trigger");
    assertEquals(Optional.of(Map.of("name", "nightly.backup")), trigger.match("/api/v1/jobs/nightly.backup:trigger"));
    assertEquals(Optional.of(Map.of("name", "a b+c")), trigger.match("/api/v1/jobs/a%20b+c:trigger"));
    assertEquals(Optional.empty(), trigger.match("/api/v1/jobs/x"));
    assertEquals(Optional.empty(), trigger.match("/api/v1/jobs/x/y:trigger"));
    assertEquals(Optional.of(Map.of("job.name", "x")), PathTemplate.parse("/api/v1/jobs/{job.name}")
        .match("/api/v1/jobs/x"));
    assertEquals(Optional.of(Map.of()), PathTemplate.parse("/api/v1/runs:watch").match("/api/v1/runs:watch"));
  }

  @Test
  void templatesOutsideTheSubsetAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("api/v1/jobs"));
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/api/v1/{name=jobs/*}"));
    assertThrows(IllegalArgumentException.class, () -> PathTemplate.parse("/api/v1/**"));
  }
}
