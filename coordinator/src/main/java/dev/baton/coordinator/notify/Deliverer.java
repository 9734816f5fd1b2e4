package dev.baton.coordinator.notify;

import com.google.protobuf.util.Timestamps;
import dev.baton.client.WebhookEvents;
import dev.baton.proto.v1.Delivery;
import dev.baton.proto.v1.DeliveryState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the outbox's deliveries (on the leader only, one thread): POSTs each body to its webhook's URL with
 * {@code Baton-Signature: sha256=HEX} (HMAC-SHA256 of the body with the webhook's secret), {@code Idempotency-Key}
 * and {@code Baton-Delivery} (the delivery id, the same on every attempt), and {@code Baton-Event}. A 2xx answer
 * delivers it; anything else is tried again after 1 s, 2 s, 4 s ... at most {@link #MAX_BACKOFF} apart, for
 * {@link #GIVE_UP_AFTER}, then the delivery is FAILED (visible in {@code baton notify deliveries}). At least once: a
 * delivery sent just before a crash or failover may be sent again, under the same idempotency key.
 */
public final class Deliverer implements AutoCloseable {
  public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  public static final Duration GIVE_UP_AFTER = Duration.ofHours(24);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final Duration IDLE_CHECK = Duration.ofSeconds(1);
  private static final Logger log = LoggerFactory.getLogger(Deliverer.class);

  private final Outbox outbox;
  private final Webhooks webhooks;
  private final Clock clock;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT)
      .followRedirects(HttpClient.Redirect.NEVER).build();
  private final Semaphore wakeUps = new Semaphore(0);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  public Deliverer(Outbox outbox, Webhooks webhooks, Clock clock) {
    this.outbox = outbox;
    this.webhooks = webhooks;
    this.clock = clock;
    this.thread = new Thread(this::loop, "baton-notify");
    this.thread.setDaemon(true);
    outbox.onPending(this::wake);
  }

  public void start() {
    thread.start();
  }

  /** Look at the outbox now (a delivery was added). */
  public void wake() {
    wakeUps.release();
  }

  private void loop() {
    while (running.get()) {
      try {
        wakeUps.tryAcquire(IDLE_CHECK.toMillis(), TimeUnit.MILLISECONDS);
        wakeUps.drainPermits();
        for (Delivery delivery : outbox.due()) {
          if (!running.get()) {
            return;
          }
          attempt(delivery);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // A store that refuses the write (full disk, no longer leading): the deliveries stay PENDING; try later.
        log.warn("delivering notifications failed: {}; trying again", e.toString());
      }
    }
  }

  private void attempt(Delivery delivery) throws InterruptedException {
    Optional<Webhooks.Stored> hook = webhooks.find(delivery.getWebhook());
    if (hook.isEmpty()) {
      outbox.drop(delivery);
      return;
    }
    byte[] body = delivery.getBody().toByteArray();
    int status = 0;
    String error = "";
    try {
      HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(hook.get().webhook().getUrl()))
          .timeout(TIMEOUT)
          .header("Content-Type", "application/json")
          .header("User-Agent", "baton-coordinator")
          .header("Baton-Event", WebhookEvents.text(delivery.getEvent()))
          .header("Baton-Delivery", delivery.getId())
          .header("Idempotency-Key", delivery.getId())
          .header("Baton-Signature", signature(hook.get().secret(), body))
          .POST(HttpRequest.BodyPublishers.ofByteArray(body))
          .build(), HttpResponse.BodyHandlers.discarding());
      status = response.statusCode();
      if (status < 200 || status > 299) {
        error = "the receiver answered HTTP " + status;
      }
    } catch (IOException | IllegalArgumentException e) {
      error = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    long now = clock.millis();
    Delivery.Builder next = delivery.toBuilder().setAttempts(delivery.getAttempts() + 1).setLastStatus(status)
        .setLastError(error);
    if (error.isEmpty()) {
      next.setState(DeliveryState.DELIVERY_STATE_DELIVERED).setDeliverTime(Timestamps.fromMillis(now))
          .clearNextAttemptTime();
    } else if (now - Timestamps.toMillis(delivery.getCreateTime()) >= GIVE_UP_AFTER.toMillis()) {
      next.setState(DeliveryState.DELIVERY_STATE_FAILED).clearNextAttemptTime();
      log.warn("gave up delivering {} to webhook {} after {} attempts: {}", delivery.getId(), delivery.getWebhook(),
          next.getAttempts(), error);
    } else {
      next.setNextAttemptTime(Timestamps.fromMillis(now + backoff(next.getAttempts()).toMillis()));
    }
    outbox.record(next.build());
  }

  /** The wait before attempt {@code attempts + 1}: 1 s, 2 s, 4 s ... at most {@link #MAX_BACKOFF}. */
  static Duration backoff(int attempts) {
    long seconds = 1L << Math.min(20, Math.max(0, attempts - 1));
    return Duration.ofSeconds(Math.min(seconds, MAX_BACKOFF.toSeconds()));
  }

  /** {@code sha256=} and the hex HMAC-SHA256 of {@code body} with {@code secret}. */
  public static String signature(byte[] secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  }

  @Override
  public void close() {
    running.set(false);
    thread.interrupt();
  }
}
