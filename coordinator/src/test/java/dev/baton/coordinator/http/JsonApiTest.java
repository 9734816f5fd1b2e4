package dev.baton.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON API against a real coordinator: what curl users and the dashboard see. */
class JsonApiTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;

  @Test
  void jobsAreCreatedListedChangedTriggeredAndDeletedAsJson() throws Exception {
    try (InProcessCoordinator c = new InProcessCoordinator(dir, FakeClock.at("2026-12-01T10:00:00Z"), false, true)) {
      String api = c.httpBase() + "/api/v1";
      Answer created = send("POST", api + "/jobs", "{\"name\":\"hello\",\"command\":{\"shell\":\"echo hi\"}}", null);
      assertEquals(200, created.status(), created.text());
      assertEquals("hello", created.json().get("name").getAsString());
      send("POST", api + "/jobs", "{\"name\":\"second\",\"command\":{\"argv\":{\"args\":[\"true\"]}}}", null);

      Answer page = send("GET", api + "/jobs?pageSize=1", null, null);
      assertEquals(1, page.json().getAsJsonArray("jobs").size());
      Answer rest = send("GET", api + "/jobs?page_size=1&pageToken="
          + page.json().get("nextPageToken").getAsString(), null, null);
      assertEquals("second", rest.json().getAsJsonArray("jobs").get(0).getAsJsonObject().get("name").getAsString());

      Answer changed = send("PATCH", api + "/jobs/hello?updateMask=description", "{\"description\":\"greets\"}", null);
      assertEquals(200, changed.status(), changed.text());
      assertEquals("greets", send("GET", api + "/jobs/hello", null, null).json().get("description").getAsString());

      Answer paused = send("POST", api + "/jobs/hello:pause", "", null);
      assertEquals(200, paused.status(), paused.text());
      assertFalse(paused.json().get("enabled").getAsBoolean());
      send("POST", api + "/jobs/hello:resume", "{}", null);

      Answer triggered = send("POST", api + "/jobs/hello:trigger", "{}", null);
      assertEquals(200, triggered.status(), triggered.text());
      String runId = triggered.json().getAsJsonObject("run").get("id").getAsString();
      Answer run = send("GET", api + "/runs/" + runId, null, null);
      assertEquals("RUN_STATE_QUEUED", run.json().get("state").getAsString());
      Answer queued = send("GET", api + "/runs?states=RUN_STATE_QUEUED&states=RUN_STATE_RUNNING", null, null);
      assertEquals(1, queued.json().getAsJsonArray("runs").size(), queued.text());

      assertEquals(200, send("DELETE", api + "/jobs/second", null, null).status());
      assertEquals(404, send("GET", api + "/jobs/second", null, null).status());
      // The same answers as gRPC: what the API changed is there for gRPC clients too.
      assertEquals(1, c.client().jobs().listJobs(dev.baton.proto.v1.ListJobsRequest.getDefaultInstance())
          .getJobsCount());
    }
  }

  @Test
  void errorsAreTheHttpStatusOfTheirCodeWithTheGoogleRpcStatusAsBody() throws Exception {
    try (InProcessCoordinator c = new InProcessCoordinator(dir, FakeClock.at("2026-12-01T10:00:00Z"), false, true)) {
      String api = c.httpBase() + "/api/v1";
      Answer missing = send("GET", api + "/jobs/nope", null, null);
      assertEquals(404, missing.status());
      assertEquals(5, missing.json().get("code").getAsInt());
      assertEquals("JOB_NOT_FOUND", detail(missing, "google.rpc.ErrorInfo").get("reason").getAsString());

      Answer invalid = send("POST", api + "/jobs", "{\"name\":\"Bad Name\"}", null);
      assertEquals(400, invalid.status());
      assertEquals("job.name", detail(invalid, "google.rpc.BadRequest").getAsJsonArray("fieldViolations").get(0)
          .getAsJsonObject().get("field").getAsString());
      assertEquals(0, c.client().jobs().listJobs(dev.baton.proto.v1.ListJobsRequest.getDefaultInstance())
          .getJobsCount(), "bad input changes nothing");

      send("POST", api + "/jobs", "{\"name\":\"dup\",\"command\":{\"shell\":\"true\"}}", null);
      assertEquals(409, send("POST", api + "/jobs", "{\"name\":\"dup\",\"command\":{\"shell\":\"true\"}}", null)
          .status());

      Answer notJson = send("POST", api + "/jobs", "{name:", null);
      assertEquals(400, notJson.status());
      assertEquals(3, notJson.json().get("code").getAsInt());
      Answer unknownField = send("GET", api + "/jobs?colour=red", null, null);
      assertEquals(400, unknownField.status());
      assertTrue(unknownField.json().get("message").getAsString().contains("colour"), unknownField.text());
      Answer wrongMethod = send("PUT", api + "/jobs", "{}", null);
      assertEquals(405, wrongMethod.status());
      assertEquals(404, send("GET", api + "/nothing-here", null, null).status());
    }
  }

  @Test
  void withAuthOnTheSameTokensAndRolesApplyAndChangesAreAuditedWithTheHttpClient() throws Exception {
    try (InProcessCoordinator c = new InProcessCoordinator(dir, FakeClock.at("2026-12-01T10:00:00Z"), true, true)) {
      String api = c.httpBase() + "/api/v1";
      String admin = c.adminToken();
      Answer anonymous = send("GET", api + "/jobs", null, null);
      assertEquals(401, anonymous.status());
      assertEquals("CREDENTIALS_MISSING", detail(anonymous, "google.rpc.ErrorInfo").get("reason").getAsString());
      assertEquals(401, send("GET", c.httpBase() + "/metrics", null, null).status());

      Answer token = send("POST", api + "/tokens", "{\"name\":\"watcher\",\"role\":\"ROLE_VIEWER\"}", admin);
      assertEquals(200, token.status(), token.text());
      String viewer = token.json().get("secret").getAsString();
      assertEquals(200, send("GET", api + "/jobs", null, viewer).status());
      assertEquals(200, send("GET", c.httpBase() + "/metrics", null, viewer).status());
      Answer refused = send("POST", api + "/jobs", "{\"name\":\"x\",\"command\":{\"shell\":\"true\"}}", viewer);
      assertEquals(403, refused.status());
      assertEquals("ROLE_TOO_WEAK", detail(refused, "google.rpc.ErrorInfo").get("reason").getAsString());
      assertEquals("token watcher", send("GET", api + "/whoami", null, viewer).json().get("who").getAsString());

      var records = c.client().access().listAuditRecords(ListAuditRecordsRequest.getDefaultInstance())
          .getRecordsList();
      assertTrue(records.stream().anyMatch(r -> r.getWho().equals("token watcher")
          && r.getOutcome().equals("PERMISSION_DENIED") && r.getPeer().startsWith("http ")), records.toString());
    }
  }

  @Test
  void streamsAreServerSentEvents() throws Exception {
    try (InProcessCoordinator c = new InProcessCoordinator(dir, FakeClock.at("2026-12-01T10:00:00Z"), false, true)) {
      String api = c.httpBase() + "/api/v1";
      send("POST", api + "/jobs", "{\"name\":\"watched\",\"command\":{\"shell\":\"true\"}}", null);
      HttpResponse<java.io.InputStream> events = HTTP.send(HttpRequest.newBuilder(
          URI.create(api + "/runs:watch?job=watched")).build(), HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, events.statusCode());
      assertTrue(events.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
      BufferedReader lines = new BufferedReader(new InputStreamReader(events.body(), StandardCharsets.UTF_8));
      CompletableFuture<String> firstEvent = CompletableFuture.supplyAsync(() -> {
        try {
          for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            if (line.startsWith("data: ")) {
              return line.substring("data: ".length());
            }
          }
          return "";
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      // The watch may start on the server after a first trigger: trigger until an event arrives.
      String event = null;
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (event == null && System.nanoTime() < end) {
        send("POST", api + "/jobs/watched:trigger", "{\"force\":true}", null);
        try {
          event = firstEvent.get(500, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException notYet) {
          // trigger again
        }
      }
      assertTrue(event != null && event.contains("\"job\":\"watched\""), String.valueOf(event));
      events.body().close();
    }
  }

  private record Answer(int status, String text) {
    JsonObject json() {
      return JsonParser.parseString(text).getAsJsonObject();
    }
  }

  private static JsonObject detail(Answer answer, String type) {
    for (var d : answer.json().getAsJsonArray("details")) {
      if (d.getAsJsonObject().get("@type").getAsString().endsWith("/" + type)) {
        return d.getAsJsonObject();
      }
    }
    throw new AssertionError("no " + type + " in " + answer.text());
  }

  private static Answer send(String method, String url, String body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(response.statusCode(), response.body());
  }
}
