package dev.baton.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatonClientTest {
  /** Fails the first {@code failures} calls of each method with {@code status}, then answers. */
  private static final class FlakyJobs extends JobServiceGrpc.JobServiceImplBase {
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger deletes = new AtomicInteger();
    final List<String> requestIds = new CopyOnWriteArrayList<>();
    volatile int failures;
    volatile Status status = Status.UNAVAILABLE;

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> response) {
      answer(gets.incrementAndGet(), request.getName(), response);
    }

    @Override
    public void createJob(CreateJobRequest request, StreamObserver<Job> response) {
      requestIds.add(request.getRequestId());
      answer(creates.incrementAndGet(), request.getJob().getName(), response);
    }

    @Override
    public void deleteJob(DeleteJobRequest request, StreamObserver<DeleteJobResponse> response) {
      if (deletes.incrementAndGet() <= failures) {
        response.onError(status.asRuntimeException());
        return;
      }
      response.onNext(DeleteJobResponse.getDefaultInstance());
      response.onCompleted();
    }

    private void answer(int call, String name, StreamObserver<Job> response) {
      if (name.equals("hang")) {
        return; // never answers: the deadline must end the call
      }
      if (call <= failures) {
        response.onError(status.asRuntimeException());
        return;
      }
      response.onNext(Job.newBuilder().setName(name).build());
      response.onCompleted();
    }
  }

  private final FlakyJobs jobs = new FlakyJobs();
  private Server server;
  private BatonClient client;

  @BeforeEach
  void start() throws Exception {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(jobs).build().start();
    client = BatonClient.create(InProcessChannelBuilder.forName(name).directExecutor(), Duration.ofSeconds(3));
  }

  @AfterEach
  void stop() {
    client.close();
    server.shutdownNow();
  }

  @Test
  void idempotentCallsAreRetriedOnUnavailable() {
    jobs.failures = 2;
    assertEquals("a", client.jobs().getJob(GetJobRequest.newBuilder().setName("a").build()).getName());
    assertEquals(3, jobs.gets.get());
  }

  @Test
  void nonIdempotentCallsAreNeverRetried() {
    jobs.failures = 1;
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> client.jobs().deleteJob(DeleteJobRequest.newBuilder().setName("a").build()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(1, jobs.deletes.get());
  }

  @Test
  void callsWithARequestIdGetOneAndAreRetriedWithTheSameId() {
    jobs.failures = 2;
    client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName("a")).build());
    assertEquals(3, jobs.creates.get());
    assertEquals(1, Set.copyOf(jobs.requestIds).size(), "one id for the call and its retries: " + jobs.requestIds);
    assertTrue(jobs.requestIds.get(0).matches("[0-9a-f-]{36}"), jobs.requestIds.get(0));

    client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName("b")).build());
    assertNotEquals(jobs.requestIds.get(0), jobs.requestIds.get(3), "each call its own id");
  }

  @Test
  void aRequestIdTheCallerSetIsKept() {
    client.jobs().createJob(CreateJobRequest.newBuilder().setRequestId("mine")
        .setJob(Job.newBuilder().setName("a")).build());
    assertEquals(List.of("mine"), jobs.requestIds);
  }

  @Test
  void otherCodesAreNotRetried() {
    jobs.failures = 1;
    jobs.status = Status.INTERNAL;
    assertThrows(StatusRuntimeException.class, () -> client.jobs().getJob(GetJobRequest.newBuilder().setName("a").build()));
    assertEquals(1, jobs.gets.get());
  }

  @Test
  void unaryCallsGetADefaultDeadline() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> client.jobs().getJob(GetJobRequest.newBuilder().setName("hang").build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
  }
}
