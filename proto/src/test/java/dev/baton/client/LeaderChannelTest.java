package dev.baton.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.Any;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Calls follow the leader across coordinators: redirects from standbys, and the next one when one is down. */
class LeaderChannelTest {
  /** A coordinator: the leader answers; a standby names {@code leader}; a down one is UNAVAILABLE. */
  private static final class Coordinator extends JobServiceGrpc.JobServiceImplBase {
    final String name;
    volatile String role = "leader";
    volatile String leader = "";
    final AtomicInteger calls = new AtomicInteger();

    Coordinator(String name) {
      this.name = name;
    }

    private boolean refused(StreamObserver<?> response) {
      calls.incrementAndGet();
      switch (role) {
        case "standby" -> {
          response.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
              .setCode(Code.FAILED_PRECONDITION_VALUE).setMessage("a standby")
              .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("NOT_LEADER").setDomain("baton.dev")
                  .putMetadata("leader", leader).build())).build()));
          return true;
        }
        case "electing" -> {
          if (calls.get() > 3) {
            role = "leader";
            return false;
          }
          response.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
              .setCode(Code.UNAVAILABLE_VALUE).setMessage("no leader")
              .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("NO_LEADER").setDomain("baton.dev").build()))
              .build()));
          return true;
        }
        case "down" -> {
          response.onError(Status.UNAVAILABLE.withDescription("down").asRuntimeException());
          return true;
        }
        default -> {
          return false;
        }
      }
    }

    @Override
    public void getJob(GetJobRequest request, StreamObserver<Job> response) {
      if (!refused(response)) {
        response.onNext(Job.newBuilder().setName(name).build());
        response.onCompleted();
      }
    }

    @Override
    public void createJob(CreateJobRequest request, StreamObserver<Job> response) {
      getJob(GetJobRequest.getDefaultInstance(), response);
    }

    @Override
    public void deleteJob(DeleteJobRequest request, StreamObserver<DeleteJobResponse> response) {
      if (!refused(response)) {
        response.onNext(DeleteJobResponse.getDefaultInstance());
        response.onCompleted();
      }
    }
  }

  private final Map<String, Coordinator> coordinators = new ConcurrentHashMap<>();
  private final List<Server> servers = new ArrayList<>();
  private LeaderChannel channel;

  private JobServiceGrpc.JobServiceBlockingStub start(String... names) throws Exception {
    for (String name : names) {
      Coordinator c = new Coordinator(name);
      coordinators.put(name, c);
      servers.add(InProcessServerBuilder.forName("lc-" + name).directExecutor().addService(c).build().start());
    }
    channel = new LeaderChannel(List.of(names),
        target -> InProcessChannelBuilder.forName("lc-" + target).directExecutor().build(),
        BatonClient::idempotent);
    return JobServiceGrpc.newBlockingStub(ClientInterceptors.intercept(channel,
        new BatonClient.DefaultDeadline(java.time.Duration.ofSeconds(10))));
  }

  @AfterEach
  void stop() {
    channel.shutdown();
    servers.forEach(Server::shutdownNow);
  }

  @Test
  void aStandbysAnswerSendsTheCallToTheLeaderAndLaterCallsGoThereFirst() throws Exception {
    JobServiceGrpc.JobServiceBlockingStub jobs = start("a", "b", "c");
    coordinators.get("a").role = "standby";
    coordinators.get("a").leader = "c";
    coordinators.get("b").role = "standby";
    // Even a call that could act twice: a standby acted on nothing.
    jobs.deleteJob(DeleteJobRequest.newBuilder().setName("x").build());
    assertEquals(1, coordinators.get("c").calls.get());
    assertEquals("c", jobs.getJob(GetJobRequest.getDefaultInstance()).getName());
    assertEquals(1, coordinators.get("a").calls.get(), "the leader is remembered");
    assertEquals("c", channel.current());
  }

  @Test
  void whenTheLeaderIsDownAnIdempotentCallTriesTheNextCoordinators() throws Exception {
    JobServiceGrpc.JobServiceBlockingStub jobs = start("a", "b", "c");
    coordinators.get("a").role = "down";
    coordinators.get("b").role = "standby";
    coordinators.get("b").leader = "c";
    assertEquals("c", jobs.createJob(CreateJobRequest.getDefaultInstance()).getName());
  }

  @Test
  void whileAnElectionLastsAnyCallIsAskedAgainUntilALeaderAnswers() throws Exception {
    JobServiceGrpc.JobServiceBlockingStub jobs = start("a");
    coordinators.get("a").role = "electing";
    jobs.deleteJob(DeleteJobRequest.newBuilder().setName("x").build());
    assertEquals(4, coordinators.get("a").calls.get());
  }

  @Test
  void aCallThatCouldActTwiceIsNotSentAgainAfterUnavailable() throws Exception {
    JobServiceGrpc.JobServiceBlockingStub jobs = start("a", "b");
    coordinators.get("a").role = "down";
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> jobs.deleteJob(DeleteJobRequest.newBuilder().setName("x").build()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(0, coordinators.get("b").calls.get());
  }
}
