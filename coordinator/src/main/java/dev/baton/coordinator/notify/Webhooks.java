package dev.baton.coordinator.notify;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.ErrorReason;
import dev.baton.proto.v1.Webhook;
import dev.baton.proto.v1.WebhookFormat;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The webhooks ({@link ColumnFamily#WEBHOOKS}): definitions and their signing secrets, kept in memory too, since
 * every run that comes to rest is matched against them.
 */
public final class Webhooks {
  private static final byte[] DEFINITION = {'d', 0};
  private static final byte[] SECRET = {'s', 0};
  private static final int SECRET_BYTES = 32;

  /** A webhook with its secret. */
  public record Stored(Webhook webhook, byte[] secret) {}

  private final Store store;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private volatile List<Stored> all;

  public Webhooks(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
    this.all = read();
  }

  /** Every webhook, in name order (from memory). */
  public List<Stored> all() {
    return all;
  }

  public Optional<Stored> find(String name) {
    return all.stream().filter(w -> w.webhook().getName().equals(name)).findFirst();
  }

  /**
   * Adds a webhook with a fresh secret, in {@code alsoWrite}'s batch too.
   *
   * @throws BatonException ALREADY_EXISTS if the name is taken
   */
  public synchronized Stored create(Webhook requested, Consumer<Batch> alsoWrite) {
    if (find(requested.getName()).isPresent()) {
      throw BatonException.alreadyExists(ErrorReason.ERROR_REASON_WEBHOOK_EXISTS, "baton.v1.Webhook",
          requested.getName(), "a webhook named '" + requested.getName() + "' exists");
    }
    byte[] secret = new byte[SECRET_BYTES];
    random.nextBytes(secret);
    Webhook webhook = requested.toBuilder()
        .setFormat(requested.getFormat() == WebhookFormat.WEBHOOK_FORMAT_UNSPECIFIED
            ? WebhookFormat.WEBHOOK_FORMAT_JSON : requested.getFormat())
        .setCreateTime(Timestamps.fromMillis(clock.millis()))
        .build();
    byte[] text = Base64.getUrlEncoder().withoutPadding().encode(secret);
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.WEBHOOKS, key(DEFINITION, webhook.getName()), webhook);
      batch.put(ColumnFamily.WEBHOOKS, key(SECRET, webhook.getName()), text);
      alsoWrite.accept(batch);
      store.commit(batch);
    }
    all = read();
    return new Stored(webhook, text);
  }

  /**
   * Removes a webhook.
   *
   * @throws BatonException NOT_FOUND if there is none of that name
   */
  public synchronized void delete(String name) {
    if (find(name).isEmpty()) {
      throw notFound(name);
    }
    try (Batch batch = store.batch()) {
      batch.delete(ColumnFamily.WEBHOOKS, key(DEFINITION, name));
      batch.delete(ColumnFamily.WEBHOOKS, key(SECRET, name));
      store.commit(batch);
    }
    all = read();
  }

  public static BatonException notFound(String name) {
    return BatonException.notFound(ErrorReason.ERROR_REASON_WEBHOOK_NOT_FOUND, "baton.v1.Webhook", name,
        "no webhook named '" + name + "'");
  }

  private List<Stored> read() {
    List<Stored> out = new ArrayList<>();
    store.scanPrefix(ColumnFamily.WEBHOOKS, DEFINITION, false, (key, value) -> {
      Webhook webhook = Store.parse(Webhook.parser(), value);
      byte[] secret = store.get(ColumnFamily.WEBHOOKS, key(SECRET, webhook.getName())).orElse(new byte[0]);
      out.add(new Stored(webhook, secret));
      return true;
    });
    return List.copyOf(out);
  }

  private static byte[] key(byte[] prefix, String name) {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    byte[] key = new byte[prefix.length + n.length];
    System.arraycopy(prefix, 0, key, 0, prefix.length);
    System.arraycopy(n, 0, key, prefix.length, n.length);
    return key;
  }
}
