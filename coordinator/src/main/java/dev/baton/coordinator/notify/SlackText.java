package dev.baton.coordinator.notify;

import dev.baton.client.WebhookEvents;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.WebhookEvent;

/** One line a person reads in a chat channel about a run's event. Pure. */
final class SlackText {
  private SlackText() {}

  static String of(WebhookEvent event, Run run) {
    if (event == WebhookEvent.WEBHOOK_EVENT_TEST) {
      return "[baton] test delivery: this webhook works";
    }
    StringBuilder text = new StringBuilder("[baton] run ").append(run.getId()).append(" of job ").append(run.getJob())
        .append(' ').append(WebhookEvents.text(event));
    if (run.getAttemptsCount() > 0) {
      Attempt last = run.getAttempts(run.getAttemptsCount() - 1);
      if (last.hasExitCode() && event != WebhookEvent.WEBHOOK_EVENT_SUCCEEDED) {
        text.append(" (exit ").append(last.getExitCode()).append(')');
      }
      if (!last.getWorkerName().isEmpty()) {
        text.append(" on ").append(last.getWorkerName());
      }
    }
    if (!run.getStateReason().isEmpty() && event != WebhookEvent.WEBHOOK_EVENT_SUCCEEDED) {
      text.append(": ").append(run.getStateReason());
    }
    return text.toString();
  }
}
