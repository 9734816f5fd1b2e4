package dev.baton.coordinator.notify;

import static dev.baton.coordinator.testing.GrpcAssertions.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.proto.v1.CreateWebhookRequest;
import dev.baton.proto.v1.CreateWebhookResponse;
import dev.baton.proto.v1.DeleteWebhookRequest;
import dev.baton.proto.v1.Delivery;
import dev.baton.proto.v1.DeliveryState;
import dev.baton.proto.v1.ListDeliveriesRequest;
import dev.baton.proto.v1.TestWebhookRequest;
import dev.baton.proto.v1.Webhook;
import dev.baton.proto.v1.WebhookEvent;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks against a real HTTP receiver: signed, keyed, retried with backoff, and their history kept. */
class NotificationsTest {
  /** One request the receiver got. */
  record Received(String event, String delivery, String idempotencyKey, String signature, byte[] body) {}

  @TempDir Path dir;
  private HttpServer receiver;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  /** Requests to answer 503 before answering 200. */
  private final AtomicInteger failFirst = new AtomicInteger();

  @BeforeEach
  void startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/hook", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      int status = failFirst.getAndDecrement() > 0 ? 503 : 200;
      if (status == 200) {
        received.add(new Received(exchange.getRequestHeaders().getFirst("Baton-Event"),
            exchange.getRequestHeaders().getFirst("Baton-Delivery"),
            exchange.getRequestHeaders().getFirst("Idempotency-Key"),
            exchange.getRequestHeaders().getFirst("Baton-Signature"), body));
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
  }

  @Test
  void aTestDeliveryArrivesSignedWithTheWebhooksSecretAndKeyedByItsId() throws Exception {
    try (InProcessCoordinator c = new InProcessCoordinator(dir, FakeClock.at("2026-12-01T10:00:00Z"))) {
      CreateWebhookResponse created = c.client().notifications().createWebhook(CreateWebhookRequest.newBuilder()
          .setWebhook(Webhook.newBuilder().setName("ops").setUrl(url())
              .addEvents(WebhookEvent.WEBHOOK_EVENT_FAILED)).build());
      assertTrue(created.getSecret().length() >= 40, created.getSecret());
      Delivery queued = c.client().notifications().testWebhook(TestWebhookRequest.newBuilder().setName("ops")
          .build());
      await(() -> received.size() == 1, "the test delivery");
      Received got = received.get(0);
      assertEquals("test", got.event());
      assertEquals(queued.getId(), got.delivery());
      assertEquals(queued.getId(), got.idempotencyKey());
      assertEquals(Deliverer.signature(created.getSecret().getBytes(StandardCharsets.UTF_8), got.body()),
          got.signature());
      assertTrue(new String(got.body(), StandardCharsets.UTF_8).contains("\"event\":\"test\""));
      await(() -> deliveries(c, "ops").get(0).getState() == DeliveryState.DELIVERY_STATE_DELIVERED, "DELIVERED");
    }
  }

  @Test
  void aReceiverThatFailsIsTriedAgainAfterTheBackoffWithTheSameBytes() throws Exception {
    FakeClock clock = FakeClock.at("2026-12-01T10:00:00Z");
    try (InProcessCoordinator c = new InProcessCoordinator(dir, clock)) {
      c.client().notifications().createWebhook(CreateWebhookRequest.newBuilder().setWebhook(Webhook.newBuilder()
          .setName("flaky").setUrl(url()).addEvents(WebhookEvent.WEBHOOK_EVENT_SUCCEEDED)).build());
      failFirst.set(2);
      c.client().notifications().testWebhook(TestWebhookRequest.newBuilder().setName("flaky").build());
      await(() -> deliveries(c, "flaky").get(0).getAttempts() == 1, "the first attempt");
      Delivery waiting = deliveries(c, "flaky").get(0);
      assertEquals(DeliveryState.DELIVERY_STATE_PENDING, waiting.getState());
      assertEquals(503, waiting.getLastStatus());
      assertTrue(waiting.getLastError().contains("503"), waiting.getLastError());
      clock.advance(Duration.ofSeconds(1));
      await(() -> deliveries(c, "flaky").get(0).getAttempts() == 2, "the second attempt, 1 s later");
      assertTrue(received.isEmpty(), "not taken yet");
      clock.advance(Duration.ofSeconds(2));
      await(() -> deliveries(c, "flaky").get(0).getState() == DeliveryState.DELIVERY_STATE_DELIVERED,
          "the third attempt, 2 s after the second");
      assertEquals(1, received.size());
      assertEquals(3, deliveries(c, "flaky").get(0).getAttempts());
      assertEquals(waiting.getBody(), com.google.protobuf.ByteString.copyFrom(received.get(0).body()));
    }
  }

  @Test
  void badWebhooksAreRefusedAndADeletedOneIsGone() throws Exception {
    try (InProcessCoordinator c = new InProcessCoordinator(dir, FakeClock.at("2026-12-01T10:00:00Z"))) {
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> c.client().notifications().createWebhook(
          CreateWebhookRequest.newBuilder().setWebhook(Webhook.newBuilder().setName("x").setUrl("ftp://h/")
              .addEvents(WebhookEvent.WEBHOOK_EVENT_FAILED)).build()));
      assertStatus(Status.Code.INVALID_ARGUMENT, () -> c.client().notifications().createWebhook(
          CreateWebhookRequest.newBuilder().setWebhook(Webhook.newBuilder().setName("x").setUrl(url())).build()));
      Webhook ok = Webhook.newBuilder().setName("x").setUrl(url()).addEvents(WebhookEvent.WEBHOOK_EVENT_MISSED)
          .setSelector("team=data").build();
      c.client().notifications().createWebhook(CreateWebhookRequest.newBuilder().setWebhook(ok).build());
      assertStatus(Status.Code.ALREADY_EXISTS, () -> c.client().notifications().createWebhook(
          CreateWebhookRequest.newBuilder().setWebhook(ok).build()));
      c.client().notifications().deleteWebhook(DeleteWebhookRequest.newBuilder().setName("x").build());
      assertStatus(Status.Code.NOT_FOUND, () -> c.client().notifications().listDeliveries(
          ListDeliveriesRequest.newBuilder().setWebhook("x").build()));
    }
  }

  private static List<Delivery> deliveries(InProcessCoordinator c, String webhook) {
    return c.client().notifications().listDeliveries(ListDeliveriesRequest.newBuilder().setWebhook(webhook).build())
        .getDeliveriesList();
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
