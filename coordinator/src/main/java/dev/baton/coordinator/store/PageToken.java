package dev.baton.coordinator.store;

import dev.baton.coordinator.error.BatonException;
import java.util.Base64;
import java.util.Optional;

/** Opaque page tokens: the last key a page returned, so the next page starts right after it. */
public final class PageToken {
  private PageToken() {}

  public static String encode(byte[] lastKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey);
  }

  /**
   * The key a token stands for; empty for an empty token.
   *
   * @throws BatonException INVALID_ARGUMENT for a token this coordinator did not make
   */
  public static Optional<byte[]> decode(String token, String field) {
    if (token.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Base64.getUrlDecoder().decode(token));
    } catch (IllegalArgumentException e) {
      throw BatonException.invalid(field, "not a page token from a previous response");
    }
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
}
