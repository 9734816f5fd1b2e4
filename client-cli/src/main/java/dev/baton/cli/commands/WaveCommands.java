package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton wave ...}. */
@Command(name = "wave", description = "Look at dependency waves: a root run and every job downstream of it.",
    subcommands = WaveGetCommand.class)
public final class WaveCommands extends GroupCommand {
}
