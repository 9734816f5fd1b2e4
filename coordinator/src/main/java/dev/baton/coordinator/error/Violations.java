package dev.baton.coordinator.error;

import java.util.ArrayList;
import java.util.List;

/** Collects every violation of a request, so that a caller learns all of its mistakes at once. */
public final class Violations {
  private final List<Violation> list = new ArrayList<>();

  public Violations add(String field, String description) {
    list.add(new Violation(field, description));
    return this;
  }

  /** Adds the violation if {@code ok} is false. */
  public Violations check(boolean ok, String field, String description) {
    if (!ok) {
      add(field, description);
    }
    return this;
  }

  public boolean isEmpty() {
    return list.isEmpty();
  }

  /** Throws INVALID_ARGUMENT listing every violation collected, if there is any. */
  public void throwIfAny() {
    if (!list.isEmpty()) {
      throw BatonException.invalid(list);
    }
  }
}
