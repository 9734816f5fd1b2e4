package dev.baton.coordinator.api;

import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.run.RunStore;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunServiceGrpc;
import io.grpc.stub.StreamObserver;

/**
 * RunService: reading runs. Cancel, events, output, waves and the dead-letter queue answer UNIMPLEMENTED (the
 * generated base class) until the issues that build them.
 */
public final class RunServiceImpl extends RunServiceGrpc.RunServiceImplBase {
  private final RunStore runs;

  public RunServiceImpl(RunStore runs) {
    this.runs = runs;
  }

  @Override
  public void getRun(GetRunRequest request, StreamObserver<Run> response) {
    Calls.unary(response, () -> {
      if (request.getId().isEmpty()) {
        throw BatonException.invalid("id", "required");
      }
      return runs.get(request.getId());
    });
  }

  @Override
  public void listRuns(ListRunsRequest request, StreamObserver<ListRunsResponse> response) {
    Calls.unary(response, () -> runs.list(request));
  }
}
