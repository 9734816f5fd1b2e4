package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton run ...}. */
@Command(name = "run", description = "Look at runs, print their output, cancel them.",
    subcommands = {RunListCommand.class, RunGetCommand.class, RunLogsCommand.class, RunCancelCommand.class,
        RunRerunCommand.class})
public final class RunCommands extends GroupCommand {
}
