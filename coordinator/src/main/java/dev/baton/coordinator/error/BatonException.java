package dev.baton.coordinator.error;

import com.google.protobuf.Message;
import com.google.rpc.PreconditionFailure;
import com.google.rpc.ResourceInfo;
import dev.baton.proto.v1.ErrorReason;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request the coordinator refuses, with the reason a caller can act on: a status kind, a stable
 * {@link ErrorReason} (sent as {@code google.rpc.ErrorInfo}), and where it helps the resource concerned or what
 * stands in the way. The domain throws these; the gRPC edge turns them into a {@code Status} in one place
 * ({@code api.ErrorMapper}). Anything else that escapes is a bug and becomes INTERNAL.
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
    UNAVAILABLE
  }

  private final Kind kind;
  private final ErrorReason reason;
  private final List<Violation> violations;
  private final Map<String, String> metadata = new LinkedHashMap<>();
  private final List<Message> details = new ArrayList<>();
  private final PreconditionFailure.Builder preconditions = PreconditionFailure.newBuilder();

  private BatonException(Kind kind, ErrorReason reason, String message, List<Violation> violations) {
    super(message, null, false, false);
    this.kind = kind;
    this.reason = reason;
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
    return new BatonException(Kind.INVALID_ARGUMENT, ErrorReason.ERROR_REASON_INVALID_REQUEST, message.toString(),
        violations);
  }

  public static BatonException invalid(String field, String description) {
    return invalid(List.of(new Violation(field, description)));
  }

  /** Bad input in one field, with a reason more precise than {@code INVALID_REQUEST}. */
  public static BatonException invalid(ErrorReason reason, String field, String description) {
    return new BatonException(Kind.INVALID_ARGUMENT, reason, field + ": " + description,
        List.of(new Violation(field, description)));
  }

  /** NOT_FOUND of one resource, named in a {@code ResourceInfo}. */
  public static BatonException notFound(ErrorReason reason, String resourceType, String name, String message) {
    return new BatonException(Kind.NOT_FOUND, reason, message, List.of()).concerning(resourceType, name);
  }

  /** ALREADY_EXISTS of one resource, named in a {@code ResourceInfo}. */
  public static BatonException alreadyExists(ErrorReason reason, String resourceType, String name,
      String message) {
    return new BatonException(Kind.ALREADY_EXISTS, reason, message, List.of()).concerning(resourceType, name);
  }

  public static BatonException failedPrecondition(ErrorReason reason, String message) {
    return new BatonException(Kind.FAILED_PRECONDITION, reason, message, List.of());
  }

  public static BatonException aborted(ErrorReason reason, String message) {
    return new BatonException(Kind.ABORTED, reason, message, List.of());
  }

  public static BatonException resourceExhausted(ErrorReason reason, String message) {
    return new BatonException(Kind.RESOURCE_EXHAUSTED, reason, message, List.of());
  }

  public static BatonException unavailable(ErrorReason reason, String message) {
    return new BatonException(Kind.UNAVAILABLE, reason, message, List.of());
  }

  /** Adds a {@code ResourceInfo} naming the resource concerned (a type such as {@code baton.v1.Job}). */
  public BatonException concerning(String resourceType, String name) {
    details.add(ResourceInfo.newBuilder().setResourceType(resourceType).setResourceName(name).build());
    return this;
  }

  /** Adds one {@code PreconditionFailure} violation: what stands in the way ({@code type}, {@code subject}). */
  public BatonException blockedBy(String type, String subject, String description) {
    preconditions.addViolations(PreconditionFailure.Violation.newBuilder()
        .setType(type).setSubject(subject).setDescription(description));
    return this;
  }

  /** Adds a value to the {@code ErrorInfo} metadata. */
  public BatonException with(String key, String value) {
    metadata.put(key, value);
    return this;
  }

  public Kind kind() {
    return kind;
  }

  public ErrorReason reason() {
    return reason;
  }

  /** The field violations of an INVALID_ARGUMENT; empty otherwise. */
  public List<Violation> violations() {
    return violations;
  }

  /** The {@code ErrorInfo} metadata. */
  public Map<String, String> metadata() {
    return Map.copyOf(metadata);
  }

  /** The detail messages besides {@code ErrorInfo} and {@code BadRequest}. */
  public List<Message> details() {
    List<Message> all = new ArrayList<>(details);
    if (preconditions.getViolationsCount() > 0) {
      all.add(preconditions.build());
    }
    return all;
  }
}
