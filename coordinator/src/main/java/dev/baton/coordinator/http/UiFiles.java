package dev.baton.coordinator.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.baton.ops.OpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code /ui/}: the dashboard's files — plain HTML, CSS and ES modules from the coordinator's jar, no build step —
 * and {@code /}, which sends a browser there. The dashboard talks to the JSON API like any client.
 */
public final class UiFiles implements HttpHandler {
  private static final String ROOT = "/dev/baton/coordinator/ui/";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml");

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
      OpsServer.respond(exchange, 405, "text/plain; charset=utf-8", "the dashboard is read with GET\n");
      return;
    }
    if (path.equals("/") || path.equals("/ui")) {
      exchange.getResponseHeaders().set("Location", "/ui/");
      OpsServer.respond(exchange, 302, "text/plain; charset=utf-8", "the dashboard is at /ui/\n");
      return;
    }
    if (!path.startsWith("/ui/")) {
      OpsServer.respond(exchange, 404, "text/plain; charset=utf-8", "nothing at " + path
          + " (the dashboard is at /ui/, the API at /api/v1/, metrics at /metrics)\n");
      return;
    }
    String name = path.substring("/ui/".length());
    if (name.isEmpty()) {
      name = "index.html";
    }
    String extension = name.substring(name.lastIndexOf('.') + 1);
    if (!NAME.matcher(name).matches() || !TYPES.containsKey(extension)) {
      OpsServer.respond(exchange, 404, "text/plain; charset=utf-8", "no file " + name + "\n");
      return;
    }
    try (InputStream in = UiFiles.class.getResourceAsStream(ROOT + name)) {
      if (in == null) {
        OpsServer.respond(exchange, 404, "text/plain; charset=utf-8", "no file " + name + "\n");
        return;
      }
      OpsServer.respond(exchange, 200, TYPES.get(extension), in.readAllBytes());
    }
  }
}
