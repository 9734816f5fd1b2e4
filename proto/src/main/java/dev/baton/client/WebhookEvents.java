package dev.baton.client;

import dev.baton.proto.v1.WebhookEvent;
import java.util.Locale;
import java.util.Optional;

/** Webhook events as people write them ({@code dead-lettered}): the CLI's flags and the bodies the coordinator sends. */
public final class WebhookEvents {
  private WebhookEvents() {}

  /** {@code WEBHOOK_EVENT_DEAD_LETTERED} -> {@code dead-lettered}. */
  public static String text(WebhookEvent event) {
    return event.name().substring("WEBHOOK_EVENT_".length()).toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The event a webhook may be told about that {@code text} names (not {@code test}); empty if none. */
  public static Optional<WebhookEvent> parse(String text) {
    for (WebhookEvent event : WebhookEvent.values()) {
      if (event != WebhookEvent.UNRECOGNIZED && event != WebhookEvent.WEBHOOK_EVENT_UNSPECIFIED
          && event != WebhookEvent.WEBHOOK_EVENT_TEST && text(event).equals(text.trim().toLowerCase(Locale.ROOT))) {
        return Optional.of(event);
      }
    }
    return Optional.empty();
  }
}
