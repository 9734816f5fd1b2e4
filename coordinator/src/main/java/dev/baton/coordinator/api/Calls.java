package dev.baton.coordinator.api;

import dev.baton.proto.v1.ErrorReason;
import dev.baton.coordinator.error.BatonException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** Runs the body of a unary call and answers with its result or its mapped error. */
final class Calls {
  /** Longest a call waits for the dispatcher's thread. */
  private static final long DISPATCH_WAIT_SECONDS = 10;

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

  /** The value of a future completed by the dispatcher, its failure rethrown as it was. */
  static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(DISPATCH_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw BatonException.unavailable(ErrorReason.ERROR_REASON_COORDINATOR_BUSY,
          "the coordinator is too busy to answer; try again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw BatonException.unavailable(ErrorReason.ERROR_REASON_SHUTTING_DOWN, "the coordinator is shutting down");
    }
  }
}
