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
    Struct.Builder versions = Struct.newBuilder().putFields("client", text(BuildInfo.version()));
    if (!clientOnly) {
      ClusterStatus status = cli.client().cluster().getClusterStatus(GetClusterStatusRequest.getDefaultInstance());
      versions.putFields("server", text(status.getVersion()))
          .putFields("schema", Value.newBuilder().setNumberValue(status.getSchemaVersion()).build())
          .putFields("coordinator", text(cli.target()));
    }
    if (!cli.printer().isTable()) {
      cli.printer().message(versions.build());
      return 0;
    }
    cli.printer().out().println("client: baton " + BuildInfo.version());
    if (!clientOnly) {
      cli.printer().out().println("server: baton-coordinator " + versions.getFieldsOrThrow("server").getStringValue()
          + " (store schema " + status(versions) + ") at " + cli.target());
    }
    return 0;
  }

  private static String status(Struct.Builder versions) {
    return Long.toString((long) versions.getFieldsOrThrow("schema").getNumberValue());
  }

  private static Value text(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }
}
