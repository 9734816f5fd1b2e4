package dev.baton.coordinator.notify;

import dev.baton.coordinator.run.NewRun;
import dev.baton.coordinator.run.RunStore;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.WebhookEvent;
import java.util.Optional;

/** Which webhook event a run's change is, if any: the moment it comes to rest, told once. Pure. */
public final class NotifyEvents {
  private NotifyEvents() {}

  /**
   * @param before the run as it was; empty for a new run (a skipped tick is born at rest)
   * @return the event, or empty when the change is none of them (a run moving on, a failure that will retry)
   */
  public static Optional<WebhookEvent> of(Optional<Run> before, Run after) {
    if (before.isPresent() && before.get().getState() == after.getState()
        && RunStore.atRest(before.get()) == RunStore.atRest(after)) {
      return Optional.empty(); // no new state: another change of a run already told about (or not at rest)
    }
    if (!RunStore.atRest(after)) {
      return Optional.empty();
    }
    return switch (after.getState()) {
      case RUN_STATE_SUCCEEDED -> Optional.of(WebhookEvent.WEBHOOK_EVENT_SUCCEEDED);
      case RUN_STATE_FAILED, RUN_STATE_TIMED_OUT -> Optional.of(WebhookEvent.WEBHOOK_EVENT_FAILED);
      case RUN_STATE_DEAD_LETTERED -> Optional.of(WebhookEvent.WEBHOOK_EVENT_DEAD_LETTERED);
      case RUN_STATE_SKIPPED -> Optional.of(after.getStateReason().startsWith(NewRun.MISFIRE_PREFIX)
          ? WebhookEvent.WEBHOOK_EVENT_MISSED : WebhookEvent.WEBHOOK_EVENT_SKIPPED);
      default -> Optional.empty(); // CANCELLED: someone asked for it
    };
  }
}
