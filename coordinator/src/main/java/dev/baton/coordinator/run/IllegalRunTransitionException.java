package dev.baton.coordinator.run;

/** A move the run state machine does not allow: always a bug in the coordinator, never a user's mistake. */
public final class IllegalRunTransitionException extends IllegalStateException {
  public IllegalRunTransitionException(String message) {
    super(message);
  }
}
