package dev.baton.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.baton.proto.v1.CreateJobRequest;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatonClientTest {
  /** Fails the first {@code failures} calls of each method with {@code status}, then answers. */
  private static final class FlakyJobs extends JobServiceGrpc.JobServiceImplBase {
    final AtomicInteger gets = new AtomicInteger();
    final AtomicInteger creates = new AtomicInteger();
    volatile int failures;
    volatile Status status = Status.UNAVAILABLE;

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> response) {
      answer(gets.incrementAndGet(), request.getName(), response);
    }

    @Override
    public void createJob(CreateJobRequest request, StreamObserver<Job> response) {
      answer(creates.incrementAndGet(), request.getJob().getName(), response);
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
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> client.jobs().createJob(
        CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName("a")).build()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(1, jobs.creates.get());
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
