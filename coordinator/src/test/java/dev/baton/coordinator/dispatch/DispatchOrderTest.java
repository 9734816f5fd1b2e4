package dev.baton.coordinator.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.dispatch.DispatchOrder.Candidate;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DispatchOrderTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final int HIGH = 1;
  private static final int MEDIUM = 2;
  private static final int LOW = 3;

  private static final DispatchSettings PRIORITY = settings(DispatchPolicy.DISPATCH_POLICY_PRIORITY);
  private static final DispatchSettings FCFS = settings(DispatchPolicy.DISPATCH_POLICY_FCFS);
  private static final DispatchSettings SJF = settings(DispatchPolicy.DISPATCH_POLICY_SJF);
  private static final DispatchSettings ROUND_ROBIN = settings(DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN);

  private final JobDurations durations = new JobDurations();
  private final RoundRobinCursor cursor = new RoundRobinCursor();

  private static DispatchSettings settings(DispatchPolicy policy) {
    return DispatchSettings.newBuilder().setPolicy(policy).build();
  }

  /** A run of {@code job} queued {@code waited} before {@link #NOW}. */
  private static Candidate run(long id, String job, int priority, Duration waited) {
    return new Candidate(id, job, priority, NOW.minus(waited));
  }

  private static Candidate run(long id, String job, int priority, long waitedSeconds) {
    return run(id, job, priority, Duration.ofSeconds(waitedSeconds));
  }

  private List<Long> ids(DispatchSettings settings, Collection<Candidate> queued) {
    return DispatchOrder.order(settings, queued, NOW, durations, cursor).stream().map(Candidate::runId).toList();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // PRIORITY

  @Test
  void priorityPutsHighBeforeMediumBeforeLowAndOldestFirstWithinALevel() {
    List<Candidate> queued = List.of(
        run(1, "a", LOW, 30), run(2, "b", MEDIUM, 10), run(3, "c", HIGH, 5),
        run(4, "d", MEDIUM, 20), run(5, "e", HIGH, 50), run(6, "f", LOW, 40));
    assertEquals(List.of(5L, 3L, 4L, 2L, 6L, 1L), ids(PRIORITY, queued));
  }

  @Test
  void anUnsetPolicyIsPriorityAndAnUnspecifiedPriorityIsMedium() {
    List<Candidate> queued = List.of(run(1, "a", LOW, 1), run(2, "b", 0, 1), run(3, "c", HIGH, 1));
    assertEquals(List.of(3L, 2L, 1L), ids(DispatchSettings.getDefaultInstance(), queued));
    assertEquals(List.of(3L, 2L, 1L), ids(settings(DispatchPolicy.DISPATCH_POLICY_UNSPECIFIED), queued));
  }

  @Test
  void tiesGoToTheOlderRunThenTheLowerRunId() {
    List<Candidate> queued = List.of(run(9, "a", MEDIUM, 5), run(7, "b", MEDIUM, 5), run(8, "c", MEDIUM, 6));
    assertEquals(List.of(8L, 7L, 9L), ids(PRIORITY, queued));
  }

  @Test
  void agingLiftsAStarvingLowRunAboveFreshMediumAfterOnePeriodAndAboveFreshHighAfterTwo() {
    Candidate freshHigh = run(1, "h", HIGH, 0);
    Candidate freshMedium = run(2, "m", MEDIUM, 0);

    // Waited exactly one aging period: not yet longer than it.
    assertEquals(List.of(1L, 2L, 3L), ids(PRIORITY, List.of(freshHigh, freshMedium, run(3, "l", LOW, 60))));
    // Longer than one period: ranks with MEDIUM, where it is the oldest.
    assertEquals(List.of(1L, 3L, 2L), ids(PRIORITY, List.of(freshHigh, freshMedium, run(3, "l", LOW, 61))));
    // Longer than two periods: ranks with HIGH, where it is the oldest.
    assertEquals(List.of(3L, 1L, 2L), ids(PRIORITY, List.of(freshHigh, freshMedium, run(3, "l", LOW, 121))));
  }

  @Test
  void agingNeverLiftsAboveHigh() {
    Duration aging = Duration.ofSeconds(60);
    assertEquals(1, DispatchOrder.effectiveLevel(run(1, "l", LOW, Duration.ofDays(365)), NOW, aging));
    assertEquals(1, DispatchOrder.effectiveLevel(run(1, "h", HIGH, Duration.ofDays(365)), NOW, aging));
    assertEquals(2, DispatchOrder.effectiveLevel(run(1, "l", LOW, 61), NOW, aging));
    // An old HIGH run stays ahead of a LOW run that aged to HIGH later than it was queued.
    List<Candidate> queued = List.of(run(1, "l", LOW, 600), run(2, "h", HIGH, 700), run(3, "m", MEDIUM, 650));
    assertEquals(List.of(2L, 3L, 1L), ids(PRIORITY, queued));
  }

  @Test
  void theAgingPeriodComesFromTheSettings() {
    DispatchSettings tenSeconds = PRIORITY.toBuilder().setAging(Durations.fromSeconds(10)).build();
    List<Candidate> queued = List.of(run(1, "h", HIGH, 0), run(2, "l", LOW, 21));
    assertEquals(List.of(2L, 1L), ids(tenSeconds, queued));
    assertEquals(List.of(1L, 2L), ids(PRIORITY, queued));
    assertEquals(Duration.ofSeconds(60), DispatchOrder.agingOf(PRIORITY));
    assertEquals(Duration.ofSeconds(10), DispatchOrder.agingOf(tenSeconds));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // FCFS

  @Test
  void fcfsTakesTheOldestFirstWhateverItsPriority() {
    List<Candidate> queued = List.of(run(1, "a", HIGH, 10), run(2, "b", LOW, 30), run(4, "c", MEDIUM, 20),
        run(3, "d", HIGH, 20));
    assertEquals(List.of(2L, 3L, 4L, 1L), ids(FCFS, queued));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // SJF

  @Test
  void sjfTakesTheShortestExpectedRunFirst() {
    durations.record("slow", Duration.ofSeconds(5));
    durations.record("fast", Duration.ofMillis(10));
    List<Candidate> queued = List.of(run(1, "slow", HIGH, 100), run(2, "fast", LOW, 1), run(3, "slow", LOW, 50),
        run(4, "fast", LOW, 2));
    // Shortest first; within a job (equal expectations) oldest first.
    assertEquals(List.of(4L, 2L, 1L, 3L), ids(SJF, queued));
  }

  @Test
  void sjfExpectsTheMedianOfAllJobsForAJobItHasNotSeen() {
    durations.record("fast", Duration.ofMillis(10));
    durations.record("medium", Duration.ofSeconds(1));
    durations.record("slow", Duration.ofSeconds(5));
    durations.record("slower", Duration.ofSeconds(60));
    // Median of 10 ms, 1 s, 5 s, 60 s is 3 s: the new job goes between medium and slow.
    List<Candidate> queued = List.of(run(1, "slower", MEDIUM, 40), run(2, "new", MEDIUM, 1),
        run(3, "slow", MEDIUM, 30), run(4, "medium", MEDIUM, 20), run(5, "fast", MEDIUM, 10));
    assertEquals(List.of(5L, 4L, 2L, 3L, 1L), ids(SJF, queued));
  }

  @Test
  void sjfWithNothingKnownIsFcfs() {
    List<Candidate> queued = List.of(run(1, "a", HIGH, 10), run(2, "b", LOW, 30), run(3, "c", MEDIUM, 20));
    assertEquals(List.of(2L, 3L, 1L), ids(SJF, queued));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ROUND_ROBIN

  private static List<Candidate> backlog(String job, int runs, long firstId, long oldestWaitSeconds) {
    List<Candidate> out = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      out.add(run(firstId + i, job, MEDIUM, oldestWaitSeconds - i));
    }
    return out;
  }

  @Test
  void roundRobinDoesNotLetABacklogHoldBackAJobWithOneRun() {
    List<Candidate> queued = new ArrayList<>(backlog("a", 1_000, 1, 10_000));
    queued.add(run(5_000, "b", MEDIUM, 1)); // the newest run of all
    List<Candidate> order = DispatchOrder.order(ROUND_ROBIN, queued, NOW, durations, cursor);
    assertTrue(order.subList(0, 2).stream().anyMatch(c -> c.job().equals("b")), order.subList(0, 2).toString());
    assertEquals(1_001, order.size());
    // After a's oldest run was served, b comes first.
    cursor.served("a");
    assertEquals(5_000L, DispatchOrder.order(ROUND_ROBIN, queued, NOW, durations, cursor).get(0).runId());
  }

  @Test
  void roundRobinAlternatesJobsAcrossDispatchRounds() {
    List<Candidate> queued = new ArrayList<>(backlog("a", 1_000, 1, 10_000));
    queued.addAll(backlog("b", 3, 5_000, 5));
    List<String> served = new ArrayList<>();
    for (int round = 0; round < 8; round++) {
      // One free slot per round: the dispatcher places the first run it is offered.
      Candidate first = DispatchOrder.order(ROUND_ROBIN, queued, NOW, durations, cursor).get(0);
      cursor.served(first.job());
      queued.remove(first);
      served.add(first.job());
    }
    assertEquals(List.of("a", "b", "a", "b", "a", "b", "a", "a"), served);
  }

  @Test
  void roundRobinDealsOneRunPerJobPerPassOldestFirst() {
    List<Candidate> queued = List.of(run(1, "a", MEDIUM, 50), run(2, "a", MEDIUM, 40), run(3, "a", MEDIUM, 30),
        run(4, "c", MEDIUM, 20), run(5, "b", MEDIUM, 10), run(6, "c", MEDIUM, 60));
    assertEquals(List.of(1L, 5L, 6L, 2L, 4L, 3L), ids(ROUND_ROBIN, queued));
    cursor.served("b");
    assertEquals(List.of(6L, 1L, 5L, 4L, 2L, 3L), ids(ROUND_ROBIN, queued));
    // A cursor past every job wraps around; one between jobs starts at the next job by name.
    cursor.served("zzz");
    assertEquals(1L, ids(ROUND_ROBIN, queued).get(0));
    cursor.served("bb");
    assertEquals(6L, ids(ROUND_ROBIN, queued).get(0));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // All policies

  @Test
  void everyPolicyReturnsEachOfTenThousandRunsOnce() {
    Random random = new Random(7);
    List<Candidate> queued = new ArrayList<>(backlog("big", 5_000, 1, 50_000));
    for (int i = 0; i < 5_000; i++) {
      String job = "job-" + random.nextInt(2_000);
      queued.add(run(100_000 + i, job, 1 + random.nextInt(3), random.nextInt(600)));
      if (i % 3 == 0) {
        durations.record(job, Duration.ofMillis(1 + random.nextInt(10_000)));
      }
    }
    List<Candidate> before = List.copyOf(queued);
    for (DispatchSettings s : List.of(PRIORITY, FCFS, SJF, ROUND_ROBIN)) {
      List<Candidate> order = DispatchOrder.order(s, queued, NOW, durations, cursor);
      assertEquals(queued.size(), order.size(), s.getPolicy().name());
      assertEquals(new HashSet<>(queued), new HashSet<>(order), s.getPolicy().name());
    }
    assertEquals(before, queued, "the input is not modified");
  }

  @Test
  void aCandidateRoundTripsWithItsReadyQueueEntry() {
    ReadyQueue.Entry entry = new ReadyQueue.Entry(LOW, NOW.toEpochMilli(), 42);
    Candidate c = Candidate.of(entry, "backup");
    assertEquals(new Candidate(42, "backup", LOW, NOW), c);
    assertEquals(entry, c.entry());
  }
}
