package dev.baton.coordinator.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {
  record Worker(String name, Map<String, String> labels, int freeSlots, boolean draining, boolean ready,
      long lastAssignedSequence, Set<String> refused) implements Placement.Candidate {
    static Worker of(String name, int freeSlots, Map<String, String> labels) {
      return new Worker(name, labels, freeSlots, false, true, 0, Set.of());
    }

    Worker drained() {
      return new Worker(name, labels, freeSlots, true, ready, lastAssignedSequence, refused);
    }

    Worker assignedAt(long sequence) {
      return new Worker(name, labels, freeSlots, draining, ready, sequence, refused);
    }

    Worker notReady() {
      return new Worker(name, labels, freeSlots, draining, false, lastAssignedSequence, refused);
    }

    Worker refusing(String job) {
      return new Worker(name, labels, freeSlots, draining, ready, lastAssignedSequence, Set.of(job));
    }

    @Override
    public boolean acceptsWork() {
      return !draining && ready;
    }

    @Override
    public boolean refuses(String job) {
      return refused.contains(job);
    }
  }

  private static final LabelSelector ANY = LabelSelector.parse("");
  private static final LabelSelector GPU = LabelSelector.parse("gpu");
  private static final String JOB = "backup";

  private static Optional<String> chosen(List<Worker> workers, LabelSelector selector, int slots) {
    return Placement.choose(workers, selector, slots, JOB).map(Worker::name);
  }

  @Test
  void theMatchingWorkerWithTheMostFreeSlotsWins() {
    List<Worker> workers = List.of(Worker.of("a", 2, Map.of()), Worker.of("b", 3, Map.of("gpu", "true")),
        Worker.of("c", 1, Map.of("gpu", "true")));
    assertEquals(Optional.of("b"), chosen(workers, ANY, 1));
    assertEquals(Optional.of("b"), chosen(workers, GPU, 1));
    assertEquals(Optional.of("a"), chosen(workers, LabelSelector.parse("gpu!=true"), 1));
  }

  @Test
  void tiesGoToTheLeastRecentlyAssigned() {
    List<Worker> workers = List.of(Worker.of("a", 2, Map.of()).assignedAt(9), Worker.of("b", 2, Map.of()).assignedAt(4));
    assertEquals(Optional.of("b"), chosen(workers, ANY, 1));
  }

  @Test
  void aWorkerWithoutEnoughFreeSlotsDrainingOrNotReadyGetsNothing() {
    assertEquals(Optional.empty(), chosen(List.of(Worker.of("a", 1, Map.of())), ANY, 2));
    assertEquals(Optional.empty(), chosen(List.of(Worker.of("a", 4, Map.of()).drained()), ANY, 1));
    assertEquals(Optional.empty(), chosen(List.of(Worker.of("a", 4, Map.of()).notReady()), ANY, 1));
    assertEquals(Optional.of("b"), chosen(List.of(Worker.of("a", 4, Map.of()).drained(), Worker.of("b", 1, Map.of())),
        ANY, 1));
  }

  @Test
  void aRunThatCannotBePlacedSaysWhyUnlessItOnlyWaitsForASlot() {
    Worker busyGpu = Worker.of("g", 0, Map.of("gpu", "true"));
    Worker plain = Worker.of("p", 4, Map.of());
    assertEquals("", Placement.waitingReason(List.of(busyGpu, plain), GPU, JOB));
    assertEquals("no worker matches selector gpu", Placement.waitingReason(List.of(plain), GPU, JOB));
    assertEquals("every worker matching selector gpu is draining",
        Placement.waitingReason(List.of(busyGpu.drained(), plain), GPU, JOB));
    assertEquals("no worker is connected", Placement.waitingReason(List.of(), ANY, JOB));
    assertEquals("every worker is draining", Placement.waitingReason(List.of(plain.drained()), ANY, JOB));
  }

  @Test
  void aWorkerThatRefusedAJobGetsNoMoreOfItButOtherJobs() {
    Worker strict = Worker.of("strict", 8, Map.of()).refusing(JOB);
    Worker small = Worker.of("small", 1, Map.of());
    assertEquals(Optional.of("small"), chosen(List.of(strict, small), ANY, 1));
    assertEquals(Optional.empty(), chosen(List.of(strict), ANY, 1));
    assertEquals(Optional.of("strict"), Placement.choose(List.of(strict, small), ANY, 1, "other").map(Worker::name));
    assertEquals("every worker is draining or refused this job by its limits (see the job's failed runs)",
        Placement.waitingReason(List.of(strict), ANY, JOB));
  }
}
