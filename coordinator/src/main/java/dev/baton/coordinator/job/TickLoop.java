package dev.baton.coordinator.job;

import dev.baton.coordinator.error.FatalHandler;
import dev.baton.coordinator.store.StoreException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that turns due ticks into runs: it sleeps until the registry's next look (a tick's time, or a little
 * before it: {@link JobRegistry#fireDue}), or until a job change moves that earlier, then asks the registry to fire
 * what is due. The decisions are the registry's and the {@code TickPlanner}'s; this class only decides when to look.
 */
public final class TickLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TickLoop.class);
  /** Longest sleep: bounds the effect of a missed wake-up or a wall-clock jump. */
  private static final Duration MAX_SLEEP = Duration.ofSeconds(1);
  private static final Duration BACKOFF_AFTER_ERROR = Duration.ofSeconds(1);

  private final JobRegistry registry;
  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition woken = lock.newCondition();
  private final AtomicBoolean running = new AtomicBoolean();
  private boolean wakeRequested; // guarded by lock
  private volatile FatalHandler fatal = FatalHandler.exitProcess();
  private Thread thread;

  public TickLoop(JobRegistry registry, Clock clock) {
    this.registry = registry;
    this.clock = clock;
  }

  /** What to do when the loop fails beyond one job's tick (default: exit the process). Set before {@link #start}. */
  public void onFatal(FatalHandler handler) {
    this.fatal = handler;
  }

  public void start() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    thread = new Thread(this::loop, "baton-ticker");
    thread.setDaemon(true);
    thread.start();
  }

  /** Makes the loop look again now: the earliest fire time may have moved earlier. */
  public void wake() {
    lock.lock();
    try {
      wakeRequested = true;
      woken.signal();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (running.get()) {
      Duration sleep;
      try {
        Instant looked = clock.instant();
        registry.fireDue(looked);
        Instant now = clock.instant();
        sleep = registry.nextLook(looked)
            .map(next -> Duration.between(now, next))
            .filter(d -> d.compareTo(MAX_SLEEP) < 0)
            .orElse(MAX_SLEEP);
      } catch (StoreException e) {
        // A full disk or an I/O error: nothing was committed; the ticks are still due and fire once it writes.
        log.error("firing due ticks failed; trying again in {}: {}", BACKOFF_AFTER_ERROR, e.getMessage());
        sleep = BACKOFF_AFTER_ERROR;
      } catch (Throwable t) {
        // Failures of one job's tick are handled by the registry; this one would stop every tick from now on.
        running.set(false);
        fatal.fatal(Thread.currentThread().getName(), t);
        return;
      }
      await(sleep);
    }
  }

  private void await(Duration sleep) {
    lock.lock();
    try {
      long nanos = sleep.toNanos();
      while (!wakeRequested && nanos > 0 && running.get()) {
        nanos = woken.awaitNanos(nanos);
      }
      wakeRequested = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running.set(false);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    if (!running.compareAndSet(true, false)) {
      return;
    }
    wake();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
