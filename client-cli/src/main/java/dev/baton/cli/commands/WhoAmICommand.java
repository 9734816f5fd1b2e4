package dev.baton.cli.commands;

import dev.baton.proto.v1.Caller;
import dev.baton.proto.v1.WhoAmIRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code baton whoami}: who the coordinator takes this caller for. */
@Command(name = "whoami", description = "Show who the coordinator takes you for, and your role.")
public final class WhoAmICommand implements Callable<Integer> {
  private final Cli cli;

  public WhoAmICommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Caller caller = cli.client().access().whoAmI(WhoAmIRequest.getDefaultInstance());
    if (cli.printer().isTable()) {
      cli.printer().out().println(caller.getAuth() ? caller.getWho() + " (" + TokenCommands.text(caller.getRole())
          + ")" : "anonymous: this coordinator checks no credentials (auth is off on loopback)");
    } else {
      cli.printer().message(caller);
    }
    return 0;
  }
}
