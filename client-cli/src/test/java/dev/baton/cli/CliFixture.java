package dev.baton.cli;

import dev.baton.client.BatonClient;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@link Main} against {@link FakeBaton} on an in-process gRPC server. The client factory given to
 * Main records the target it was asked for and connects to the in-process server whatever the target.
 */
final class CliFixture implements AutoCloseable {
  /** What one command line did. */
  record Result(int exitCode, String out, String err) {}

  final FakeBaton fake = new FakeBaton();
  final List<String> targets = new ArrayList<>();
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
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Main main = new Main(target -> {
      targets.add(target);
      return BatonClient.create(InProcessChannelBuilder.forName(serverName).directExecutor());
    }, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out), new PrintWriter(err));
    int code = main.run(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
