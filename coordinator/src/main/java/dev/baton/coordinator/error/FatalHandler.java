package dev.baton.coordinator.error;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a loop thread (dispatch, ticks) does with a failure it cannot confine to one run or one job: the process
 * must not live on answering reads while it no longer schedules. In production it exits non-zero so that a
 * supervisor restarts it; tests record the failure instead.
 */
@FunctionalInterface
public interface FatalHandler {
  /** Exit status of a coordinator that stopped on an internal failure (EX_SOFTWARE). */
  int EXIT_STATUS = 70;

  void fatal(String thread, Throwable failure);

  /** Logs the failure once and exits the process with {@link #EXIT_STATUS} (shutdown hooks close the store). */
  static FatalHandler exitProcess() {
    Logger log = LoggerFactory.getLogger(FatalHandler.class);
    return (thread, failure) -> {
      log.error("{} failed and cannot go on; exiting with status {} so that a supervisor restarts the coordinator",
          thread, EXIT_STATUS, failure);
      // From another thread: the shutdown hooks join the failed loop thread, which must be free to end.
      Thread exit = new Thread(() -> System.exit(EXIT_STATUS), "baton-fatal-exit");
      exit.setDaemon(false);
      exit.start();
    };
  }
}
