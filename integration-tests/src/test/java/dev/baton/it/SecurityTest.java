package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.cli.pki.Pki;
import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.EtcdProcess;
import dev.baton.it.fixture.TestPki;
import dev.baton.it.fixture.Workers;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.CreateTokenRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.RevokeTokenRequest;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.WhoAmIRequest;
import dev.baton.proto.v1.WorkerState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secure cluster of real processes (DESIGN.md section 9, Security): coordinators serving TLS and checking every
 * caller, agents proving their names with certificates of the cluster's CA, the CLI with tokens, HA replication and
 * etcd over TLS.
 */
class SecurityTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path work;

  private static List<String> args(List<String> tls, String... more) {
    List<String> all = new ArrayList<>(List.of(more));
    all.addAll(tls);
    return all;
  }

  private static String[] array(List<String> list) {
    return list.toArray(String[]::new);
  }

  @Test
  void tlsClusterWithCertifiedAgentsTokensRolesAndAnAuditLog() throws Exception {
    TestPki pki = TestPki.create(work.resolve("pki")).issue(Pki.Kind.COORDINATOR, "c1").issue(Pki.Kind.AGENT, "w1");
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work, array(args(pki.flags("c1"), "--auth")))
            .start();
        AgentProcess agent = new AgentProcess(work, "w1", array(pki.flags("w1"))).start(coordinator.target())) {
      Path tokenFile = work.resolve("coordinator-data/admin-token");
      assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(tokenFile)), "the bootstrap admin token is for the coordinator's owner only");
      assertTrue(coordinator.log().contains(tokenFile.toString()), "the log says where the admin token is");
      Cli plain = new Cli(coordinator.target(), work);
      Cli.Result refused = plain.run("job", "list");
      assertEquals(1, refused.exitCode(), refused.toString());
      assertTrue(refused.stderr().contains("probably serves TLS"), refused.toString());

      Cli tls = plain.withEnv(Map.of("BATON_TLS_CA", pki.ca().toString()));
      Cli asAdmin = tls.withEnv(Map.of("BATON_TOKEN", coordinator.adminToken()));
      Cli.Result created = asAdmin.run("job", "create", "hello", "--", "/bin/echo", "hi");
      assertEquals(0, created.exitCode(), created.toString());
      Cli.Result operatorToken = asAdmin.run("token", "create", "ops", "--role", "operator");
      assertEquals(0, operatorToken.exitCode(), operatorToken.toString());
      assertTrue(operatorToken.stderr().contains("shown only now"), operatorToken.toString());

      // The same checks through the client helper (each CLI call is a JVM start).
      try (BatonClient anonymous = BatonClient.connect(coordinator.target(), pki.client(null));
          BatonClient operator = BatonClient.connect(coordinator.target(), pki.client(operatorToken.stdout().trim()));
          BatonClient admin = BatonClient.connect(coordinator.target(), pki.client(coordinator.adminToken()))) {
        StatusRuntimeException unauthenticated = assertThrows(StatusRuntimeException.class,
            () -> anonymous.jobs().getJob(GetJobRequest.newBuilder().setName("hello").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, unauthenticated.getStatus().getCode());
        StatusRuntimeException tooWeak = assertThrows(StatusRuntimeException.class,
            () -> operator.jobs().deleteJob(DeleteJobRequest.newBuilder().setName("hello").build()));
        assertEquals(Status.Code.PERMISSION_DENIED, tooWeak.getStatus().getCode());
        assertTrue(tooWeak.getStatus().getDescription().contains("needs the admin role"), tooWeak.toString());
        String run = Runs.awaitSucceeded(operator, Runs.trigger(operator, "hello").getId(), WAIT).getId();
        assertEquals("hi", Runs.output(operator, run).trim(), "ran on the certified agent, read by an operator");

        admin.access().revokeToken(RevokeTokenRequest.newBuilder().setName("ops").build());
        StatusRuntimeException revoked = assertThrows(StatusRuntimeException.class,
            () -> operator.jobs().getJob(GetJobRequest.newBuilder().setName("hello").build()));
        assertEquals(Status.Code.UNAUTHENTICATED, revoked.getStatus().getCode());
        assertTrue(revoked.getStatus().getDescription().contains("revoked"), revoked.toString());
      }

      String shortLived;
      try (BatonClient admin = BatonClient.connect(coordinator.target(), pki.client(coordinator.adminToken()))) {
        shortLived = admin.access().createToken(CreateTokenRequest.newBuilder().setName("brief")
            .setRole(Role.ROLE_VIEWER).setTtl(com.google.protobuf.util.Durations.fromSeconds(5)).build()).getSecret();
      }
      try (BatonClient brief = BatonClient.connect(coordinator.target(), pki.client(shortLived))) {
        assertEquals("token brief", brief.access().whoAmI(WhoAmIRequest.getDefaultInstance()).getWho());
        Deadline.await(WAIT, "the token to expire", () -> {
          try {
            brief.jobs().getJob(GetJobRequest.newBuilder().setName("hello").build());
            return false;
          } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode(), e.toString());
            assertTrue(e.getStatus().getDescription().contains("expired"), e.toString());
            return true;
          }
        });
      }

      Cli.Result audit = asAdmin.run("audit", "list", "-o", "json");
      assertEquals(0, audit.exitCode(), audit.toString());
      for (String expected : List.of("\"token bootstrap-admin\"", "\"token ops\"", "PERMISSION_DENIED",
          "baton.v1.AccessService/RevokeToken", "baton.v1.JobService/CreateJob")) {
        assertTrue(audit.stdout().contains(expected), expected + " in\n" + audit);
      }
      assertTrue(!audit.stdout().contains("WhoAmI") && !audit.stdout().contains("GetJob"),
          "reads are not audited:\n" + audit);
    }
  }

  @Test
  void agentsCannotPassForAnotherAgentNorComeWithAnotherCasCertificate() throws Exception {
    TestPki pki = TestPki.create(work.resolve("pki")).issue(Pki.Kind.COORDINATOR, "c1").issue(Pki.Kind.AGENT, "w1");
    TestPki stranger = TestPki.create(work.resolve("other-pki")).issue(Pki.Kind.AGENT, "w2");
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work, array(args(pki.flags("c1"), "--auth")))
            .start();
        BatonClient admin = BatonClient.connect(coordinator.target(), pki.client(coordinator.adminToken()));
        AgentProcess impostor = new AgentProcess(work, "w9",
            array(pki.flags("w1"))).start(coordinator.target());
        AgentProcess foreign = new AgentProcess(work, "w2", "--tls-cert",
            stranger.cert("w2").toString(), "--tls-key", stranger.key("w2").toString(), "--tls-ca", pki.ca().toString()).start(coordinator.target())) {
      Path logs = work.resolve("logs");
      Deadline.await(WAIT, "the impostor to be refused", () -> read(logs.resolve("agent-w9-1.err"))
          .contains("proved to be 'w1' but said hello as 'w9'"));
      Deadline.await(WAIT, "the foreign agent's handshake to fail", () -> read(logs.resolve("agent-w2-1.err"))
          .contains("TLS with " + coordinator.target() + " failed"));
      assertTrue(Workers.find(admin, "w9").isEmpty() && Workers.find(admin, "w2").isEmpty(),
          "neither agent became a worker");
      String audit = admin.access().listAuditRecords(ListAuditRecordsRequest.newBuilder().setWho("w1").build())
          .toString();
      assertTrue(audit.contains("PERMISSION_DENIED") && audit.contains("AgentService/Connect"), audit);
      try (AgentProcess honest = new AgentProcess(work, "w1", array(pki.flags("w1"))).start(coordinator.target())) {
        Workers.await(admin, "w1", WorkerState.WORKER_STATE_LIVE, WAIT);
      }
    }
  }

  @Test
  void haReplicationAndEtcdOverTls() throws Exception {
    TestPki pki = TestPki.create(work.resolve("pki")).issue(Pki.Kind.COORDINATOR, "c1")
        .issue(Pki.Kind.COORDINATOR, "c2");
    try (EtcdProcess etcd = new EtcdProcess(work.resolve("etcd")).withTls(pki, "etcd").start();
        CoordinatorProcess c1 = new CoordinatorProcess(work.resolve("c1"),
            array(args(pki.flags("c1"), "--auth", "--etcd", etcd.endpoint(), "--lease-ttl", "3s"))).start();
        CoordinatorProcess c2 = new CoordinatorProcess(work.resolve("c2"),
            array(args(pki.flags("c2"), "--auth", "--etcd", etcd.endpoint(), "--lease-ttl", "3s"))).start()) {
      String targets = c1.target() + "," + c2.target();
      Path tokenFile = work.resolve("c1/coordinator-data/admin-token");
      Deadline.await(WAIT, "the first leader to write its admin token", () -> Files.exists(tokenFile)
          || Files.exists(work.resolve("c2/coordinator-data/admin-token")));
      String token = Files.exists(tokenFile) ? Files.readString(tokenFile).trim()
          : Files.readString(work.resolve("c2/coordinator-data/admin-token")).trim();
      try (BatonClient client = BatonClient.connect(targets, pki.client(token))) {
        Deadline.await(WAIT, "a leader with its standby in sync", () -> {
          try {
            ClusterStatus status = client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
            return status.getCoordinatorsList().stream().anyMatch(c -> c.getRole()
                == CoordinatorRole.COORDINATOR_ROLE_STANDBY && c.getInSync());
          } catch (StatusRuntimeException e) {
            return false;
          }
        });
        dev.baton.it.fixture.Runs.create(client, dev.baton.proto.v1.Job.newBuilder().setName("replicated")
            .setCommand(dev.baton.proto.v1.Command.newBuilder().setShell("true")));
        String leader = client.cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance())
            .getLeaderAddress();
        CoordinatorProcess old = leader.equals(c1.target()) ? c1 : c2;
        old.kill9();
        Deadline.await(WAIT, "the standby to lead with the job and the token", () -> {
          try {
            return client.jobs().getJob(GetJobRequest.newBuilder().setName("replicated").build()).getName()
                .equals("replicated");
          } catch (StatusRuntimeException e) {
            return false;
          }
        });
      }
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
