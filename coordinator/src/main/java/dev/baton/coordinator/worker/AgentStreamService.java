package dev.baton.coordinator.worker;

import dev.baton.coordinator.access.Principal;
import dev.baton.coordinator.api.ErrorMapper;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.coordinator.run.OutputStore;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.AgentServiceGrpc;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.ErrorReason;
import dev.baton.proto.v1.Hello;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.net.SocketAddress;
import java.time.Clock;

/**
 * AgentService.Connect: one stream per agent. Checks the hello, then hands every message to the dispatcher, which
 * owns all worker state. Flow control: the dispatcher sends only while the stream is ready, and is woken when it
 * becomes ready again.
 */
public final class AgentStreamService extends AgentServiceGrpc.AgentServiceImplBase {
  private final Dispatcher dispatcher;
  private final OutputStore output;
  private final Clock clock;
  private final boolean authOn;

  /**
   * @param authOn whether agents prove who they are: then an agent's name must be the one its certificate (or
   *     agent token) proves, and its id is that name, so that it can neither pass for another agent nor report on
   *     runs another holds
   */
  public AgentStreamService(Dispatcher dispatcher, OutputStore output, Clock clock, boolean authOn) {
    this.dispatcher = dispatcher;
    this.output = output;
    this.clock = clock;
    this.authOn = authOn;
  }

  @Override
  public StreamObserver<AgentMessage> connect(StreamObserver<CoordinatorMessage> responses) {
    ServerCallStreamObserver<CoordinatorMessage> stream = (ServerCallStreamObserver<CoordinatorMessage>) responses;
    stream.setOnReadyHandler(dispatcher::wake);
    SocketAddress peer = RemoteAddress.current();
    Principal caller = Principal.current();
    // Handlers may only be set before this method returns: the session comes later, with the hello.
    java.util.concurrent.atomic.AtomicReference<WorkerSession> established =
        new java.util.concurrent.atomic.AtomicReference<>();
    stream.setOnCancelHandler(() -> {
      WorkerSession s = established.get();
      if (s != null) {
        dispatcher.disconnected(s);
      }
    });
    return new StreamObserver<>() {
      private WorkerSession session;

      @Override
      public void onNext(AgentMessage message) {
        if (session != null) {
          if (message.hasOutput()) {
            // Bulk data, stored here on the stream's thread: while it writes, gRPC reads no more from this agent,
            // which is what slows an agent sending faster than the store takes it. Never queued for the dispatcher.
            output.receive(session.id(), message.getOutput());
          } else {
            dispatcher.message(session, AgentLimits.bounded(message));
          }
          return;
        }
        if (!message.hasHello()) {
          stream.onError(Status.FAILED_PRECONDITION.withDescription("the first message must be a hello")
              .asRuntimeException());
          return;
        }
        java.util.Optional<String> problem = AgentLimits.problem(message.getHello());
        if (problem.isPresent()) {
          stream.onError(Status.INVALID_ARGUMENT.withDescription(problem.get()).asRuntimeException());
          return;
        }
        Hello hello = AgentLimits.bounded(message.getHello());
        if (authOn) {
          if (!hello.getName().equals(caller.name())) {
            stream.onError(ErrorMapper.status(com.google.rpc.Code.PERMISSION_DENIED,
                ErrorReason.ERROR_REASON_AGENT_IDENTITY, "this agent proved to be '" + caller.name()
                    + "' but said hello as '" + hello.getName() + "'; an agent's name is the one its certificate "
                    + "(or agent token) proves"));
            return;
          }
          hello = hello.toBuilder().setAgentId(caller.name()).build();
        }
        session = new WorkerSession(hello, stream, hostPort(peer), clock.instant());
        established.set(session);
        dispatcher.hello(session);
      }

      @Override
      public void onError(Throwable t) {
        if (session != null) {
          dispatcher.disconnected(session);
        }
      }

      @Override
      public void onCompleted() {
        if (session != null) {
          dispatcher.disconnected(session);
        }
        try {
          stream.onCompleted();
        } catch (IllegalStateException alreadyClosed) {
          // the dispatcher closed it first
        }
      }
    };
  }

  /** An agent's address as people write it: {@code 10.0.0.7:51234}, {@code [::1]:51234}; empty if unknown. */
  static String hostPort(SocketAddress peer) {
    if (peer instanceof java.net.InetSocketAddress inet && inet.getAddress() != null) {
      String host = inet.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return peer == null ? "" : peer.toString();
  }

  /** Reads the caller's address from the gRPC context (set by {@link RemoteAddress#interceptor()}). */
  static final class RemoteAddress {
    private static final io.grpc.Context.Key<SocketAddress> KEY = io.grpc.Context.key("baton-remote-address");

    static SocketAddress current() {
      return KEY.get();
    }

    static io.grpc.ServerInterceptor interceptor() {
      return new io.grpc.ServerInterceptor() {
        @Override
        public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, R> call,
            io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, R> next) {
          io.grpc.Context context = io.grpc.Context.current()
              .withValue(KEY, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
          return io.grpc.Contexts.interceptCall(context, call, headers, next);
        }
      };
    }
  }

  /** The interceptor that makes the caller's address visible to this service. */
  public io.grpc.ServerServiceDefinition withAddresses() {
    return io.grpc.ServerInterceptors.intercept(this, RemoteAddress.interceptor());
  }
}
