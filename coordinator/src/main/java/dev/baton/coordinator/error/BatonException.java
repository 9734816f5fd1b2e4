package dev.baton.coordinator.error;

import java.util.List;

/**
 * A request the coordinator refuses, with the reason a caller can act on. The domain throws these; the gRPC edge
 * turns them into a {@code Status} in one place ({@code api.ErrorMapper}). Anything else that escapes is a bug and
 * becomes INTERNAL.
 */
public final class BatonException extends RuntimeException {
  /** The kinds of refusal, each with one gRPC status code at the edge. */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    ABORTED,
    RESOURCE_EXHAUSTED,
    UNAVAILABLE,
    UNIMPLEMENTED
  }

  private final Kind kind;
  private final List<Violation> violations;

  private BatonException(Kind kind, String message, List<Violation> violations) {
    super(message, null, false, false);
    this.kind = kind;
    this.violations = List.copyOf(violations);
  }

  /** Bad input: one or more fields violate their rules. The message lists them. */
  public static BatonException invalid(List<Violation> violations) {
    if (violations.isEmpty()) {
      throw new IllegalArgumentException("an INVALID_ARGUMENT needs at least one violation");
    }
    StringBuilder message = new StringBuilder();
    for (Violation v : violations) {
      if (message.length() > 0) {
        message.append("; ");
      }
      message.append(v.field()).append(": ").append(v.description());
    }
    return new BatonException(Kind.INVALID_ARGUMENT, message.toString(), violations);
  }

  public static BatonException invalid(String field, String description) {
    return invalid(List.of(new Violation(field, description)));
  }

  public static BatonException notFound(String message) {
    return new BatonException(Kind.NOT_FOUND, message, List.of());
  }

  public static BatonException alreadyExists(String message) {
    return new BatonException(Kind.ALREADY_EXISTS, message, List.of());
  }

  public static BatonException failedPrecondition(String message) {
    return new BatonException(Kind.FAILED_PRECONDITION, message, List.of());
  }

  public static BatonException aborted(String message) {
    return new BatonException(Kind.ABORTED, message, List.of());
  }

  public static BatonException resourceExhausted(String message) {
    return new BatonException(Kind.RESOURCE_EXHAUSTED, message, List.of());
  }

  public static BatonException unavailable(String message) {
    return new BatonException(Kind.UNAVAILABLE, message, List.of());
  }

  public static BatonException unimplemented(String message) {
    return new BatonException(Kind.UNIMPLEMENTED, message, List.of());
  }

  public Kind kind() {
    return kind;
  }

  /** The field violations of an INVALID_ARGUMENT; empty otherwise. */
  public List<Violation> violations() {
    return violations;
  }
}
