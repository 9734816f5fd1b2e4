package dev.baton.coordinator.api;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.Violation;
import dev.baton.coordinator.store.StoreException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. A {@link BatonException} maps to its code (with
 * {@code google.rpc.BadRequest} field violations for bad input); anything else is a bug in the coordinator, logged
 * here with its stack trace and sent as INTERNAL with a plain message: never a stack trace on the wire.
 */
public final class ErrorMapper {
  private static final Logger log = LoggerFactory.getLogger(ErrorMapper.class);

  private ErrorMapper() {}

  public static StatusRuntimeException toStatus(Throwable failure) {
    if (failure instanceof StatusRuntimeException alreadyMapped) {
      return alreadyMapped;
    }
    if (failure instanceof BatonException e) {
      com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
          .setCode(code(e.kind()).getNumber())
          .setMessage(e.getMessage());
      if (!e.violations().isEmpty()) {
        BadRequest.Builder badRequest = BadRequest.newBuilder();
        for (Violation v : e.violations()) {
          badRequest.addFieldViolationsBuilder().setField(v.field()).setDescription(v.description());
        }
        status.addDetails(Any.pack(badRequest.build()));
      }
      return StatusProto.toStatusRuntimeException(status.build());
    }
    if (failure instanceof StoreException e && e.diskFull()) {
      // Not the caller's mistake and not a bug: nothing was changed, and writes work again once there is space.
      log.warn("a write was refused: the coordinator's disk is full ({})", e.getMessage());
      return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
          .setCode(Code.RESOURCE_EXHAUSTED.getNumber())
          .setMessage("the coordinator's disk is full; nothing was changed, and writes work again once space is "
              + "freed (reads still work)")
          .build());
    }
    log.error("internal error", failure);
    return Status.INTERNAL.withDescription("internal error in the coordinator (see its log)").asRuntimeException();
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
      case UNIMPLEMENTED -> Code.UNIMPLEMENTED;
    };
  }
}
