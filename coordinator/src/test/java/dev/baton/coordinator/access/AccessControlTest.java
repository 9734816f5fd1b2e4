package dev.baton.coordinator.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.Credentials;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.proto.v1.AccessProto;
import dev.baton.proto.v1.AgentServiceProto;
import dev.baton.proto.v1.AuditRecord;
import dev.baton.proto.v1.ClusterServiceProto;
import dev.baton.proto.v1.JobServiceProto;
import dev.baton.proto.v1.NotifyProto;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ReplicationProto;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.RunServiceProto;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every RPC of every service a coordinator serves, called by every kind of caller (none, viewer, operator, admin,
 * agent) through the real {@link AccessControl} and token store, behind which each method only says "reached". The
 * expected rules are written out below, not read from the code under test: an RPC added without a line here fails
 * {@link #everyServedRpcIsInThisTable}.
 */
class AccessControlTest {
  private static final String REACHED = "reached";

  /** What each RPC needs, as the security design says. */
  private static final Map<String, Role> EXPECTED = Map.ofEntries(
      Map.entry("baton.v1.JobService/CreateJob", Role.ROLE_ADMIN),
      Map.entry("baton.v1.JobService/GetJob", Role.ROLE_VIEWER),
      Map.entry("baton.v1.JobService/ListJobs", Role.ROLE_VIEWER),
      Map.entry("baton.v1.JobService/UpdateJob", Role.ROLE_ADMIN),
      Map.entry("baton.v1.JobService/DeleteJob", Role.ROLE_ADMIN),
      Map.entry("baton.v1.JobService/PauseJob", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.JobService/ResumeJob", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.JobService/TriggerJob", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.JobService/BackfillJob", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.JobService/ExplainSchedule", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/GetRun", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/ListRuns", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/CancelRun", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.RunService/RerunRun", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.RunService/WatchRunEvents", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/StreamOutput", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/GetWave", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/ListWaves", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/GetDeadLetter", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/ListDeadLetters", Role.ROLE_VIEWER),
      Map.entry("baton.v1.RunService/RedriveDeadLetter", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.RunService/PurgeDeadLetter", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.ClusterService/GetClusterStatus", Role.ROLE_VIEWER),
      Map.entry("baton.v1.ClusterService/ListWorkers", Role.ROLE_VIEWER),
      Map.entry("baton.v1.ClusterService/DrainWorker", Role.ROLE_OPERATOR),
      Map.entry("baton.v1.ClusterService/GetWorker", Role.ROLE_VIEWER),
      Map.entry("baton.v1.ClusterService/GetDispatchPolicy", Role.ROLE_VIEWER),
      Map.entry("baton.v1.ClusterService/SetDispatchPolicy", Role.ROLE_ADMIN),
      Map.entry("baton.v1.AccessService/CreateToken", Role.ROLE_ADMIN),
      Map.entry("baton.v1.AccessService/ListTokens", Role.ROLE_ADMIN),
      Map.entry("baton.v1.AccessService/RevokeToken", Role.ROLE_ADMIN),
      Map.entry("baton.v1.AccessService/ListAuditRecords", Role.ROLE_VIEWER),
      Map.entry("baton.v1.AccessService/WhoAmI", Role.ROLE_VIEWER),
      Map.entry("baton.v1.NotificationService/CreateWebhook", Role.ROLE_ADMIN),
      Map.entry("baton.v1.NotificationService/ListWebhooks", Role.ROLE_VIEWER),
      Map.entry("baton.v1.NotificationService/DeleteWebhook", Role.ROLE_ADMIN),
      Map.entry("baton.v1.NotificationService/TestWebhook", Role.ROLE_ADMIN),
      Map.entry("baton.v1.NotificationService/ListDeliveries", Role.ROLE_VIEWER),
      Map.entry("baton.v1.AgentService/Connect", Role.ROLE_AGENT),
      Map.entry("baton.v1.ReplicationService/Follow", Role.ROLE_COORDINATOR));

  /** The callers, and which required roles each may call: the role hierarchy, written out. */
  private enum Caller {
    NONE(Set.of()),
    VIEWER(Set.of(Role.ROLE_VIEWER)),
    OPERATOR(Set.of(Role.ROLE_VIEWER, Role.ROLE_OPERATOR)),
    ADMIN(Set.of(Role.ROLE_VIEWER, Role.ROLE_OPERATOR, Role.ROLE_ADMIN)),
    AGENT(Set.of(Role.ROLE_AGENT));

    final Set<Role> mayCall;

    Caller(Set<Role> mayCall) {
      this.mayCall = mayCall;
    }
  }

  @TempDir Path dir;

  private final FakeClock clock = FakeClock.at("2026-12-01T10:00:00Z");
  private Store store;
  private Tokens tokens;
  private AuditLog audit;
  private Server server;
  private ManagedChannel channel;
  private final Map<Caller, String> secrets = new EnumMap<>(Caller.class);

  @BeforeEach
  void start() throws Exception {
    store = Store.open(dir.resolve("store"));
    tokens = new Tokens(store, clock);
    audit = new AuditLog(store, clock, 1);
    secrets.put(Caller.VIEWER, tokens.create("v", Role.ROLE_VIEWER, Duration.ZERO, "test").secret());
    secrets.put(Caller.OPERATOR, tokens.create("o", Role.ROLE_OPERATOR, Duration.ZERO, "test").secret());
    secrets.put(Caller.ADMIN, tokens.create("a", Role.ROLE_ADMIN, Duration.ZERO, "test").secret());
    secrets.put(Caller.AGENT, tokens.create("w1", Role.ROLE_AGENT, Duration.ZERO, "test").secret());
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder builder = InProcessServerBuilder.forName(name).directExecutor();
    for (ServiceDescriptor service : Coordinator.LEADER_SERVICES) {
      builder.addService(reachedOnly(service));
    }
    server = builder.intercept(new AccessControl(new AccessRules(Coordinator.LEADER_SERVICES), tokens, true,
        () -> Optional.of(audit))).build().start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    store.close();
  }

  /** Every method of {@code service} answers ABORTED "reached" at once: what passed the access check. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private static ServerServiceDefinition reachedOnly(ServiceDescriptor service) {
    ServerServiceDefinition.Builder definition = ServerServiceDefinition.builder(service);
    ServerCallHandler handler = (ServerCallHandler<Object, Object>) (call, headers) -> {
      call.close(Status.ABORTED.withDescription(REACHED), new Metadata());
      return new ServerCall.Listener<>() {};
    };
    for (MethodDescriptor<?, ?> method : service.getMethods()) {
      definition.addMethod((MethodDescriptor) method, handler);
    }
    return definition.build();
  }

  @Test
  void everyServedRpcIsInThisTable() {
    Set<String> served = new TreeSet<>();
    for (ServiceDescriptor service : Coordinator.LEADER_SERVICES) {
      service.getMethods().forEach(m -> served.add(m.getFullMethodName()));
    }
    assertEquals(new TreeSet<>(EXPECTED.keySet()), served, "a served RPC without an expected rule, or the reverse");
    // Every service of the baton.v1 API is served (and so checked here).
    Set<String> declared = new TreeSet<>();
    for (var file : List.of(JobServiceProto.getDescriptor(), RunServiceProto.getDescriptor(),
        ClusterServiceProto.getDescriptor(), AccessProto.getDescriptor(), NotifyProto.getDescriptor(),
        AgentServiceProto.getDescriptor(), ReplicationProto.getDescriptor())) {
      file.getServices().forEach(s -> s.getMethods().forEach(m -> declared.add(s.getFullName() + "/" + m.getName())));
    }
    assertEquals(declared, served);
  }

  @TestFactory
  List<DynamicTest> everyRpcTimesEveryRole() {
    List<DynamicTest> tests = new ArrayList<>();
    for (ServiceDescriptor service : Coordinator.LEADER_SERVICES) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        for (Caller caller : Caller.values()) {
          tests.add(DynamicTest.dynamicTest(method.getFullMethodName() + " by " + caller, () -> {
            Status status = call(method, caller);
            Role needs = EXPECTED.get(method.getFullMethodName());
            if (caller == Caller.NONE) {
              assertEquals(Status.Code.UNAUTHENTICATED, status.getCode(), status.toString());
            } else if (caller.mayCall.contains(needs)) {
              assertEquals(REACHED, status.getDescription(), status.toString());
            } else {
              assertEquals(Status.Code.PERMISSION_DENIED, status.getCode(), status.toString());
              assertTrue(status.getDescription().contains("needs the " + AccessRules.text(needs) + " role"),
                  status.toString());
            }
          }));
        }
      }
    }
    return tests;
  }

  @Test
  void healthIsOpenToAnyone() {
    assertEquals(Status.Code.UNIMPLEMENTED, call(io.grpc.health.v1.HealthGrpc.getCheckMethod(), Caller.NONE)
        .getCode(), "not refused: only not served by this test's server");
  }

  @Test
  void revokedAndExpiredTokensAreRefusedOnTheirNextCall() {
    String brief = tokens.create("brief", Role.ROLE_ADMIN, Duration.ofMinutes(5), "test").secret();
    MethodDescriptor<?, ?> getJob = dev.baton.proto.v1.JobServiceGrpc.getGetJobMethod();
    assertEquals(REACHED, call(getJob, secrets.get(Caller.OPERATOR)).getDescription());
    tokens.revoke("o");
    Status revoked = call(getJob, secrets.get(Caller.OPERATOR));
    assertEquals(Status.Code.UNAUTHENTICATED, revoked.getCode());
    assertTrue(revoked.getDescription().contains("revoked"), revoked.toString());

    assertEquals(REACHED, call(getJob, brief).getDescription());
    clock.advance(Duration.ofMinutes(5));
    Status expired = call(getJob, brief);
    assertEquals(Status.Code.UNAUTHENTICATED, expired.getCode());
    assertTrue(expired.getDescription().contains("expired"), expired.toString());

    Status unknown = call(getJob, "baton_not-a-token");
    assertEquals(Status.Code.UNAUTHENTICATED, unknown.getCode());
  }

  @Test
  void changesAreAuditedWithWhoAndOutcomeReadsAndStrangersAreNot() {
    call(dev.baton.proto.v1.JobServiceGrpc.getTriggerJobMethod(), Caller.OPERATOR);
    call(dev.baton.proto.v1.JobServiceGrpc.getCreateJobMethod(), Caller.OPERATOR);
    call(dev.baton.proto.v1.JobServiceGrpc.getGetJobMethod(), Caller.OPERATOR);
    call(dev.baton.proto.v1.JobServiceGrpc.getDeleteJobMethod(), Caller.NONE);
    List<AuditRecord> records = audit.list(ListAuditRecordsRequest.getDefaultInstance()).getRecordsList();
    assertEquals(List.of("token o baton.v1.JobService/TriggerJob ABORTED",
            "token o baton.v1.JobService/CreateJob PERMISSION_DENIED"),
        records.stream().map(r -> r.getWho() + " " + r.getMethod() + " " + r.getOutcome())
            .collect(Collectors.toList()));
    assertEquals(List.of(), audit.list(ListAuditRecordsRequest.newBuilder().setWho("a").build()).getRecordsList());
    assertEquals(2, audit.list(ListAuditRecordsRequest.newBuilder().setWho("o").build()).getRecordsCount());
  }

  @Test
  void aChangeAndItsRecordAreCommittedTogetherInOneSyncedWrite() throws Exception {
    // A service whose calls commit a change on the call's thread, then answer OK, or fail after committing.
    String name = InProcessServerBuilder.generateName();
    ServerServiceDefinition.Builder definition =
        ServerServiceDefinition.builder(dev.baton.proto.v1.JobServiceGrpc.getServiceDescriptor());
    for (MethodDescriptor<?, ?> method : dev.baton.proto.v1.JobServiceGrpc.getServiceDescriptor().getMethods()) {
      addCommitting(definition, method);
    }
    store.beforeCommit(audit::addCallRecord);
    Server committing = InProcessServerBuilder.forName(name).directExecutor().addService(definition.build())
        .intercept(new AccessControl(new AccessRules(Coordinator.LEADER_SERVICES), tokens, true,
            () -> Optional.of(audit))).build().start();
    ManagedChannel saved = channel;
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    try {
      long before = store.syncedWrites();
      assertEquals(Status.Code.OK, call(dev.baton.proto.v1.JobServiceGrpc.getTriggerJobMethod(), Caller.OPERATOR)
          .getCode());
      assertEquals(1, store.syncedWrites() - before, "the change and its record: one fsync");
      assertEquals(Status.Code.INTERNAL, call(dev.baton.proto.v1.JobServiceGrpc.getDeleteJobMethod(), Caller.ADMIN)
          .getCode());
      List<AuditRecord> records = audit.list(ListAuditRecordsRequest.getDefaultInstance()).getRecordsList();
      assertEquals(List.of("token o baton.v1.JobService/TriggerJob OK",
              "token a baton.v1.JobService/DeleteJob OK", "token a baton.v1.JobService/DeleteJob INTERNAL"),
          records.stream().map(r -> r.getWho() + " " + r.getMethod() + " " + r.getOutcome()).toList(),
          "a call that failed after its change was committed shows both");
    } finally {
      channel.shutdownNow();
      channel = saved;
      committing.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      store.beforeCommit(null);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void addCommitting(ServerServiceDefinition.Builder definition, MethodDescriptor<?, ?> method) {
    boolean failsAfterCommit = method.getFullMethodName().endsWith("/DeleteJob");
    ServerCallHandler handler = (ServerCallHandler<Object, Object>) (call, headers) -> {
      call.request(1);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          try (dev.baton.coordinator.store.Batch batch = store.batch()) {
            batch.put(dev.baton.coordinator.store.ColumnFamily.JOBS, "k".getBytes(), new byte[] {1});
            store.commit(batch);
          }
          if (!failsAfterCommit) {
            call.sendHeaders(new Metadata());
            call.sendMessage(((MethodDescriptor.PrototypeMarshaller<?>) method.getResponseMarshaller())
                .getMessagePrototype());
          }
          call.close(failsAfterCommit ? Status.INTERNAL : Status.OK, new Metadata());
        }
      };
    };
    definition.addMethod((MethodDescriptor) method, handler);
  }

  private Status call(MethodDescriptor<?, ?> method, Caller caller) {
    return call(method, secrets.get(caller));
  }

  @SuppressWarnings("unchecked")
  private Status call(MethodDescriptor<?, ?> method, String secret) {
    ClientCall<Object, Object> call = channel.newCall((MethodDescriptor<Object, Object>) method, CallOptions.DEFAULT);
    CompletableFuture<Status> closed = new CompletableFuture<>();
    Metadata headers = new Metadata();
    if (secret != null) {
      headers.put(Credentials.AUTHORIZATION, Credentials.BEARER + secret);
    }
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
      }
    }, headers);
    call.request(1);
    if (method.getType().clientSendsOneMessage()) {
      call.sendMessage(((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
          .getMessagePrototype());
    }
    call.halfClose();
    return closed.join();
  }
}
