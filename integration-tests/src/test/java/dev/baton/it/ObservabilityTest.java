package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListWorkersRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTTP port of a real coordinator and agent (separate JVMs): health, readiness, and Prometheus metrics that
 * Debian's {@code promtool check metrics} accepts and that count what really happened.
 */
class ObservabilityTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;
  private static CoordinatorProcess coordinator;
  private static AgentProcess agent;
  private static BatonClient client;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @BeforeAll
  static void startCluster() throws Exception {
    coordinator = new CoordinatorProcess(work).start();
    agent = new AgentProcess(work, "observed", "--slots", "2", "--http", "127.0.0.1:0").start(coordinator.target());
    client = BatonClient.connect(coordinator.target());
    Deadline.await(WAIT, "the agent to connect", () ->
        client.cluster().listWorkers(ListWorkersRequest.getDefaultInstance()).getWorkersCount() == 1);
  }

  @AfterAll
  static void stopCluster() {
    if (client != null) {
      client.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {agent, coordinator}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  @Test
  void healthAndReadinessAnswerOnBothProcesses() throws Exception {
    assertEquals(200, get(coordinator.httpBase() + "/healthz").statusCode());
    assertEquals(200, get(coordinator.httpBase() + "/readyz").statusCode());
    assertEquals(200, get(agent.httpBase() + "/healthz").statusCode());
    HttpResponse<String> ready = get(agent.httpBase() + "/readyz");
    assertEquals(200, ready.statusCode(), ready.body());
  }

  @Test
  void metricsPassPromtoolAndCountRunsTicksAndWorkers() throws Exception {
    Runs.create(client, Job.newBuilder().setName("metrics-ok").setCommand(Command.newBuilder().setShell("true")));
    Runs.create(client, Job.newBuilder().setName("metrics-fail").setCommand(Command.newBuilder().setShell("exit 4")));
    // A job ticking every second that opted in to per-job series.
    Runs.create(client, Job.newBuilder().setName("metrics-ticker").setSchedule("every 1s")
        .putLabels("baton.dev/metrics", "per-job").setCommand(Command.newBuilder().setShell("true")));
    Runs.awaitSucceeded(client, Runs.trigger(client, "metrics-ok").getId(), WAIT);
    Runs.awaitFinal(client, Runs.trigger(client, "metrics-fail").getId(), WAIT);

    Deadline.await(WAIT, "two ticks of metrics-ticker counted", () ->
        value(scrape(coordinator.httpBase()), "baton_job_ticks_total{job=\"metrics-ticker\",outcome=\"ran\"}")
            .orElse(0) >= 2);
    String text = scrape(coordinator.httpBase());
    promtool(text);
    assertTrue(value(text, "baton_runs_finished_total{outcome=\"succeeded\"}").orElse(0) >= 1, text);
    assertTrue(value(text, "baton_runs_finished_total{outcome=\"failed\"}").orElse(0) >= 1, text);
    assertTrue(value(text, "baton_ticks_total{outcome=\"ran\",reason=\"none\"}").orElse(0) >= 2, text);
    assertTrue(value(text, "baton_dispatch_latency_seconds_count").orElse(0) >= 2, text);
    assertTrue(value(text, "baton_schedule_lag_seconds_count").orElse(0) >= 2, text);
    assertEquals(1, value(text, "baton_workers{state=\"live\"}").orElse(-1), text);
    assertEquals(2, value(text, "baton_worker_slots").orElse(-1), text);
    assertEquals(1, value(text, "baton_leader").orElse(-1), text);
    assertTrue(value(text, "baton_store_size_bytes").orElse(0) > 0, text);
    assertTrue(value(text, "baton_worker_heartbeat_age_seconds{worker=\"observed\"}").orElse(-1) >= 0, text);
    assertTrue(text.contains("baton_queue_depth{priority=\"high\"}"), text);

    String agentText = scrape(agent.httpBase());
    promtool(agentText);
    assertEquals(1, value(agentText, "baton_agent_connected").orElse(-1), agentText);
    assertTrue(value(agentText, "baton_agent_spawn_duration_seconds_count").orElse(0) >= 2, agentText);
    assertEquals(0, value(agentText, "baton_agent_fenced_kills_total").orElse(-1), agentText);
  }

  @Test
  void curlListsJobsAndTriggersOneThatAnAgentRuns() throws Exception {
    Runs.create(client, Job.newBuilder().setName("curl-me").setCommand(Command.newBuilder().setShell("echo curled")));
    String list = curl("-sS", "--fail-with-body", coordinator.httpBase() + "/api/v1/jobs?pageSize=500");
    assertTrue(list.contains("\"name\": \"curl-me\""), list);
    String triggered = curl("-sS", "--fail-with-body", "-X", "POST",
        coordinator.httpBase() + "/api/v1/jobs/curl-me:trigger");
    Matcher id = Pattern.compile("\"id\": \"(\\d+)\"").matcher(triggered);
    assertTrue(id.find(), triggered);
    Runs.awaitSucceeded(client, id.group(1), WAIT);
    String output = curl("-sS", "--fail-with-body", coordinator.httpBase() + "/api/v1/runs/" + id.group(1)
        + "/output");
    assertTrue(output.startsWith("data: {"), output);
    assertTrue(output.contains("event: end"), output);
  }

  private static String curl(String... args) throws Exception {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("curl"));
    command.addAll(java.util.List.of(args));
    return tool(command, "");
  }

  /** Runs a tool with {@code input} on its stdin; returns what it printed. A non-zero exit fails the test. */
  private static String tool(java.util.List<String> command, String input) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " did not finish");
    assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + said);
    return said;
  }

  private static String scrape(String base) {
    try {
      HttpResponse<String> response = get(base + "/metrics");
      assertEquals(200, response.statusCode(), response.body());
      assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      return response.body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The value of one series, as written in the exposition ({@code name{labels} value}). */
  private static OptionalDouble value(String exposition, String series) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(exposition);
    return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
  }

  /** Debian's promtool must accept the exposition: format and naming conventions (lint) both. */
  private static void promtool(String exposition) throws Exception {
    tool(java.util.List.of("promtool", "check", "metrics"), exposition);
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
