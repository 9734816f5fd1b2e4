package dev.baton.coordinator.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.run.NewRun;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WebhookEvent;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A run's event is told once, when it comes to rest; a failure that will be retried is no event yet. */
class NotifyEventsTest {
  private static Run run(RunState state) {
    return Run.newBuilder().setId("1").setJob("j").setState(state).build();
  }

  @Test
  void eachRestingStateIsItsEvent() {
    assertEquals(Optional.of(WebhookEvent.WEBHOOK_EVENT_SUCCEEDED),
        NotifyEvents.of(Optional.of(run(RunState.RUN_STATE_RUNNING)), run(RunState.RUN_STATE_SUCCEEDED)));
    assertEquals(Optional.of(WebhookEvent.WEBHOOK_EVENT_FAILED),
        NotifyEvents.of(Optional.of(run(RunState.RUN_STATE_RUNNING)), run(RunState.RUN_STATE_TIMED_OUT)));
    assertEquals(Optional.of(WebhookEvent.WEBHOOK_EVENT_DEAD_LETTERED),
        NotifyEvents.of(Optional.of(run(RunState.RUN_STATE_RUNNING)), run(RunState.RUN_STATE_DEAD_LETTERED)));
    assertEquals(Optional.of(WebhookEvent.WEBHOOK_EVENT_SKIPPED), NotifyEvents.of(Optional.empty(),
        run(RunState.RUN_STATE_SKIPPED).toBuilder().setStateReason(NewRun.OVERLAP_PREFIX + "busy").build()));
    assertEquals(Optional.of(WebhookEvent.WEBHOOK_EVENT_MISSED), NotifyEvents.of(Optional.empty(),
        run(RunState.RUN_STATE_SKIPPED).toBuilder().setStateReason(NewRun.MISFIRE_PREFIX + "3 ticks").build()));
    assertEquals(Optional.empty(),
        NotifyEvents.of(Optional.of(run(RunState.RUN_STATE_QUEUED)), run(RunState.RUN_STATE_CANCELLED)));
  }

  @Test
  void aFailureWithARetryPendingIsNoEventUntilItComesToRest() {
    Run retrying = run(RunState.RUN_STATE_FAILED).toBuilder().setNextAttemptTime(Timestamps.fromSeconds(100))
        .build();
    assertEquals(Optional.empty(), NotifyEvents.of(Optional.of(run(RunState.RUN_STATE_RUNNING)), retrying));
    assertEquals(Optional.of(WebhookEvent.WEBHOOK_EVENT_FAILED),
        NotifyEvents.of(Optional.of(retrying), run(RunState.RUN_STATE_FAILED)), "the retry was given up");
    assertEquals(Optional.empty(),
        NotifyEvents.of(Optional.of(run(RunState.RUN_STATE_SUCCEEDED)), run(RunState.RUN_STATE_SUCCEEDED)),
        "told once");
    assertEquals(Optional.empty(), NotifyEvents.of(Optional.empty(), run(RunState.RUN_STATE_QUEUED)));
  }
}
