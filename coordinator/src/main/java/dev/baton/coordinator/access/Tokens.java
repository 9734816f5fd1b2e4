package dev.baton.coordinator.access;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.store.StoreException;
import dev.baton.proto.v1.ErrorReason;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.Token;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Bearer tokens for people and programs, kept in the store (so replicated like everything else). A token's secret
 * is 32 random bytes, shown once when it is made; the store keeps only its SHA-256 (a fast hash is right for a
 * random secret of this length: there is nothing to guess). Every check reads the store, so a revocation holds
 * from the next call on, on every coordinator.
 */
public final class Tokens {
  public static final Pattern VALID_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
  /** Longest a token may be valid. */
  public static final Duration MAX_TTL = Duration.ofDays(3650);
  private static final String SECRET_PREFIX = "baton_";
  private static final int SECRET_BYTES = 32;
  private static final int HASH_BYTES = 32;
  private static final byte[] BY_NAME = {'n', 0};
  private static final byte[] BY_HASH = {'h', 0};
  private static final byte[] BOOTSTRAPPED = "auth_bootstrapped".getBytes(StandardCharsets.UTF_8);
  /** The admin token made on the first start with auth on. */
  public static final String BOOTSTRAP_NAME = "bootstrap-admin";

  private final Store store;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  public Tokens(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /** A new token and its secret. */
  public record Issued(Token token, String secret) {}

  /**
   * Makes a token.
   *
   * @param ttl how long it is valid; zero: until revoked
   * @throws BatonException ALREADY_EXISTS if the name is taken (a revoked token keeps its name)
   */
  public Issued create(String name, Role role, Duration ttl, String createdBy) {
    return create(name, role, ttl, createdBy, batch -> {}, secret -> {});
  }

  /** Makes a token, writing {@code alsoWrite} in its batch, after handing its secret to {@code beforeCommit}. */
  private Issued create(String name, Role role, Duration ttl, String createdBy, Consumer<Batch> alsoWrite,
      Consumer<String> beforeCommit) {
    byte[] bytes = new byte[SECRET_BYTES];
    random.nextBytes(bytes);
    String secret = SECRET_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    byte[] hash = hash(secret);
    Instant now = clock.instant();
    Token.Builder token = Token.newBuilder().setName(name).setRole(role)
        .setCreateTime(Timestamps.fromMillis(now.toEpochMilli())).setCreatedBy(createdBy);
    if (!ttl.isZero()) {
      token.setExpireTime(Timestamps.fromMillis(now.plus(ttl).toEpochMilli()));
    }
    synchronized (this) {
      if (find(name).isPresent()) {
        throw BatonException.alreadyExists(ErrorReason.ERROR_REASON_TOKEN_EXISTS, "token", name,
            "a token named '" + name + "' exists (revoked tokens keep their names)");
      }
      try (Batch batch = store.batch()) {
        batch.put(ColumnFamily.TOKENS, key(BY_NAME, name.getBytes(StandardCharsets.UTF_8)), stored(hash, token.build()));
        batch.put(ColumnFamily.TOKENS, key(BY_HASH, hash), name.getBytes(StandardCharsets.UTF_8));
        alsoWrite.accept(batch);
        beforeCommit.accept(secret);
        store.commit(batch);
      }
    }
    return new Issued(token.build(), secret);
  }

  /** Every token, by name. */
  public List<Token> list() {
    List<Token> out = new ArrayList<>();
    store.scanPrefix(ColumnFamily.TOKENS, BY_NAME, false, (key, value) -> {
      out.add(token(value));
      return true;
    });
    return out;
  }

  /**
   * Revokes a token at once; revoking one already revoked changes nothing.
   *
   * @throws BatonException NOT_FOUND if there is no such token
   */
  public synchronized Token revoke(String name) {
    byte[] stored = find(name).orElseThrow(() -> BatonException.notFound(ErrorReason.ERROR_REASON_TOKEN_NOT_FOUND,
        "token", name, "no token named '" + name + "'"));
    Token token = token(stored);
    if (token.hasRevokeTime()) {
      return token;
    }
    Token revoked = token.toBuilder().setRevokeTime(Timestamps.fromMillis(clock.millis())).build();
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.TOKENS, key(BY_NAME, name.getBytes(StandardCharsets.UTF_8)),
          stored(Arrays.copyOf(stored, HASH_BYTES), revoked));
      store.commit(batch);
    }
    return revoked;
  }

  /** Why a secret does not open the door. */
  public static final class Refused extends Exception {
    private final ErrorReason reason;
    private final String token;

    Refused(ErrorReason reason, String token, String message) {
      super(message);
      this.reason = reason;
      this.token = token;
    }

    public ErrorReason reason() {
      return reason;
    }

    /** The token's name; empty for an unknown secret. */
    public String token() {
      return token;
    }
  }

  /**
   * The token a secret belongs to, if it is valid now.
   *
   * @throws Refused for an unknown, expired or revoked token
   */
  public Token authenticate(String secret) throws Refused {
    Optional<byte[]> name = store.get(ColumnFamily.TOKENS, key(BY_HASH, hash(secret)));
    Optional<byte[]> stored = name.flatMap(n -> store.get(ColumnFamily.TOKENS, key(BY_NAME, n)));
    if (stored.isEmpty()) {
      throw new Refused(ErrorReason.ERROR_REASON_TOKEN_INVALID, "", "the token is not one this cluster issued");
    }
    Token token = token(stored.get());
    if (token.hasRevokeTime()) {
      throw new Refused(ErrorReason.ERROR_REASON_TOKEN_REVOKED, token.getName(),
          "token '" + token.getName() + "' was revoked");
    }
    if (token.hasExpireTime() && Timestamps.toMillis(token.getExpireTime()) <= clock.millis()) {
      throw new Refused(ErrorReason.ERROR_REASON_TOKEN_EXPIRED, token.getName(),
          "token '" + token.getName() + "' expired at " + Timestamps.toString(token.getExpireTime()));
    }
    return token;
  }

  /**
   * On the first start with auth on, makes the admin token {@value #BOOTSTRAP_NAME} and writes its secret to
   * {@code file} (mode 0600), once for the life of the store: nothing is allowed by default, and there is no
   * default secret. Returns whether it did.
   */
  public synchronized boolean bootstrap(Path file) throws IOException {
    if (store.contains(ColumnFamily.META, BOOTSTRAPPED)) {
      return false;
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(temp);
    Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    // The secret reaches the file before the token is stored: a crash in between leaves a useless file, never a
    // stored admin token nobody can read.
    String name = find(BOOTSTRAP_NAME).isEmpty() ? BOOTSTRAP_NAME : BOOTSTRAP_NAME + "-" + clock.millis();
    create(name, Role.ROLE_ADMIN, Duration.ZERO, "the coordinator's first start",
        batch -> batch.put(ColumnFamily.META, BOOTSTRAPPED, new byte[] {1}), secret -> {
          try {
            Files.writeString(temp, secret + "\n");
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
    return true;
  }

  private Optional<byte[]> find(String name) {
    return store.get(ColumnFamily.TOKENS, key(BY_NAME, name.getBytes(StandardCharsets.UTF_8)));
  }

  private static byte[] stored(byte[] hash, Token token) {
    byte[] message = token.toByteArray();
    return ByteBuffer.allocate(HASH_BYTES + message.length).put(hash).put(message).array();
  }

  private static Token token(byte[] stored) {
    try {
      return Token.parseFrom(ByteBuffer.wrap(stored, HASH_BYTES, stored.length - HASH_BYTES));
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt token record: " + e.getMessage(), e);
    }
  }

  private static byte[] key(byte[] prefix, byte[] rest) {
    return ByteBuffer.allocate(prefix.length + rest.length).put(prefix).put(rest).array();
  }

  static byte[] hash(String secret) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
