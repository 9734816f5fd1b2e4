package dev.baton.coordinator.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.collect.ImmutableList;
import dev.baton.coordinator.run.NewRun;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RunReason;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs queued for a later time (ticks decided ahead) are held until then, at every priority, also after a load. */
class ReadyQueueTest {
  private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

  @TempDir Path dir;

  @Test
  void runsQueuedForLaterAreHeldUntilTheirTimeAtEveryPriority() {
    FakeClock clock = new FakeClock(NOW);
    try (Store store = Store.open(dir)) {
      ReadyQueue queue = new ReadyQueue(store);
      RunStore runs = new RunStore(store, queue, new RunEventHub(), clock);
      try (Batch batch = store.batch()) {
        add(runs, batch, "high-later", Priority.PRIORITY_HIGH, NOW.plusMillis(800));
        add(runs, batch, "high-now", Priority.PRIORITY_HIGH, NOW.minusSeconds(1));
        add(runs, batch, "low-now", Priority.PRIORITY_LOW, NOW);
        add(runs, batch, "low-later", Priority.PRIORITY_LOW, NOW.plusMillis(300));
        store.commit(batch);
      }
      assertEquals(List.of("high-now", "low-now"), jobs(queue, queue.readyAt(NOW)));
      assertEquals(Optional.of(NOW.plusMillis(300)), queue.firstHeldAfter(NOW));
      assertEquals(List.of("high-now", "low-now", "low-later"), jobs(queue, queue.readyAt(NOW.plusMillis(300))));
      assertEquals(Optional.of(NOW.plusMillis(800)), queue.firstHeldAfter(NOW.plusMillis(300)));
      assertEquals(List.of("high-now", "high-later", "low-now", "low-later"),
          jobs(queue, queue.readyAt(NOW.plusSeconds(1))));
      assertEquals(Optional.empty(), queue.firstHeldAfter(NOW.plusSeconds(1)));

      ReadyQueue loaded = new ReadyQueue(store);
      loaded.load();
      assertEquals(List.of("high-now", "low-now"), jobs(loaded, loaded.readyAt(NOW)));
      assertEquals(Optional.of(NOW.plusMillis(300)), loaded.firstHeldAfter(NOW));
    }
  }

  private static void add(RunStore runs, Batch batch, String job, Priority priority, Instant scheduled) {
    runs.add(batch, NewRun.queued(Job.newBuilder().setName(job).setPriority(priority).build(),
        RunReason.RUN_REASON_SCHEDULE, scheduled, "scheduler"));
  }

  private static List<String> jobs(ReadyQueue queue, Iterable<ReadyQueue.Entry> entries) {
    return ImmutableList.copyOf(entries).stream().map(queue::jobOf).toList();
  }
}
