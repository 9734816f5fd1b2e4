package dev.baton.coordinator.testing;

import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.AgentServiceGrpc;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.Hello;
import dev.baton.proto.v1.HeldRun;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** An agent played by the test: it opens the worker stream and shows what the coordinator sends. */
public final class FakeAgent implements AutoCloseable {
  private final BlockingQueue<CoordinatorMessage> received = new LinkedBlockingQueue<>();
  private final StreamObserver<AgentMessage> requests;
  private volatile Throwable error;

  public FakeAgent(Channel channel, String id, int slots, List<HeldRun> held) {
    this(channel, Hello.newBuilder().setAgentId(id).setName("fake-" + id).setSlots(slots).addAllHeldRuns(held)
        .build());
  }

  /** An agent that opens its stream with exactly this hello. */
  public FakeAgent(Channel channel, Hello hello) {
    requests = AgentServiceGrpc.newStub(channel).connect(new StreamObserver<>() {
      public void onNext(CoordinatorMessage m) {
        received.add(m);
      }

      public void onError(Throwable t) {
        error = t;
      }

      public void onCompleted() {}
    });
    send(AgentMessage.newBuilder().setHello(hello).build());
  }

  public void send(AgentMessage message) {
    synchronized (requests) {
      requests.onNext(message);
    }
  }

  /** The next message the coordinator sends that matches, skipping heartbeat acks and others. */
  public CoordinatorMessage next(Predicate<CoordinatorMessage> wanted) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < end) {
      CoordinatorMessage m = received.poll(50, TimeUnit.MILLISECONDS);
      if (m != null && wanted.test(m)) {
        return m;
      }
    }
    throw new AssertionError("nothing matching arrived in 10 s" + (error == null ? "" : "; stream error " + error));
  }

  /** Asserts that no matching message arrives within {@code wait}. */
  public void expectNone(Predicate<CoordinatorMessage> unwanted, Duration wait) throws InterruptedException {
    long end = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < end) {
      CoordinatorMessage m = received.poll(20, TimeUnit.MILLISECONDS);
      if (m != null && unwanted.test(m)) {
        throw new AssertionError("unexpected message: " + m);
      }
    }
  }

  public Throwable error() {
    return error;
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // already closed
    }
  }
}
