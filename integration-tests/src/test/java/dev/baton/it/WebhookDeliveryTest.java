package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.RunState;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhooks at least once, with real processes: the receiver is killed in the middle of a burst of failures and the
 * coordinator with {@code kill -9} meanwhile; once the receiver is back, it has every failure, each signed with the
 * webhook's secret — and none of a job the webhook's selector leaves out.
 */
class WebhookDeliveryTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int FAILURES = 12;

  @TempDir Path work;

  /** Deliveries the receiver took, by delivery id (a second copy of one replaces the first). */
  private final Map<String, String> bodies = new ConcurrentHashMap<>();
  private final Set<String> badSignatures = ConcurrentHashMap.newKeySet();
  private volatile String secret = "";

  @Test
  void aReceiverKilledDuringABurstOfFailuresAndACoordinatorCrashGetsEveryOneSigned() throws Exception {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
      port = free.getLocalPort();
    }
    HttpServer receiver = startReceiver(port);
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start();
        AgentProcess agent = new AgentProcess(work, "hooked", "--slots", "4").start(coordinator.target());
        BatonClient client = BatonClient.connect(coordinator.target())) {
      Deadline.await(WAIT, "the agent to connect", () ->
          client.cluster().listWorkers(ListWorkersRequest.getDefaultInstance()).getWorkersCount() == 1);
      Cli cli = new Cli(coordinator.target(), work);
      Cli.Result created = cli.run("notify", "create", "oncall", "--url", "http://127.0.0.1:" + port + "/hook",
          "--on", "failed,dead-lettered", "--selector", "team=data");
      assertEquals(0, created.exitCode(), created.toString());
      secret = created.stdout().trim();
      Runs.create(client, Job.newBuilder().setName("other-team").putLabels("team", "web")
          .setCommand(Command.newBuilder().setShell("exit 3")));
      List<String> runIds = new ArrayList<>();
      for (int i = 0; i < FAILURES; i++) {
        Runs.create(client, Job.newBuilder().setName("broken-" + i).putLabels("team", "data")
            .setCommand(Command.newBuilder().setShell("exit 3")));
      }

      // The burst begins while the receiver is up...
      for (int i = 0; i < 3; i++) {
        runIds.add(Runs.trigger(client, "broken-" + i).getId());
      }
      Deadline.await(WAIT, "a first delivery", () -> !bodies.isEmpty());
      receiver.stop(0); // ...the receiver is killed in the middle of it...
      for (int i = 3; i < FAILURES; i++) {
        runIds.add(Runs.trigger(client, "broken-" + i).getId());
      }
      Runs.awaitFinal(client, Runs.trigger(client, "other-team").getId(), WAIT);
      for (String id : runIds) {
        assertEquals(RunState.RUN_STATE_FAILED, Runs.awaitFinal(client, id, WAIT).getState());
      }
      Cli.Result pending = cli.run("notify", "deliveries", "oncall");
      assertTrue(pending.stdout().contains("pending"), pending.toString());
      coordinator.kill9AndRestart(); // ...and the coordinator crashes: the outbox is in the store

      receiver = startReceiver(port);
      Deadline.await(WAIT, FAILURES + " deliveries after the receiver came back", () -> bodies.size() >= FAILURES);
      assertTrue(badSignatures.isEmpty(), "bad signatures on " + badSignatures);
      assertEquals(FAILURES, bodies.size(), "one delivery per failed run of team=data: " + bodies.keySet());
      Pattern runId = Pattern.compile("\"run\":\\{\"id\":\"(\\d+)\"");
      Set<String> told = ConcurrentHashMap.newKeySet();
      for (String body : bodies.values()) {
        assertTrue(body.contains("\"event\":\"failed\""), body);
        Matcher m = runId.matcher(body);
        assertTrue(m.find(), body);
        told.add(m.group(1));
      }
      assertEquals(Set.copyOf(runIds), told);
      Deadline.await(WAIT, "every delivery recorded as delivered", () -> {
        try {
          return cli.run("notify", "deliveries", "oncall").stdout().lines().filter(l -> l.contains("delivered"))
              .count() == FAILURES;
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      });
    } finally {
      receiver.stop(0);
    }
  }

  /** A receiver on {@code port} that checks each signature and keeps each body by its idempotency key. */
  private HttpServer startReceiver(int port) throws java.io.IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/hook", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      String delivery = exchange.getRequestHeaders().getFirst("Idempotency-Key");
      if (!sign(secret, body).equals(exchange.getRequestHeaders().getFirst("Baton-Signature"))) {
        badSignatures.add(delivery);
      }
      bodies.put(delivery, new String(body, StandardCharsets.UTF_8));
      exchange.sendResponseHeaders(204, -1);
      exchange.close();
    });
    server.start();
    return server;
  }

  private static String sign(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
