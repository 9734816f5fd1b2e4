package dev.baton.cli.commands;

import dev.baton.cli.daemon.CliLauncher;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code baton daemon status|stop}: the CLI daemon that makes calls quick (see the README's "The CLI daemon"). */
@Command(name = "daemon", description = "The CLI daemon that answers baton commands quickly: status, stop.",
    subcommands = {DaemonCommands.Status.class, DaemonCommands.Stop.class})
public final class DaemonCommands extends GroupCommand {
  /** Exit code when no daemon runs, as {@code systemctl status} has it. */
  static final int NOT_RUNNING = 3;

  @Command(name = "status", description = "Say whether this user's CLI daemon of this build runs (exit 3 if not).")
  public static final class Status implements Callable<Integer> {
    private final Cli cli;

    public Status(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      Optional<String> answer = CliLauncher.status(cli.env());
      answer.ifPresentOrElse(cli.printer().out()::print, () -> cli.printer().out().println(
          "no CLI daemon runs" + CliLauncher.socket(cli.env()).map(s -> " (its socket would be " + s + ")")
              .orElse(" (no private directory for its socket)")));
      return answer.isPresent() ? 0 : NOT_RUNNING;
    }
  }

  @Command(name = "stop", description = "Stop this user's CLI daemon of this build; the next command starts one.")
  public static final class Stop implements Callable<Integer> {
    private final Cli cli;

    public Stop(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      cli.printer().out().print(CliLauncher.stop(cli.env()).orElse("no CLI daemon runs\n"));
      return 0;
    }
  }
}
