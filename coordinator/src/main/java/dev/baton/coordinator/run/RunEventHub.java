package dev.baton.coordinator.run;

import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Tells watchers about committed run changes and new output, for WatchRunEvents, StreamOutput's follow mode and
 * {@code trigger --wait}. Only durable changes are published. Listeners are called on the committing thread and
 * must only hand the event on (e.g. to a gRPC stream), never block.
 */
public final class RunEventHub {
  /** Receives events; every method has a no-op default. */
  public interface Listener {
    default void onRun(Run run, RunState previous) {}

    default void onOutput(OutputChunk chunk) {}

    /** No more events will come from this hub: its coordinator stopped leading (the watcher should watch again). */
    default void onEnd() {}
  }

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();

  /** Adds a listener; close the result to remove it. */
  public AutoCloseable subscribe(Listener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  public void publishRun(Run run, RunState previous) {
    for (Listener l : listeners) {
      l.onRun(run, previous);
    }
  }

  /** Ends every subscription (leadership lost): each listener hears {@link Listener#onEnd} once. */
  public void endAll() {
    for (Listener l : listeners) {
      listeners.remove(l);
      l.onEnd();
    }
  }

  public void publishOutput(OutputChunk chunk) {
    for (Listener l : listeners) {
      l.onOutput(chunk);
    }
  }
}
