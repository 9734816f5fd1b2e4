package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton dlq ...}. */
@Command(name = "dlq", description = "The dead-letter queue: runs whose retries are exhausted. List them, show one, "
    + "redrive or purge them.",
    subcommands = {DlqListCommand.class, DlqShowCommand.class, DlqRedriveCommand.class, DlqPurgeCommand.class})
public final class DlqCommands extends GroupCommand {
}
