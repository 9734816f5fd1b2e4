package dev.baton.coordinator.testing;

import dev.baton.client.BatonClient;
import dev.baton.coordinator.Coordinator;
import dev.baton.coordinator.config.CoordinatorConfig;
import dev.baton.coordinator.run.RunRetention;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** A real coordinator (real RocksDB in a temp dir) behind an in-process gRPC server, with a fake clock. */
public final class InProcessCoordinator implements AutoCloseable {
  private final Path dataDir;
  private final FakeClock clock;
  private final String serverName = InProcessServerBuilder.generateName();
  private Coordinator coordinator;
  private BatonClient client;
  /** Failures the dispatch and tick loops could not confine (in production they exit the process). */
  private final java.util.List<Throwable> fatalFailures = new java.util.concurrent.CopyOnWriteArrayList<>();

  private final boolean auth;
  private final boolean http;

  public InProcessCoordinator(Path dataDir, FakeClock clock) throws IOException {
    this(dataDir, clock, false);
  }

  /**
   * @param auth check every caller ({@code --auth}): {@link #client()} then calls with the admin token the
   *     coordinator wrote on its first start; {@link #channelWithToken} gives channels of other callers
   */
  public InProcessCoordinator(Path dataDir, FakeClock clock, boolean auth) throws IOException {
    this(dataDir, clock, auth, false);
  }

  /** @param http also serve the HTTP port (on a free loopback port: {@link #httpBase}) */
  public InProcessCoordinator(Path dataDir, FakeClock clock, boolean auth, boolean http) throws IOException {
    this.dataDir = dataDir;
    this.clock = clock;
    this.auth = auth;
    this.http = http;
    start();
  }

  /** {@code http://127.0.0.1:PORT} of the HTTP port. */
  public String httpBase() {
    return "http://127.0.0.1:" + coordinator.httpPort();
  }

  /** The admin token the coordinator wrote on its first start with auth on. */
  public String adminToken() throws IOException {
    return java.nio.file.Files.readString(dataDir.resolve(Coordinator.ADMIN_TOKEN_FILE)).trim();
  }

  /** A channel to the coordinator that sends {@code secret} as its bearer token. */
  public io.grpc.Channel channelWithToken(String secret) {
    return io.grpc.ClientInterceptors.intercept(InProcessChannelBuilder.forName(serverName).directExecutor().build(),
        dev.baton.client.Credentials.plaintext().withToken(secret).interceptor());
  }

  private void start() throws IOException {
    CoordinatorConfig config = new CoordinatorConfig("127.0.0.1:0", http ? "127.0.0.1:0" : "", dataDir, false,
        Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(1), 1L << 20,
        CoordinatorConfig.Ha.STANDALONE, new CoordinatorConfig.Security(auth, java.util.Optional.empty()),
        RunRetention.Settings.DEFAULT);
    coordinator = new Coordinator(config, InProcessServerBuilder.forName(serverName).directExecutor(), clock)
        .onFatal((thread, failure) -> fatalFailures.add(failure))
        .start();
    InProcessChannelBuilder channel = InProcessChannelBuilder.forName(serverName).directExecutor();
    if (auth) {
      channel.intercept(dev.baton.client.Credentials.plaintext()
          .withToken(java.nio.file.Files.readString(dataDir.resolve(Coordinator.ADMIN_TOKEN_FILE))).interceptor());
    }
    client = BatonClient.create(channel);
  }

  /** Closes the coordinator cleanly and starts a new one on the same data directory. */
  public void restart() throws IOException {
    closeQuietly();
    start();
  }

  /**
   * Closes the coordinator, lets {@code whileDown} change its data directory (say, to store a value an older
   * version wrote), and starts a new one on it.
   */
  public void restart(java.util.function.Consumer<Path> whileDown) throws IOException {
    closeQuietly();
    whileDown.accept(dataDir);
    start();
  }

  /** What the loops reported as fatal (a real coordinator would have exited). */
  public java.util.List<Throwable> fatalFailures() {
    return fatalFailures;
  }

  public BatonClient client() {
    return client;
  }

  public Coordinator coordinator() {
    return coordinator;
  }

  public FakeClock clock() {
    return clock;
  }

  private void closeQuietly() {
    // The coordinator first: it ends open streams (fake agents), so the client's channel can close at once.
    coordinator.close();
    client.close();
  }

  @Override
  public void close() {
    closeQuietly();
  }
}
