package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton run ...}. */
@Command(name = "run", description = "Look at runs.", subcommands = {RunListCommand.class, RunGetCommand.class})
public final class RunCommands extends GroupCommand {
}
