package dev.baton.coordinator.api;

import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** Runs the body of a unary call and answers with its result or its mapped error. */
final class Calls {
  private Calls() {}

  static <T> void unary(StreamObserver<T> response, Supplier<T> body) {
    T result;
    try {
      result = body.get();
    } catch (RuntimeException | Error e) {
      response.onError(ErrorMapper.toStatus(e));
      return;
    }
    response.onNext(result);
    response.onCompleted();
  }
}
