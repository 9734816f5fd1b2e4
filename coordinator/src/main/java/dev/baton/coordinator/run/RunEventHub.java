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
  /** Receives events; both methods have no-op defaults. */
  public interface Listener {
    default void onRun(Run run, RunState previous) {}

    default void onOutput(OutputChunk chunk) {}
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

  public void publishOutput(OutputChunk chunk) {
    for (Listener l : listeners) {
      l.onOutput(chunk);
    }
  }
}
