package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.TimeText;
import dev.baton.client.WebhookEvents;
import dev.baton.proto.v1.CreateWebhookRequest;
import dev.baton.proto.v1.CreateWebhookResponse;
import dev.baton.proto.v1.DeleteWebhookRequest;
import dev.baton.proto.v1.Delivery;
import dev.baton.proto.v1.ListDeliveriesRequest;
import dev.baton.proto.v1.ListWebhooksRequest;
import dev.baton.proto.v1.TestWebhookRequest;
import dev.baton.proto.v1.Webhook;
import dev.baton.proto.v1.WebhookEvent;
import dev.baton.proto.v1.WebhookFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton notify ...}: webhooks on run events, and what was delivered. */
@Command(name = "notify", description = "Webhooks on run events: create, list, delete, test, deliveries.",
    subcommands = {NotifyCommands.Create.class, NotifyCommands.ListWebhooks.class, NotifyCommands.Delete.class,
        NotifyCommands.Test.class, NotifyCommands.Deliveries.class})
public final class NotifyCommands extends GroupCommand {
  private static final String EVENTS = "failed, dead-lettered, missed, skipped, succeeded";

  /** {@code baton notify create NAME --url URL --on EVENTS [--selector LABELS] [--format json|slack]}. */
  @Command(name = "create", description = "Make a webhook. Its signing secret is printed once, now.")
  public static final class Create implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME", description = "The webhook's name.")
    String name;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "Where deliveries are POSTed "
        + "(http:// or https://).")
    String url;

    @Option(names = "--on", required = true, split = ",", paramLabel = "EVENT",
        description = "Events to tell: " + EVENTS + ".")
    List<String> on;

    @Option(names = "--selector", paramLabel = "LABELS", description = "Only runs of jobs whose labels match "
        + "(team=data,tier!=dev).")
    String selector;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
        description = "json (Baton's body, default) or slack ({\"text\": ...}, for a chat's incoming webhook).")
    String format;

    public Create(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      Webhook.Builder webhook = Webhook.newBuilder().setName(name).setUrl(url).setFormat(format(format));
      on.forEach(text -> webhook.addEvents(event(text)));
      if (selector != null) {
        webhook.setSelector(selector);
      }
      CreateWebhookResponse created = cli.client().notifications().createWebhook(
          CreateWebhookRequest.newBuilder().setWebhook(webhook).build());
      Printer printer = cli.printer();
      if (printer.isTable()) {
        printer.out().println(created.getSecret());
        cli.err().println("webhook " + name + " created: its secret, above, is shown only now. Each delivery "
            + "carries Baton-Signature: sha256=HMAC-SHA256(secret, body) in hex");
      } else {
        printer.message(created);
      }
      return 0;
    }
  }

  /** {@code baton notify list}. */
  @Command(name = "list", description = "List webhooks: name, URL, events, selector, format.")
  public static final class ListWebhooks implements Callable<Integer> {
    private final Cli cli;

    public ListWebhooks(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      List<Webhook> webhooks = cli.client().notifications().listWebhooks(ListWebhooksRequest.getDefaultInstance())
          .getWebhooksList();
      Printer printer = cli.printer();
      if (!printer.isTable()) {
        printer.messages(webhooks);
        return 0;
      }
      Table table = new Table("NAME", "URL", "EVENTS", "SELECTOR", "FORMAT");
      for (Webhook w : webhooks) {
        table.row(w.getName(), w.getUrl(), w.getEventsList().stream().map(WebhookEvents::text)
            .collect(Collectors.joining(",")), w.getSelector().isEmpty() ? "-" : w.getSelector(),
            w.getFormat().name().substring("WEBHOOK_FORMAT_".length()).toLowerCase(Locale.ROOT));
      }
      table.print(printer.out());
      return 0;
    }
  }

  /** {@code baton notify delete NAME}. */
  @Command(name = "delete", description = "Delete a webhook; its pending deliveries are dropped.")
  public static final class Delete implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    public Delete(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      cli.client().notifications().deleteWebhook(DeleteWebhookRequest.newBuilder().setName(name).build());
      cli.printer().out().println("webhook " + name + " deleted");
      return 0;
    }
  }

  /** {@code baton notify test NAME}. */
  @Command(name = "test", description = "Send a test delivery (event \"test\"), like any other: see it with "
      + "'baton notify deliveries NAME'.")
  public static final class Test implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    public Test(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      Delivery delivery = cli.client().notifications().testWebhook(TestWebhookRequest.newBuilder().setName(name)
          .build());
      Printer printer = cli.printer();
      if (printer.isTable()) {
        printer.out().println("delivery " + delivery.getId() + " queued for webhook " + name);
      } else {
        printer.message(delivery);
      }
      return 0;
    }
  }

  /** {@code baton notify deliveries NAME}. */
  @Command(name = "deliveries", description = "A webhook's deliveries, newest first: event, run, state, "
      + "attempts, the last answer.")
  public static final class Deliveries implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME")
    String name;

    @Option(names = "--limit", defaultValue = "50", paramLabel = "N", description = "At most N (default 50).")
    int limit;

    public Deliveries(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      List<Delivery> deliveries = cli.client().notifications().listDeliveries(ListDeliveriesRequest.newBuilder()
          .setWebhook(name).setPageSize(limit).build()).getDeliveriesList();
      Printer printer = cli.printer();
      if (!printer.isTable()) {
        printer.messages(deliveries.stream().map(d -> d.toBuilder().clearBody().build()).toList());
        return 0;
      }
      Table table = new Table("ID", "EVENT", "RUN", "JOB", "STATE", "ATTEMPTS", "LAST", "CREATED");
      for (Delivery d : deliveries) {
        String last = d.getAttempts() == 0 ? "-"
            : d.getLastError().isEmpty() ? "HTTP " + d.getLastStatus() : d.getLastError();
        table.row(d.getId(), WebhookEvents.text(d.getEvent()), d.getRunId().isEmpty() ? "-" : d.getRunId(), d.getJob(),
            d.getState().name().substring("DELIVERY_STATE_".length()).toLowerCase(Locale.ROOT),
            Integer.toString(d.getAttempts()), last, TimeText.format(d.getCreateTime(), TimeText.UTC));
      }
      table.print(printer.out());
      return 0;
    }
  }

  static WebhookEvent event(String text) {
    return WebhookEvents.parse(text).orElseThrow(() -> new CommandException("--on: '" + text + "' is not one of "
        + EVENTS));
  }

  private static WebhookFormat format(String text) {
    return switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "json" -> WebhookFormat.WEBHOOK_FORMAT_JSON;
      case "slack" -> WebhookFormat.WEBHOOK_FORMAT_SLACK;
      default -> throw new CommandException("--format: '" + text + "' is not json or slack");
    };
  }
}
