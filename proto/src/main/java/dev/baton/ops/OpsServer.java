package dev.baton.ops;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.baton.client.Credentials;
import io.grpc.util.CertificateUtils;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The HTTP port of a Baton process ({@code --http HOST:PORT}, DESIGN.md section 9): {@code /healthz} (the process
 * is up), {@code /readyz} (it can do its work: 200, else 503 with the reason), {@code /metrics} (Prometheus text) and,
 * on coordinators, whatever else they mount ({@link Builder#mount}). Served by the JDK's HTTP server — an operations
 * port needs no framework — over TLS with the process's own certificate when it has one.
 *
 * <p>At most {@link #MAX_CONCURRENT} requests are served at once (a server-sent event stream holds one) and as many
 * more wait; beyond that a connection is closed at once rather than queued without bound.
 */
public final class OpsServer implements Closeable {
  public static final int MAX_CONCURRENT = 64;
  private static final String TEXT = "text/plain; charset=utf-8";

  /** Why a request may not see something: empty when it may, else the HTTP status and a one-line reason. */
  public record Refusal(int status, String message) {}

  private final HttpServer server;
  private final ThreadPoolExecutor executor;

  private OpsServer(HttpServer server, ThreadPoolExecutor executor) {
    this.server = server;
    this.executor = executor;
  }

  public static Builder builder(String hostPort) {
    return new Builder(hostPort);
  }

  /** The port it listens on (useful with port 0). */
  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  public static final class Builder {
    private final String hostPort;
    private Optional<Credentials.TlsFiles> tls = Optional.empty();
    private PrometheusRegistry registry = PrometheusRegistry.defaultRegistry;
    private Supplier<Optional<String>> notReady = Optional::empty;
    private Function<HttpExchange, Optional<Refusal>> metricsAccess = exchange -> Optional.empty();
    private final Map<String, HttpHandler> mounts = new LinkedHashMap<>();

    private Builder(String hostPort) {
      this.hostPort = hostPort;
    }

    /** Serve HTTPS with this certificate and key (the same files as the process's gRPC port). */
    public Builder tls(Optional<Credentials.TlsFiles> files) {
      this.tls = files.filter(f -> f.cert().isPresent());
      return this;
    }

    public Builder metrics(PrometheusRegistry registry) {
      this.registry = registry;
      return this;
    }

    /** Why the process is not ready now (503 on {@code /readyz}); empty when it is. */
    public Builder readiness(Supplier<Optional<String>> notReady) {
      this.notReady = notReady;
      return this;
    }

    /** Who may read {@code /metrics} (a coordinator with auth on asks for a viewer's token). */
    public Builder metricsAccess(Function<HttpExchange, Optional<Refusal>> check) {
      this.metricsAccess = check;
      return this;
    }

    /** Serves {@code prefix} (and everything under it) with {@code handler}. */
    public Builder mount(String prefix, HttpHandler handler) {
      mounts.put(prefix, handler);
      return this;
    }

    public OpsServer start() throws IOException {
      HostPort address = HostPort.parse(hostPort);
      InetSocketAddress bind = new InetSocketAddress(address.host(), address.port());
      HttpServer server;
      if (tls.isPresent()) {
        HttpsServer https = HttpsServer.create(bind, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(sslContext(tls.get())));
        server = https;
      } else {
        server = HttpServer.create(bind, 0);
      }
      AtomicInteger threads = new AtomicInteger();
      ThreadPoolExecutor executor = new ThreadPoolExecutor(MAX_CONCURRENT, MAX_CONCURRENT, 60, TimeUnit.SECONDS,
          new ArrayBlockingQueue<>(MAX_CONCURRENT), r -> {
            Thread t = new Thread(r, "baton-http-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
          }, (r, pool) -> {
            throw new java.util.concurrent.RejectedExecutionException("busy");
          });
      executor.allowCoreThreadTimeOut(true);
      server.setExecutor(executor);
      PrometheusRegistry metrics = registry;
      Supplier<Optional<String>> ready = notReady;
      Function<HttpExchange, Optional<Refusal>> access = metricsAccess;
      server.createContext("/healthz", exchange -> {
        respond(exchange, 200, TEXT, "ok\n");
      });
      server.createContext("/readyz", exchange -> {
        Optional<String> why = ready.get();
        respond(exchange, why.isEmpty() ? 200 : 503, TEXT, why.map(w -> "not ready: " + w).orElse("ready") + "\n");
      });
      server.createContext("/metrics", exchange -> {
        Optional<Refusal> refusal = access.apply(exchange);
        if (refusal.isPresent()) {
          respond(exchange, refusal.get().status(), TEXT, refusal.get().message() + "\n");
          return;
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        PrometheusTextFormatWriter.create().write(body, metrics.scrape());
        respond(exchange, 200, PrometheusTextFormatWriter.CONTENT_TYPE, body.toByteArray());
      });
      mounts.forEach(server::createContext);
      server.start();
      return new OpsServer(server, executor);
    }
  }

  /** Answers with a whole body and closes the exchange. */
  public static void respond(HttpExchange exchange, int status, String contentType, String body) throws IOException {
    respond(exchange, status, contentType, body.getBytes(StandardCharsets.UTF_8));
  }

  public static void respond(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
    try (exchange) {
      drain(exchange.getRequestBody());
      exchange.getResponseHeaders().set("Content-Type", contentType);
      exchange.getResponseHeaders().set("Cache-Control", "no-store");
      boolean head = exchange.getRequestMethod().equals("HEAD");
      exchange.sendResponseHeaders(status, head ? -1 : body.length == 0 ? -1 : body.length);
      if (!head && body.length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    }
  }

  private static void drain(InputStream in) throws IOException {
    in.transferTo(OutputStream.nullOutputStream());
  }

  /** An SSL context from PEM files: the certificate chain and its PKCS#8 key. */
  static SSLContext sslContext(Credentials.TlsFiles files) throws IOException {
    try (InputStream certIn = Files.newInputStream(files.cert().get());
        InputStream keyIn = Files.newInputStream(files.key().get())) {
      X509Certificate[] chain = CertificateUtils.getX509Certificates(certIn);
      PrivateKey key = CertificateUtils.getPrivateKey(keyIn);
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      char[] none = new char[0];
      store.setKeyEntry("baton", key, none, chain);
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, none);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use " + files.cert().get() + " and its key for HTTPS: " + e.getMessage(), e);
    }
  }
}
