package dev.baton.cli.output;

/** Input a person wrote (a job file, a value) that cannot be read; the message is one line, ready to show. */
public final class InvalidInputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidInputException(String message) {
    super(message);
  }
}
