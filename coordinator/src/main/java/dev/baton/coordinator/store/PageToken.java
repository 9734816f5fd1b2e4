package dev.baton.coordinator.store;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import dev.baton.coordinator.error.BatonException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Opaque page tokens. A token holds a format version, a fingerprint of the query that made it (the request without
 * its page size and token) and of the rest, and the last key the page returned, so the next page starts right after
 * it. A token is
 * refused, not misread, when it is damaged, from another format, or from another query: a token for jobs named
 * {@code a*} never pages through jobs named {@code b*}.
 */
public final class PageToken {
  private static final byte VERSION = 1;
  private static final int FINGERPRINT_BYTES = 8;
  private static final String PAGE_TOKEN = "page_token";
  private static final String PAGE_SIZE = "page_size";

  private PageToken() {}

  /** One page of a listing, and the token of the next one (empty on the last). */
  public record Page<T>(List<T> items, String nextPageToken) {}

  /**
   * The page of {@code cf}'s values (keys of {@code keyLength} bytes) newest first — the last key first — that
   * {@code request}'s token and page size ask for, keeping those {@code keep} accepts.
   */
  public static <T extends MessageLite> Page<T> newestFirst(Store store, ColumnFamily cf,
      Message request, int keyLength, int pageSize, Parser<T> parser,
      Predicate<T> keep) {
    byte[] before = decode(request, keyLength).orElse(null);
    List<T> page = new ArrayList<>();
    byte[][] last = {null};
    boolean[] more = {false};
    store.scan(cf, null, before, true, (key, value) -> {
      if (page.size() == pageSize) {
        more[0] = true;
        return false;
      }
      T item = Store.parse(parser, value);
      if (keep.test(item)) {
        page.add(item);
      }
      last[0] = key;
      return true;
    });
    return new Page<>(page, more[0] ? encode(request, last[0]) : "");
  }

  /** The token for the page after {@code lastKey}, for the query {@code request} asked. */
  public static String encode(Message request, byte[] lastKey) {
    ByteBuffer token = ByteBuffer.allocate(1 + FINGERPRINT_BYTES + lastKey.length);
    token.put(VERSION).put(fingerprint(request, lastKey)).put(lastKey);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(token.array());
  }

  /**
   * The key the request's page token stands for; empty when it has none.
   *
   * @throws BatonException INVALID_ARGUMENT for a token that this query did not make
   */
  public static Optional<byte[]> decode(Message request) {
    return decode(request, 0);
  }

  /** As {@link #decode(Message)}, for keys of {@code keyLength} bytes. */
  public static Optional<byte[]> decode(Message request, int keyLength) {
    FieldDescriptor field = request.getDescriptorForType().findFieldByName(PAGE_TOKEN);
    String token = (String) request.getField(field);
    if (token.isEmpty()) {
      return Optional.empty();
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      throw notOurs();
    }
    if (bytes.length <= 1 + FINGERPRINT_BYTES || bytes[0] != VERSION
        || (keyLength > 0 && bytes.length != 1 + FINGERPRINT_BYTES + keyLength)) {
      throw notOurs();
    }
    byte[] key = Arrays.copyOfRange(bytes, 1 + FINGERPRINT_BYTES, bytes.length);
    if (!Arrays.equals(bytes, 1, 1 + FINGERPRINT_BYTES, fingerprint(request, key), 0, FINGERPRINT_BYTES)) {
      throw BatonException.invalid(PAGE_TOKEN, "not a token for this query: send the same filters as the call "
          + "that returned it (or no token, to start again), and the token unchanged");
    }
    return Optional.of(key);
  }

  /** Page size from a request: 0 means the default, more than the maximum is refused. */
  public static int pageSize(int requested, int defaultSize, int max, String field) {
    if (requested == 0) {
      return defaultSize;
    }
    if (requested < 0 || requested > max) {
      throw BatonException.invalid(field, "between 1 and " + max);
    }
    return requested;
  }

  private static BatonException notOurs() {
    return BatonException.invalid(PAGE_TOKEN, "not a page token from a previous response of this coordinator");
  }

  /**
   * A hash of the request's filters (every field but the page size and token, serialized deterministically) and of
   * the key: a token changed in transit, or sent with other filters, does not match.
   */
  private static byte[] fingerprint(Message request, byte[] key) {
    Message.Builder query = request.toBuilder();
    for (String name : new String[] {PAGE_TOKEN, PAGE_SIZE}) {
      FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
      if (field != null) {
        query.clearField(field);
      }
    }
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      query.build().writeTo(out);
      out.flush();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(bytes.toByteArray());
      sha.update(key);
      return Arrays.copyOf(sha.digest(), FINGERPRINT_BYTES);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
