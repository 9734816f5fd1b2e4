package dev.baton.coordinator.dispatch;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * Where a run goes (DESIGN.md section 5). Pure: it sees workers only through {@link Candidate}.
 *
 * <p>Among workers that take work, whose labels match the run's selector and that have enough free slots, the one
 * with the most free slots wins; ties go to the least recently assigned. A worker is never given more than its
 * free slots.
 */
public final class Placement {
  /** What placement needs to know of a worker. */
  public interface Candidate {
    /** Live, not draining, and its stream can take a message now. */
    boolean acceptsWork();

    /** Finishing its running work; it takes no new work. */
    boolean draining();

    Map<String, String> labels();

    int freeSlots();

    /** Increases with every assignment to this worker; lower means longer ago. */
    long lastAssignedSequence();

    /** It refused a run of this job by its limits (allowed commands, users), so it gets no more of them. */
    boolean refuses(String job);
  }

  private Placement() {}

  /**
   * The worker for a run of {@code job} that needs {@code slots} slots on a worker matching {@code selector}, if any;
   * never one that refused the job.
   */
  public static <C extends Candidate> Optional<C> choose(Collection<C> workers, LabelSelector selector, int slots,
      String job) {
    C best = null;
    for (C w : workers) {
      if (!w.acceptsWork() || w.freeSlots() < slots || !selector.matches(w.labels()) || w.refuses(job)) {
        continue;
      }
      if (best == null
          || w.freeSlots() > best.freeSlots()
          || (w.freeSlots() == best.freeSlots() && w.lastAssignedSequence() < best.lastAssignedSequence())) {
        best = w;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * Why a run that {@link #choose} found no worker for is waiting, for {@code run get}: empty when a matching worker
   * is merely busy, so the run waits for a free slot.
   */
  public static <C extends Candidate> String waitingReason(Collection<C> workers, LabelSelector selector,
      String job) {
    boolean anyMatches = false;
    boolean anyRefused = false;
    for (C w : workers) {
      if (selector.matches(w.labels())) {
        if (!w.draining() && !w.refuses(job)) {
          return "";
        }
        anyMatches = true;
        anyRefused |= w.refuses(job);
      }
    }
    boolean anyWorker = selector.toString().isEmpty();
    if (anyRefused) {
      return "every " + (anyWorker ? "" : "matching ") + "worker is draining or refused this job by its limits "
          + "(see the job's failed runs)";
    }
    if (anyMatches) {
      return anyWorker ? "every worker is draining" : "every worker matching selector " + selector + " is draining";
    }
    return anyWorker ? "no worker is connected" : "no worker matches selector " + selector;
  }
}
