package dev.baton.coordinator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Removes records past their retention (request answers, audit records) on one background thread. */
final class Sweeps implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sweeps.class);

  private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "baton-sweeper");
    t.setDaemon(true);
    return t;
  });

  /** Runs each sweep (what it removes, by name; each returns how many) every {@code every}. */
  Sweeps(Duration every, Map<String, IntSupplier> sweeps) {
    sweeper.scheduleWithFixedDelay(() -> sweeps.forEach((what, sweep) -> {
      try {
        int removed = sweep.getAsInt();
        if (removed > 0) {
          log.debug("removed {} {} past their retention", removed, what);
        }
      } catch (RuntimeException e) {
        // Old records only cost space; the next sweep tries again.
        log.warn("sweeping old {} failed: {}", what, e.toString());
      }
    }), every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }
}
