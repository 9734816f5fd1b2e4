package dev.baton.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.baton.proto.v1.WebhookEvent;
import org.junit.jupiter.api.Test;

/** Events are written as people say them, and only the ones a webhook can be told about. */
class NotifyCommandsTest {
  @Test
  void eventsReadAsWritten() {
    assertEquals(WebhookEvent.WEBHOOK_EVENT_DEAD_LETTERED, NotifyCommands.event("dead-lettered"));
    assertEquals(WebhookEvent.WEBHOOK_EVENT_FAILED, NotifyCommands.event(" Failed "));
    assertEquals("dead-lettered", dev.baton.client.WebhookEvents.text(WebhookEvent.WEBHOOK_EVENT_DEAD_LETTERED));
    CommandException bad = assertThrows(CommandException.class, () -> NotifyCommands.event("test"));
    assertEquals("--on: 'test' is not one of failed, dead-lettered, missed, skipped, succeeded", bad.getMessage());
  }
}
