package dev.baton.cli.commands;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Checks shared by the commands that take a job's argv after {@code --}. */
final class CommandArgs {
  private CommandArgs() {}

  /**
   * Refuses argv words that were not written after {@code --}: without it, a flag value with a space in it
   * ({@code --schedule every 5m}) would silently become the job's command.
   */
  static void requireDoubleDash(List<String> argv, CommandSpec spec) {
    if (argv == null || argv.isEmpty()) {
      return;
    }
    if (!spec.commandLine().getParseResult().originalArgs().contains("--")) {
      throw new ParameterException(spec.commandLine(), "unexpected argument '" + argv.get(0)
          + "': put the job's argv after -- (baton job create NAME -- /usr/bin/backup --full), "
          + "use --shell 'CMD', or quote a value that has spaces");
    }
  }
}
