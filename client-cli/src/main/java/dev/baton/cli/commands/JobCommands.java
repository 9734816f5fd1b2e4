package dev.baton.cli.commands;

import picocli.CommandLine.Command;

/** {@code baton job ...}. */
@Command(name = "job", description = "Create, change, list and run jobs.",
    subcommands = {JobCreateCommand.class, JobApplyCommand.class, JobGetCommand.class, JobListCommand.class,
        JobUpdateCommand.class, JobDeleteCommand.class, JobPauseCommand.class, JobResumeCommand.class,
        JobTriggerCommand.class, JobBackfillCommand.class})
public final class JobCommands extends GroupCommand {
}
