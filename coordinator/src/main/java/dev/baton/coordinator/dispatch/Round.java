package dev.baton.coordinator.dispatch;

import dev.baton.coordinator.run.ActiveRuns;
import dev.baton.coordinator.run.RunEventHub;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The changes of one pass of the dispatcher's loop, made durable by one synced write. Reads see the round's own
 * changes over the store's; messages to agents and callers wait until the commit ({@link #after}), so nobody
 * acts on a change the store does not have. Confined to the dispatcher's thread.
 */
final class Round {
  private final Store store;
  private final RunStore runs;
  private final RunEventHub events;
  private final Batch batch;
  private final Map<String, Run> changed = new HashMap<>();
  private final List<Runnable> afterCommit = new ArrayList<>();
  private final List<Runnable> onFailure = new ArrayList<>();
  /** Runs this round brought to an end for good: their waves go on before the round commits. */
  private final List<Run> finished = new ArrayList<>();
  /** Runs this round removed from the history (retention): reads no longer find them. */
  private final List<String> forgotten = new ArrayList<>();
  /** What {@link #changed} held before each write, newest last, so that a savepoint can restore it. */
  private final List<Map.Entry<String, Run>> undo = new ArrayList<>();

  /** A point of the round that {@link #rollback} returns to. */
  record Mark(int afterCommit, int onFailure, int finished, int undo, int forgotten) {}

  Round(Store store, RunStore runs, RunEventHub events) {
    this.store = store;
    this.runs = runs;
    this.events = events;
    this.batch = store.batch();
  }

  /** The run as this round sees it: its latest change in the round, else the store's. */
  Optional<Run> read(String runId) {
    if (forgotten.contains(runId)) {
      return Optional.empty();
    }
    Run run = changed.get(runId);
    return run != null ? Optional.of(run) : runs.find(runId);
  }

  /** Records a changed run; watchers hear of it once committed. */
  void write(Run before, Run after) {
    if (!RunStore.finishedForGood(before) && RunStore.finishedForGood(after)) {
      finished.add(after);
    }
    undo.add(new java.util.AbstractMap.SimpleEntry<>(after.getId(), changed.put(after.getId(), after)));
    runs.put(batch, before, after);
    RunState previous = before.getState();
    batch.afterCommit(() -> events.publishRun(after, previous));
  }

  /** Removes a run at rest from the history (retention): later reads in the round do not find it. */
  void forget(Run run) {
    runs.delete(batch, run);
    forgotten.add(run.getId());
  }

  /** A run created in this round (by a wave): later reads in the round must see it. */
  void created(Run run) {
    undo.add(new java.util.AbstractMap.SimpleEntry<>(run.getId(), changed.put(run.getId(), run)));
  }

  /** Marks the point a failing part of the round can be rolled back to ({@link #rollback}, else {@link #keep}). */
  Mark mark() {
    batch.setSavePoint();
    return new Mark(afterCommit.size(), onFailure.size(), finished.size(), undo.size(), forgotten.size());
  }

  /** Undoes everything the round recorded since {@code mark}: writes, reads of them, sends and answers. */
  void rollback(Mark mark) {
    batch.rollbackToSavePoint();
    afterCommit.subList(mark.afterCommit(), afterCommit.size()).clear();
    onFailure.subList(mark.onFailure(), onFailure.size()).clear();
    finished.subList(mark.finished(), finished.size()).clear();
    forgotten.subList(mark.forgotten(), forgotten.size()).clear();
    for (int i = undo.size() - 1; i >= mark.undo(); i--) {
      Map.Entry<String, Run> previous = undo.remove(i);
      if (previous.getValue() == null) {
        changed.remove(previous.getKey());
      } else {
        changed.put(previous.getKey(), previous.getValue());
      }
    }
  }

  /** Keeps what the round recorded since {@code mark}. */
  void keep(Mark mark) {
    batch.releaseSavePoint();
  }

  /** Every run this round has changed or created. */
  Collection<Run> changedRuns() {
    return changed.values();
  }

  /** The runs that ended for good in this round and were not handed out yet; each is handed out once. */
  List<Run> takeFinished() {
    List<Run> out = List.copyOf(finished);
    finished.clear();
    return out;
  }

  /** The job's active runs, counting those this round created or ended. */
  List<Long> activeOf(ActiveRuns active, String job) {
    TreeSet<Long> ids = new TreeSet<>(active.of(job));
    for (Run run : changed.values()) {
      if (run.getJob().equals(job)) {
        if (ActiveRuns.isActive(run)) {
          ids.add(Long.parseLong(run.getId()));
        } else {
          ids.remove(Long.parseLong(run.getId()));
        }
      }
    }
    return List.copyOf(ids);
  }

  /** Runs after the commit, in the order added: sends and answers. */
  void after(Runnable action) {
    afterCommit.add(action);
  }

  /** Runs if the commit fails, e.g. to fail a caller's future. */
  void onFailure(Runnable action) {
    onFailure.add(action);
  }

  Batch batch() {
    return batch;
  }

  void commit() {
    try {
      store.commit(batch);
    } catch (RuntimeException e) {
      onFailure.forEach(Runnable::run);
      throw e;
    }
    afterCommit.forEach(Runnable::run);
  }
}
