package dev.baton.coordinator.testing;

import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.Job;

/** Job definitions for tests. */
public final class Jobs {
  private Jobs() {}

  /** A valid job that runs {@code echo NAME}. */
  public static Job.Builder shell(String name) {
    return Job.newBuilder().setName(name).setCommand(Command.newBuilder().setShell("echo " + name));
  }

  public static Job.Builder argv(String name, String... args) {
    return Job.newBuilder().setName(name).setCommand(Command.newBuilder().setArgv(Argv.newBuilder().addAllArgs(
        java.util.List.of(args))));
  }
}
