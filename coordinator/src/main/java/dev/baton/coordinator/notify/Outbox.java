package dev.baton.coordinator.notify;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.protobuf.util.Timestamps;
import dev.baton.client.WebhookEvents;
import dev.baton.coordinator.dispatch.LabelSelector;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.PageToken;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Delivery;
import dev.baton.proto.v1.DeliveryState;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListDeliveriesRequest;
import dev.baton.proto.v1.ListDeliveriesResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.WebhookEvent;
import dev.baton.proto.v1.WebhookFormat;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The notifications' durable outbox ({@link ColumnFamily#DELIVERIES}): a run that comes to rest and matches a
 * webhook gets a PENDING delivery written <em>in the same batch</em> as the run's change ({@link RunStore.WriteHook}),
 * so that a crash or a failover between the two cannot lose it; the {@link Deliverer} sends it until the receiver
 * takes it. The body is made here, once, so that every attempt sends the same bytes under the same signature.
 * Deliveries at rest (delivered, given up) are kept {@link #HISTORY} for {@code baton notify deliveries}.
 */
public final class Outbox implements RunStore.WriteHook {
  public static final Duration HISTORY = Duration.ofDays(7);
  private static final JsonFormat.Printer RUN_JSON = JsonFormat.printer().omittingInsignificantWhitespace();

  private final Store store;
  private final Clock clock;
  private final Webhooks webhooks;
  private final Function<String, Optional<Job>> jobs;
  private final AtomicLong lastId;
  /** Ids of PENDING deliveries, oldest first. */
  private final ConcurrentSkipListSet<Long> pending = new ConcurrentSkipListSet<>();
  private volatile Runnable wake = () -> {};

  public Outbox(Store store, Clock clock, Webhooks webhooks, Function<String, Optional<Job>> jobs) {
    this.store = store;
    this.clock = clock;
    this.webhooks = webhooks;
    this.jobs = jobs;
    this.lastId = new AtomicLong(store.lastKey(ColumnFamily.DELIVERIES).map(Keys::runId).orElse(0L));
    store.scan(ColumnFamily.DELIVERIES, null, null, false, (key, value) -> {
      if (Store.parse(Delivery.parser(), value).getState() == DeliveryState.DELIVERY_STATE_PENDING) {
        pending.add(Keys.runId(key));
      }
      return true;
    });
  }

  /** Called when a delivery is waiting (after its commit). */
  public void onPending(Runnable wake) {
    this.wake = wake;
  }

  @Override
  public void written(Batch batch, Optional<Run> before, Run after) {
    if (webhooks.all().isEmpty()) {
      return; // on every run write: nothing more to do without webhooks
    }
    Optional<WebhookEvent> event = NotifyEvents.of(before, after);
    if (event.isEmpty()) {
      return;
    }
    Map<String, String> labels = null;
    for (Webhooks.Stored hook : webhooks.all()) {
      if (!hook.webhook().getEventsList().contains(event.get())) {
        continue;
      }
      if (!hook.webhook().getSelector().isEmpty()) {
        if (labels == null) {
          labels = jobs.apply(after.getJob()).map(Job::getLabelsMap).orElse(Map.of());
        }
        if (!LabelSelector.parse(hook.webhook().getSelector()).matches(labels)) {
          continue;
        }
      }
      add(batch, hook, event.get(), after);
    }
  }

  /** A delivery of {@code run}'s {@code event} to {@code hook}, PENDING, in {@code batch}. */
  Delivery add(Batch batch, Webhooks.Stored hook, WebhookEvent event, Run run) {
    long id = nextId();
    long now = clock.millis();
    Delivery delivery = Delivery.newBuilder()
        .setId(Long.toString(id))
        .setWebhook(hook.webhook().getName())
        .setEvent(event)
        .setRunId(run.getId())
        .setJob(run.getJob())
        .setState(DeliveryState.DELIVERY_STATE_PENDING)
        .setCreateTime(Timestamps.fromMillis(now))
        .setNextAttemptTime(Timestamps.fromMillis(now))
        .setBody(ByteString.copyFrom(body(hook.webhook().getFormat(), hook.webhook().getName(), id, event, run, now),
            StandardCharsets.UTF_8))
        .build();
    batch.put(ColumnFamily.DELIVERIES, Keys.run(id), delivery);
    batch.afterCommit(() -> {
      pending.add(id);
      wake.run();
    });
    return delivery;
  }

  /** A test delivery to {@code hook}: queued and sent like any other. */
  public Delivery test(Webhooks.Stored hook) {
    Run sample = Run.newBuilder().setJob("baton-test").setStateReason("a test delivery").build();
    try (Batch batch = store.batch()) {
      Delivery delivery = add(batch, hook, WebhookEvent.WEBHOOK_EVENT_TEST, sample);
      store.commit(batch);
      return delivery;
    }
  }

  /** Ids unique over time, even after the history they were numbered after is swept. */
  private long nextId() {
    long floor = clock.millis() * 1000;
    return lastId.updateAndGet(last -> Math.max(last + 1, floor));
  }

  /** The body of a delivery: Baton's JSON, or Slack's {@code {"text": ...}}. */
  static String body(WebhookFormat format, String webhook, long id, WebhookEvent event, Run run, long now) {
    JsonObject body = new JsonObject();
    if (format == WebhookFormat.WEBHOOK_FORMAT_SLACK) {
      body.addProperty("text", SlackText.of(event, run));
      return body.toString();
    }
    body.addProperty("event", WebhookEvents.text(event));
    body.addProperty("delivery", Long.toString(id));
    body.addProperty("webhook", webhook);
    body.addProperty("time", Timestamps.toString(Timestamps.fromMillis(now)));
    try {
      body.add("run", JsonParser.parseString(RUN_JSON.print(run)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a run that does not print as JSON: " + e.getMessage(), e);
    }
    return body.toString();
  }

  /** Due PENDING deliveries, oldest first. */
  List<Delivery> due() {
    List<Delivery> out = new ArrayList<>();
    long now = clock.millis();
    for (long id : pending) {
      Optional<Delivery> delivery = store.get(ColumnFamily.DELIVERIES, Keys.run(id), Delivery.parser());
      if (delivery.isEmpty() || delivery.get().getState() != DeliveryState.DELIVERY_STATE_PENDING) {
        pending.remove(id);
      } else if (Timestamps.toMillis(delivery.get().getNextAttemptTime()) <= now) {
        out.add(delivery.get());
      }
    }
    return out;
  }

  /** Records an attempt's outcome (synced). */
  void record(Delivery updated) {
    long id = Long.parseLong(updated.getId());
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.DELIVERIES, Keys.run(id), updated);
      store.commit(batch);
    }
    if (updated.getState() != DeliveryState.DELIVERY_STATE_PENDING) {
      pending.remove(id);
    }
  }

  /** Drops a delivery whose webhook was deleted. */
  void drop(Delivery delivery) {
    long id = Long.parseLong(delivery.getId());
    try (Batch batch = store.batch()) {
      batch.delete(ColumnFamily.DELIVERIES, Keys.run(id));
      store.commit(batch);
    }
    pending.remove(id);
  }

  /** A webhook's deliveries, newest first, paged. */
  public ListDeliveriesResponse list(ListDeliveriesRequest request) {
    PageToken.Page<Delivery> page = PageToken.newestFirst(store, ColumnFamily.DELIVERIES, request, Long.BYTES,
        PageToken.pageSize(request.getPageSize(), 100, 1000, "page_size"), Delivery.parser(),
        delivery -> delivery.getWebhook().equals(request.getWebhook()));
    return ListDeliveriesResponse.newBuilder().addAllDeliveries(page.items())
        .setNextPageToken(page.nextPageToken()).build();
  }

  /** Removes deliveries at rest older than {@link #HISTORY}; returns how many. */
  public int sweep() {
    long cutoff = clock.instant().minus(HISTORY).toEpochMilli();
    List<byte[]> old = new ArrayList<>();
    store.scan(ColumnFamily.DELIVERIES, null, null, false, (key, value) -> {
      Delivery delivery = Store.parse(Delivery.parser(), value);
      if (Timestamps.toMillis(delivery.getCreateTime()) >= cutoff) {
        return false;
      }
      if (delivery.getState() != DeliveryState.DELIVERY_STATE_PENDING) {
        old.add(key);
      }
      return old.size() < 10_000;
    });
    if (!old.isEmpty()) {
      try (Batch batch = store.batch()) {
        old.forEach(key -> batch.delete(ColumnFamily.DELIVERIES, key));
        store.commit(batch);
      }
    }
    return old.size();
  }
}
