package dev.baton.cli.commands;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.baton.client.BuildInfo;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.GetClusterStatusRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton version}: this client's version and the coordinator's, as {@code kubectl version} shows both. */
@Command(name = "version", description = "Show this client's version and the coordinator's (--client: only this "
    + "client's, without calling the coordinator).")
public final class VersionCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--client", description = "Only this client's version; no call to the coordinator.")
  boolean clientOnly;

  public VersionCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ClusterStatus server = clientOnly ? null
        : cli.client().cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
    if (cli.printer().isTable()) {
      cli.printer().out().println("client: baton " + BuildInfo.version());
      if (server != null) {
        cli.printer().out().println("server: baton-coordinator " + server.getVersion() + " (store schema "
            + server.getSchemaVersion() + ") at " + cli.target());
      }
      return 0;
    }
    Struct.Builder versions = Struct.newBuilder().putFields("client", text(BuildInfo.version()));
    if (server != null) {
      versions.putFields("server", text(server.getVersion()))
          .putFields("schema", Value.newBuilder().setNumberValue(server.getSchemaVersion()).build())
          .putFields("coordinator", text(cli.target()));
    }
    cli.printer().message(versions.build());
    return 0;
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
