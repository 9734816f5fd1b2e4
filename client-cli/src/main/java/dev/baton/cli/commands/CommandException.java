package dev.baton.cli.commands;

/** A command's failure that is not the coordinator's answer: shown as {@code baton: MESSAGE}, exit code 1. */
public final class CommandException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CommandException(String message) {
    super(message);
  }
}
