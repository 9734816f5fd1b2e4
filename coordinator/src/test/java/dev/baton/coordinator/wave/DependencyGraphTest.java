package dev.baton.coordinator.wave;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DependencyGraphTest {
  @Test
  void findsTheCycleAnUpdateWouldClose() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    assertEquals(Optional.of(List.of("a", "b", "a")), g.cycleIf("a", List.of("b")));
    assertEquals("a -> b -> a", DependencyGraph.describe(g.cycleIf("a", List.of("b")).orElseThrow()));
  }

  @Test
  void findsLongerCyclesAndNamesEveryHop() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("c"));
    g.setDependencies("c", List.of("a", "x"));
    assertEquals("a -> b -> c -> a", DependencyGraph.describe(g.cycleIf("a", List.of("z", "b")).orElseThrow()));
  }

  @Test
  void aDiamondIsNotACycle() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("c", List.of("a"));
    assertTrue(g.cycleIf("d", List.of("b", "c")).isEmpty());
  }

  @Test
  void transitiveDependentsComeBeforeWhatTheyDependOn() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("c", List.of("a"));
    g.setDependencies("d", List.of("b", "c"));
    List<String> order = g.transitiveDependents("a");
    assertEquals(Set.of("b", "c", "d"), Set.copyOf(order));
    assertTrue(order.indexOf("d") < order.indexOf("b"));
    assertTrue(order.indexOf("d") < order.indexOf("c"));
  }

  @Test
  void replacingAndRemovingEdges() {
    DependencyGraph g = new DependencyGraph();
    g.setDependencies("b", List.of("a"));
    g.setDependencies("b", List.of("c"));
    assertEquals(Set.of(), g.dependentsOf("a"));
    assertEquals(Set.of("b"), g.dependentsOf("c"));
    g.remove("b");
    assertEquals(Set.of(), g.dependentsOf("c"));
    assertEquals(Set.of(), g.dependenciesOf("b"));
  }
}
