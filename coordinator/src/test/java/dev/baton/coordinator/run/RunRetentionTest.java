package dev.baton.coordinator.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.coordinator.dispatch.ReadyQueue;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.GrpcAssertions;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run history stays bounded under a steady load: by age and by count, never touching runs not at rest. */
class RunRetentionTest {
  private static final Job TICK = Job.newBuilder().setName("tick").build();

  @TempDir Path dir;

  @Test
  void aWeekOfAnEverySecondJobKeepsTheStoreFlat() {
    FakeClock clock = FakeClock.at("2026-12-01T00:00:00Z");
    try (Store store = Store.open(dir)) {
      RunStore runs = new RunStore(store, new ReadyQueue(store), new RunEventHub(), clock);
      RunRetention retention = new RunRetention(store, clock, RunRetention.Settings.DEFAULT, () -> List.of("tick"),
          ids -> removeNow(store, runs, ids));
      List<Long> sizes = new ArrayList<>();
      for (int hour = 0; hour < 7 * 24; hour++) {
        try (Batch batch = store.batch()) {
          for (int second = 0; second < 3600; second++) {
            runs.add(batch, NewRun.skipped(TICK, RunReason.RUN_REASON_SCHEDULE, clock.instant(),
                NewRun.OVERLAP_PREFIX + "run still active", 0));
            clock.advance(Duration.ofSeconds(1));
          }
          store.commit(batch);
        }
        if (hour % 6 != 5) {
          continue; // the coordinator sweeps every 10 minutes; every 6 hours here (21,600 runs between sweeps)
        }
        retention.sweep();
        assertTrue(count(store, ColumnFamily.RUNS) <= RunRetention.Settings.DEFAULT.maxRunsPerJob(),
            "hour " + hour + ": " + count(store, ColumnFamily.RUNS) + " runs kept");
        if (hour % 24 == 23) {
          store.flush();
          sizes.add(store.sizeBytes(Optional.empty()));
        }
      }
      assertEquals(1000, count(store, ColumnFamily.RUNS_BY_JOB));
      assertEquals(1000, count(store, ColumnFamily.RUNS_BY_WAVE));
      System.out.println("store size at the end of each day, bytes: " + sizes);
      // 604,800 runs were made; what is kept is the same size on the last day as on the first.
      long first = sizes.get(0);
      long last = sizes.get(sizes.size() - 1);
      assertTrue(last <= first * 3 / 2 + (64 << 10), "store size by day: " + sizes);
    }
  }

  @Test
  void oldRunsGoWithTheirOutputWhileDeadLettersAndActiveRunsStay() {
    FakeClock clock = FakeClock.at("2026-12-01T00:00:00Z");
    try (Store store = Store.open(dir)) {
      RunStore runs = new RunStore(store, new ReadyQueue(store), new RunEventHub(), clock);
      Run finished;
      Run dead;
      Run queued;
      try (Batch batch = store.batch()) {
        finished = runs.add(batch, NewRun.queued(TICK, RunReason.RUN_REASON_MANUAL, clock.instant(), "test"));
        dead = runs.add(batch, NewRun.queued(TICK, RunReason.RUN_REASON_MANUAL, clock.instant(), "test"));
        queued = runs.add(batch, NewRun.queued(TICK, RunReason.RUN_REASON_MANUAL, clock.instant(), "test"));
        runs.put(batch, finished, finished.toBuilder().setState(RunState.RUN_STATE_SUCCEEDED)
            .setAttempts(0, Attempt.newBuilder(finished.getAttempts(0)).setOutputBytes(4)).build());
        batch.put(ColumnFamily.OUTPUT, Keys.output(Long.parseLong(finished.getId()), 1, 0), new byte[] {1, 2, 3, 4});
        runs.put(batch, dead, dead.toBuilder().setState(RunState.RUN_STATE_DEAD_LETTERED).build());
        store.commit(batch);
      }
      clock.advance(Duration.ofDays(8));
      Run recent;
      try (Batch batch = store.batch()) {
        recent = runs.add(batch, NewRun.skipped(TICK, RunReason.RUN_REASON_SCHEDULE, clock.instant(), "x", 0));
        store.commit(batch);
      }
      RunRetention retention = new RunRetention(store, clock, RunRetention.Settings.DEFAULT, () -> List.of("tick"),
          ids -> removeNow(store, runs, ids));
      assertEquals(1, retention.sweep());
      assertTrue(runs.find(finished.getId()).isEmpty());
      assertEquals(0, count(store, ColumnFamily.OUTPUT), "its output went with it");
      assertTrue(runs.find(dead.getId()).isPresent(), "a dead letter stays until redriven or purged");
      assertTrue(runs.find(queued.getId()).isPresent(), "a run not at rest is never removed");
      assertTrue(runs.find(recent.getId()).isPresent());
      assertEquals(0, retention.sweep(), "a second sweep finds nothing more");
    }
  }

  @Test
  void theDispatcherRemovesOnlyRunsStillAtRestAndTheApiThenSaysNotFound() throws Exception {
    FakeClock clock = FakeClock.at("2026-12-01T00:00:00Z");
    try (InProcessCoordinator c = new InProcessCoordinator(dir, clock)) {
      c.client().jobs().createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("old")).build());
      String cancelled = c.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName("old").build())
          .getRun().getId();
      c.client().runs().cancelRun(CancelRunRequest.newBuilder().setId(cancelled).build());
      String waiting = c.client().jobs().triggerJob(TriggerJobRequest.newBuilder().setName("old").setForce(true)
          .build()).getRun().getId();
      clock.advance(Duration.ofDays(8));
      RunRetention retention = new RunRetention(c.coordinator().store(), clock, RunRetention.Settings.DEFAULT,
          c.coordinator().jobs()::names, c.coordinator().dispatcher()::forget);
      assertEquals(1, retention.sweep());
      GrpcAssertions.assertStatus(io.grpc.Status.Code.NOT_FOUND, () -> c.client().runs().getRun(
          GetRunRequest.newBuilder().setId(cancelled).build()));
      assertEquals(RunState.RUN_STATE_QUEUED, c.client().runs().getRun(GetRunRequest.newBuilder().setId(waiting)
          .build()).getState(), "a queued run is never removed, however old");
    }
  }

  /** Removes as the dispatcher does, checking each run again (without the dispatcher's thread). */
  private static CompletableFuture<Integer> removeNow(Store store, RunStore runs, List<Long> ids) {
    int removed = 0;
    try (Batch batch = store.batch()) {
      for (long id : ids) {
        Optional<Run> run = runs.find(Long.toString(id));
        if (run.isPresent() && RunStore.finishedForGood(run.get())) {
          runs.delete(batch, run.get());
          removed++;
        }
      }
      store.commit(batch);
    }
    return CompletableFuture.completedFuture(removed);
  }

  private static long count(Store store, ColumnFamily cf) {
    long[] n = {0};
    store.scan(cf, null, null, false, (key, value) -> {
      n[0]++;
      return true;
    });
    return n[0];
  }
}
