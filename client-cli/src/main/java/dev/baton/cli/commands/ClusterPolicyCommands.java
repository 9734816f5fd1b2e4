package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton cluster policy ...}. */
@Command(name = "policy", description = "Show or switch the cluster-wide dispatch policy that orders ready runs.",
    subcommands = {ClusterPolicyGetCommand.class, ClusterPolicySetCommand.class})
public final class ClusterPolicyCommands extends GroupCommand {
}
