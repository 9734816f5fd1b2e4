package dev.baton.coordinator.schedule;

/**
 * A schedule text that cannot be accepted. The message is written for the person who typed the
 * text and may be shown to them verbatim: it quotes the text, says what was understood and what
 * was expected, and gives an example.
 */
public final class ScheduleException extends Exception {
  private static final long serialVersionUID = 1L;

  /** @param message a complete sentence fit to show a user */
  public ScheduleException(String message) {
    super(message);
  }
}
