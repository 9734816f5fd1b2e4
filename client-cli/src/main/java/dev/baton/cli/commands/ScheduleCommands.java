package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton schedule ...}. */
@Command(name = "schedule", description = "Check schedule texts.", subcommands = ScheduleExplainCommand.class)
public final class ScheduleCommands extends GroupCommand {
}
