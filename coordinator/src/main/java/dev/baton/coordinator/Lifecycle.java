package dev.baton.coordinator;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** The lifecycle of a long-lived component, with a table of legal moves (NEW → STARTING → RUNNING → CLOSING → CLOSED). */
public final class Lifecycle {
  public enum State { NEW, STARTING, RUNNING, CLOSING, CLOSED }

  private static final Map<State, Set<State>> LEGAL = Map.of(
      State.NEW, EnumSet.of(State.STARTING, State.CLOSING),
      State.STARTING, EnumSet.of(State.RUNNING, State.CLOSING),
      State.RUNNING, EnumSet.of(State.CLOSING),
      State.CLOSING, EnumSet.of(State.CLOSED),
      State.CLOSED, EnumSet.noneOf(State.class));

  private final String name;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);

  public Lifecycle(String name) {
    this.name = name;
  }

  public State state() {
    return state.get();
  }

  /** Moves to {@code to}; throws if the move is not legal from the current state. */
  public void transition(State to) {
    State from = state.get();
    if (!LEGAL.get(from).contains(to) || !state.compareAndSet(from, to)) {
      throw new IllegalStateException(name + ": cannot move from " + from + " to " + to);
    }
  }

  /** Moves to {@code to} if that is legal now; returns whether it moved. For idempotent close(). */
  public boolean tryTransition(State to) {
    State from = state.get();
    return LEGAL.get(from).contains(to) && state.compareAndSet(from, to);
  }
}
