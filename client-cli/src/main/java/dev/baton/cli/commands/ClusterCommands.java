package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton cluster ...}. */
@Command(name = "cluster", description = "Look at the cluster.", subcommands = ClusterStatusCommand.class)
public final class ClusterCommands extends GroupCommand {
}
