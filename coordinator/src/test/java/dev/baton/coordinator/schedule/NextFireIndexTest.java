package dev.baton.coordinator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class NextFireIndexTest {

  private static final Instant T0 = Instant.parse("2026-06-15T12:00:00Z");

  private static Map.Entry<String, Instant> entry(String job, Instant time) {
    return Map.entry(job, time);
  }

  @Test
  void emptyIndex() {
    NextFireIndex index = new NextFireIndex();
    assertEquals(0, index.size());
    assertEquals(Optional.empty(), index.earliest());
    assertEquals(Optional.empty(), index.nextFireOf("a"));
    assertEquals(List.of(), index.due(T0));
  }

  @Test
  void dueIsInTimeOrderThenNameAndIncludesNow() {
    NextFireIndex index = new NextFireIndex();
    index.put("c", T0.plusSeconds(10));
    index.put("b", T0);
    index.put("a", T0);
    index.put("z", T0.minusSeconds(5));
    index.put("later", T0.plusSeconds(11));
    assertEquals(
        List.of(entry("z", T0.minusSeconds(5)), entry("a", T0), entry("b", T0)), index.due(T0));
    assertEquals(
        List.of(
            entry("z", T0.minusSeconds(5)),
            entry("a", T0),
            entry("b", T0),
            entry("c", T0.plusSeconds(10))),
        index.due(T0.plusSeconds(10)));
    // due() does not remove.
    assertEquals(5, index.size());
    assertEquals(Optional.of(T0.minusSeconds(5)), index.earliest());
  }

  @Test
  void putReplacesTheJobsEntry() {
    NextFireIndex index = new NextFireIndex();
    index.put("a", T0);
    index.put("a", T0.plusSeconds(60));
    assertEquals(1, index.size());
    assertEquals(Optional.of(T0.plusSeconds(60)), index.nextFireOf("a"));
    assertEquals(List.of(), index.due(T0.plusSeconds(59)));
    assertEquals(List.of(entry("a", T0.plusSeconds(60))), index.due(T0.plusSeconds(60)));
    index.put("a", T0.minusSeconds(60)); // moving earlier works too
    assertEquals(List.of(entry("a", T0.minusSeconds(60))), index.due(T0));
    index.put("a", T0.minusSeconds(60)); // the same time again: still one entry
    assertEquals(1, index.due(T0).size());
  }

  @Test
  void removeDropsTheEntry() {
    NextFireIndex index = new NextFireIndex();
    index.put("a", T0);
    index.put("b", T0.plusSeconds(1));
    index.remove("a");
    index.remove("never-added");
    assertEquals(1, index.size());
    assertEquals(Optional.empty(), index.nextFireOf("a"));
    assertEquals(Optional.of(T0.plusSeconds(1)), index.earliest());
    assertEquals(List.of(entry("b", T0.plusSeconds(1))), index.due(T0.plusSeconds(5)));
  }

  @Test
  void aHundredThousandEntriesReturnOnlyTheDueOnes() {
    NextFireIndex index = new NextFireIndex();
    int jobs = 100_000;
    for (int i = 0; i < jobs; i++) {
      // One job per second, starting at T0; inserted in a scrambled order.
      int k = (int) ((i * 7919L) % jobs);
      index.put(String.format("job-%06d", k), T0.plusSeconds(k));
    }
    assertEquals(jobs, index.size());
    assertEquals(Optional.of(T0), index.earliest());

    List<Map.Entry<String, Instant>> due = index.due(T0.plusSeconds(41));
    assertEquals(42, due.size());
    for (int k = 0; k < due.size(); k++) {
      assertEquals(entry(String.format("job-%06d", k), T0.plusSeconds(k)), due.get(k));
    }
    assertEquals(List.of(), index.due(T0.minusNanos(1)));

    // Re-schedule the due ones far ahead, as a tick would: the next tick sees only new ones.
    for (Map.Entry<String, Instant> e : due) {
      index.put(e.getKey(), T0.plusSeconds(jobs + 1000));
    }
    assertEquals(jobs, index.size());
    assertEquals(List.of(entry("job-000042", T0.plusSeconds(42))), index.due(T0.plusSeconds(42)));
    assertEquals(jobs, index.due(T0.plusSeconds(jobs + 1000)).size());
  }

  @Test
  void concurrentPutsOfTheSameJobsLeaveOneEntryEach() throws Exception {
    NextFireIndex index = new NextFireIndex();
    int threads = 4;
    int jobs = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        done.add(
            pool.submit(
                () -> {
                  start.await();
                  for (int round = 0; round < 50; round++) {
                    for (int j = 0; j < jobs; j++) {
                      index.put("job-" + j, T0.plusSeconds((j + round + offset) % 97));
                    }
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdown();
      assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }
    assertEquals(jobs, index.size());
    List<Map.Entry<String, Instant>> all = index.due(T0.plusSeconds(1000));
    assertEquals(jobs, all.size());
    for (Map.Entry<String, Instant> e : all) {
      assertEquals(index.nextFireOf(e.getKey()), Optional.of(e.getValue()));
    }
  }
}
