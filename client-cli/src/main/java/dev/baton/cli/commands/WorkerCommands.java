package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton worker ...}. */
@Command(name = "worker", description = "List workers and drain them.",
    subcommands = {WorkerListCommand.class, WorkerDrainCommand.class})
public final class WorkerCommands extends GroupCommand {
}
