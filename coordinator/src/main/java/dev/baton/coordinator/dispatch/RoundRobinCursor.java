package dev.baton.coordinator.dispatch;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the {@code ROUND_ROBIN} dispatch policy left off: the job most recently dispatched. {@link DispatchOrder}
 * starts each new order with the first job whose name sorts after it (wrapping around), so fairness carries over
 * from one dispatch round to the next even when a round places only a few runs.
 *
 * <p>The position is a job name, not an index, so it stays meaningful when jobs join or leave the queue between
 * rounds: a job that was served and then left the queue still marks the place in name order to continue from.
 *
 * <p>Not thread-safe: owned by the dispatcher and used only on its thread.
 */
public final class RoundRobinCursor {
  private String lastServed;

  /** A cursor that has served no job yet: the next order starts with the first job by name. */
  public RoundRobinCursor() {}

  /** Records that a run of {@code job} was dispatched; call it for each run placed, in the order placed. */
  public void served(String job) {
    lastServed = Objects.requireNonNull(job, "job");
  }

  /** The job most recently {@linkplain #served served}, if any. */
  public Optional<String> lastServed() {
    return Optional.ofNullable(lastServed);
  }

  /** Forgets the position, e.g. when leadership is gained afresh. */
  public void reset() {
    lastServed = null;
  }

  @Override
  public String toString() {
    return "RoundRobinCursor[lastServed=" + lastServed + "]";
  }
}
