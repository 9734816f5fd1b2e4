package dev.baton.coordinator.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.Violation;
import dev.baton.coordinator.store.StoreException;
import dev.baton.proto.v1.ErrorReason;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. A {@link BatonException} maps to its code, with a
 * {@code google.rpc.ErrorInfo} carrying its stable reason, {@code google.rpc.BadRequest} field violations for bad
 * input, and its other details; anything else is a bug in the coordinator, logged
 * here with its stack trace and sent as INTERNAL with a plain message: never a stack trace on the wire.
 */
public final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  /** The domain of every {@code ErrorInfo} a coordinator sends. */
  public static final String DOMAIN = "baton.dev";
  private static final String PREFIX = "ERROR_REASON_";

  public static StatusRuntimeException toStatus(Throwable failure) {
    if (failure instanceof StatusRuntimeException alreadyMapped) {
      return alreadyMapped;
    }
    if (failure instanceof BatonException e) {
      com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
          .setCode(code(e.kind()).getNumber())
          .setMessage(e.getMessage())
          .addDetails(Any.pack(errorInfo(e.reason(), e.metadata())));
      if (!e.violations().isEmpty()) {
        BadRequest.Builder badRequest = BadRequest.newBuilder();
        for (Violation v : e.violations()) {
          badRequest.addFieldViolationsBuilder().setField(v.field()).setDescription(v.description());
        }
        status.addDetails(Any.pack(badRequest.build()));
      }
      e.details().forEach(detail -> status.addDetails(Any.pack(detail)));
      return StatusProto.toStatusRuntimeException(status.build());
    }
    if (failure instanceof dev.baton.coordinator.store.NotReplicatedException) {
      return status(Code.UNAVAILABLE, ErrorReason.ERROR_REASON_NOT_LEADER, "this coordinator lost its leadership "
          + "while answering: the change was not acknowledged; send it again (the client helper does, with its "
          + "request_id)");
    }
    if (failure instanceof StoreException e && e.diskFull()) {
      // Not the caller's mistake and not a bug: nothing was changed, and writes work again once there is space.
      log.warn("a write was refused: the coordinator's disk is full ({})", e.getMessage());
      return status(Code.RESOURCE_EXHAUSTED, ErrorReason.ERROR_REASON_DISK_FULL, "the coordinator's disk is full; "
          + "nothing was changed, and writes work again once space is freed (reads still work)");
    }
    log.error("internal error", failure);
    return status(Code.INTERNAL, ErrorReason.ERROR_REASON_INTERNAL, "internal error in the coordinator (see its log)");
  }

  /** A status with its {@code ErrorInfo}, for failures raised at the gRPC edge itself. */
  public static StatusRuntimeException status(Code code, ErrorReason reason, String message) {
    return status(code, reason, message, Map.of());
  }

  /** As {@link #status(Code, ErrorReason, String)}, with {@code ErrorInfo} metadata. */
  public static StatusRuntimeException status(Code code, ErrorReason reason, String message,
      Map<String, String> metadata) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(code.getNumber())
        .setMessage(message)
        .addDetails(Any.pack(errorInfo(reason, metadata)))
        .build());
  }

  /** The reason as sent: the enum's name without its prefix ({@code JOB_NOT_FOUND}). */
  public static String reasonText(ErrorReason reason) {
    return reason.name().substring(PREFIX.length());
  }

  private static ErrorInfo errorInfo(ErrorReason reason, Map<String, String> metadata) {
    return ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(reasonText(reason)).putAllMetadata(metadata).build();
  }

  private static Code code(BatonException.Kind kind) {
    return switch (kind) {
      case INVALID_ARGUMENT -> Code.INVALID_ARGUMENT;
      case NOT_FOUND -> Code.NOT_FOUND;
      case ALREADY_EXISTS -> Code.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Code.FAILED_PRECONDITION;
      case ABORTED -> Code.ABORTED;
      case RESOURCE_EXHAUSTED -> Code.RESOURCE_EXHAUSTED;
      case UNAVAILABLE -> Code.UNAVAILABLE;
    };
  }
}
