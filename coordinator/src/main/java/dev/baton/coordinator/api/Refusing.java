package dev.baton.coordinator.api;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import java.util.function.Supplier;

/**
 * A service that answers every call with one error: what a coordinator serves in place of the leader's services
 * while it starts, or while it is a standby (the error names the leader).
 */
public final class Refusing {
  private Refusing() {}

  /** Every method of {@code service} ends at once with {@code answer}'s status and trailers. */
  public static ServerServiceDefinition service(ServiceDescriptor service, Supplier<StatusRuntimeException> answer) {
    ServerServiceDefinition.Builder out = ServerServiceDefinition.builder(service);
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      add(out, method, answer);
    }
    return out.build();
  }

  private static <Q, R> void add(ServerServiceDefinition.Builder out, MethodDescriptor<Q, R> method,
      Supplier<StatusRuntimeException> answer) {
    ServerCallHandler<Q, R> handler = (call, headers) -> refuse(call, answer.get());
    out.addMethod(method, handler);
  }

  /** Ends {@code call} at once with {@code e}'s status and trailers; the listener to return for it. */
  public static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, StatusRuntimeException e) {
    call.close(e.getStatus(), e.getTrailers() == null ? new Metadata() : e.getTrailers());
    return new ServerCall.Listener<>() {};
  }
}
