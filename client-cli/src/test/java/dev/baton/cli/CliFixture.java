package dev.baton.cli;

import dev.baton.client.BatonClient;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@link Main} against {@link FakeBaton} on an in-process gRPC server, with a fixed clock. The client
 * factory given to Main records the target it was asked for and connects to the in-process server whatever the
 * target.
 */
final class CliFixture implements AutoCloseable {
  /** The fixture's "now": 2026-11-23 09:00:00 UTC. */
  static final Instant NOW = Instant.parse("2026-11-23T09:00:00Z");

  /** What one command line did: standard output as text (UTF-8) and as the bytes written. */
  record Result(int exitCode, String out, String err, byte[] outBytes) {}

  final FakeBaton fake = new FakeBaton();
  final List<String> targets = new ArrayList<>();
  final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
  /** Standard output of the command running now. */
  private volatile ByteArrayOutputStream liveOut = new ByteArrayOutputStream();
  private final String serverName = InProcessServerBuilder.generateName();
  private final Server server;

  CliFixture() throws IOException {
    server = InProcessServerBuilder.forName(serverName).directExecutor()
        .addService(fake.jobs).addService(fake.runs).addService(fake.cluster)
        .build().start();
  }

  Result run(String... args) {
    return runWithInput("", args);
  }

  Result runWithInput(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    liveOut = out;
    Main main = new Main(target -> {
      targets.add(target);
      return BatonClient.create(InProcessChannelBuilder.forName(serverName).directExecutor());
    }, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err, clock);
    int code = main.run(args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
        out.toByteArray());
  }

  /** Runs a command line with standard output going to {@code out}; returns the exit code. */
  int runWithOut(OutputStream out, String... args) {
    Main main = new Main(target -> BatonClient.create(InProcessChannelBuilder.forName(serverName).directExecutor()),
        new ByteArrayInputStream(new byte[0]), out, new ByteArrayOutputStream(), clock);
    return main.run(args);
  }

  /** What the command running now has written to standard output so far (for a stream script to wait on). */
  String outSoFar() {
    return liveOut.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    fake.close();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
