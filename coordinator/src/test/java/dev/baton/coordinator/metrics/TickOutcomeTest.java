package dev.baton.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.coordinator.run.NewRun;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import java.util.List;
import org.junit.jupiter.api.Test;

class TickOutcomeTest {
  private static Run.Builder tick(RunState state, String reason) {
    return Run.newBuilder().setReason(RunReason.RUN_REASON_SCHEDULE).setState(state).setStateReason(reason);
  }

  @Test
  void aQueuedTickRanAndTheTicksFoldedIntoItWereMissed() {
    assertEquals(List.of(new TickOutcome("ran", "none", 1)), TickOutcome.of(tick(RunState.RUN_STATE_QUEUED, "")
        .build()));
    assertEquals(List.of(new TickOutcome("ran", "none", 1), new TickOutcome("missed", "misfire", 3)),
        TickOutcome.of(tick(RunState.RUN_STATE_QUEUED, "").setMissedTicks(3).build()));
  }

  @Test
  void skippedTicksAreToldApartByTheirCause() {
    assertEquals(List.of(new TickOutcome("missed", "misfire", 5)), TickOutcome.of(tick(RunState.RUN_STATE_SKIPPED,
        NewRun.MISFIRE_PREFIX + "5 tick(s) missed").setMissedTicks(5).build()));
    assertEquals(List.of(new TickOutcome("skipped", "overlap", 1)), TickOutcome.of(tick(RunState.RUN_STATE_SKIPPED,
        NewRun.OVERLAP_PREFIX + "run 4 is still active").build()));
    assertEquals(List.of(new TickOutcome("skipped", "error", 1)), TickOutcome.of(tick(RunState.RUN_STATE_SKIPPED,
        NewRun.ERROR_PREFIX + "boom").build()));
    assertEquals(List.of(new TickOutcome("skipped", "upstream", 1)), TickOutcome.of(tick(RunState.RUN_STATE_SKIPPED,
        "upstream backup failed").build()));
  }

  @Test
  void runsThatStandForNoTickCountNone() {
    assertEquals(List.of(), TickOutcome.of(tick(RunState.RUN_STATE_QUEUED, "").setReason(RunReason.RUN_REASON_MANUAL)
        .build()));
  }
}
