package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton cluster ...}. */
@Command(name = "cluster", description = "Look at the cluster and switch its dispatch policy.",
    subcommands = {ClusterStatusCommand.class, ClusterPolicyCommands.class})
public final class ClusterCommands extends GroupCommand {
}
