package dev.baton.coordinator.request;

import com.google.common.util.concurrent.Striped;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.ErrorReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Lock;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Idempotent requests (AIP-155): the first answer to a request that carried a {@code request_id} is kept for
 * {@link #RETENTION}, so that a client may send the request again — after a timeout, an {@code UNAVAILABLE}, a
 * failover — and get that answer instead of a second job, run or redrive.
 *
 * <p>The record is written in the same batch as the change it answers (through the {@link AnswerRecorder} the
 * action is given), so no change is acknowledged without its record and no record exists without its change. Ids
 * are scoped per call; while one request with an id is being answered, a repeat of it waits for that answer.
 */
public final class RequestLog {
  /** How long an answer is kept; a repeat after that acts again. */
  public static final Duration RETENTION = Duration.ofHours(24);
  public static final String FIELD = "request_id";
  /** What a request id may look like: a UUID, or any id of these characters. */
  public static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private static final int FINGERPRINT_BYTES = 32;
  private static final int HEADER_BYTES = Long.BYTES + FINGERPRINT_BYTES;
  private static final int SWEEP_BATCH = 1_000;

  private final Store store;
  private final Clock clock;
  private final Striped<Lock> locks = Striped.lock(256);

  public RequestLog(Store store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * Answers {@code request} of {@code call} once: with an empty {@code requestId}, runs {@code action}; with one
   * seen in the last 24 hours for the same request, returns the first answer without acting; with one seen for a
   * different request, INVALID_ARGUMENT. An action that fails records nothing, so a repeat tries again.
   */
  public <T extends Message> T once(String call, String requestId, Message request, Parser<T> parser,
      Function<AnswerRecorder, T> action) {
    if (requestId.isEmpty()) {
      return action.apply(AnswerRecorder.NONE);
    }
    byte[] key = key(call, requestId);
    byte[] fingerprint = fingerprint(request);
    Lock lock = locks.get(call + '\0' + requestId);
    lock.lock();
    try {
      Optional<byte[]> previous = store.get(ColumnFamily.REQUESTS, key).filter(this::fresh);
      if (previous.isPresent()) {
        byte[] record = previous.get();
        if (!Arrays.equals(record, Long.BYTES, HEADER_BYTES, fingerprint, 0, FINGERPRINT_BYTES)) {
          throw BatonException.invalid(ErrorReason.ERROR_REASON_REQUEST_ID_REUSED, FIELD, "'" + requestId
              + "' was already used in the last " + RETENTION.toHours() + " hours for a different " + call
              + " request; use a new id for a new request");
        }
        return Store.parse(parser, Arrays.copyOfRange(record, HEADER_BYTES, record.length));
      }
      return action.apply((batch, answer) -> batch.put(ColumnFamily.REQUESTS, key,
          ByteBuffer.allocate(HEADER_BYTES + answer.getSerializedSize())
              .putLong(clock.millis()).put(fingerprint).put(answer.toByteArray()).array()));
    } finally {
      lock.unlock();
    }
  }

  /** Removes the records older than {@link #RETENTION}; returns how many. */
  public int sweep() {
    List<byte[]> expired = new ArrayList<>();
    store.scan(ColumnFamily.REQUESTS, null, null, false, (key, value) -> {
      if (!fresh(value)) {
        expired.add(key);
      }
      return true;
    });
    for (int from = 0; from < expired.size(); from += SWEEP_BATCH) {
      try (Batch batch = store.batch()) {
        expired.subList(from, Math.min(expired.size(), from + SWEEP_BATCH))
            .forEach(key -> batch.delete(ColumnFamily.REQUESTS, key));
        // Unsynced: a removal lost in a crash is only made again by the next sweep.
        store.commitUnsynced(batch);
      }
    }
    return expired.size();
  }

  private boolean fresh(byte[] record) {
    long recorded = ByteBuffer.wrap(record, 0, Long.BYTES).getLong();
    return clock.millis() - recorded < RETENTION.toMillis();
  }

  private static byte[] key(String call, String requestId) {
    return (call + '\0' + requestId).getBytes(StandardCharsets.UTF_8);
  }

  /** A hash of the request without its id, serialized deterministically: what "the same request" means. */
  private static byte[] fingerprint(Message request) {
    Message.Builder withoutId = request.toBuilder();
    FieldDescriptor id = request.getDescriptorForType().findFieldByName(FIELD);
    if (id != null) {
      withoutId.clearField(id);
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      withoutId.build().writeTo(out);
      out.flush();
      return MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
