package dev.baton.coordinator.store;

import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Changes to several keys that become durable together, as one RocksDB {@link WriteBatch}, with the in-memory
 * updates that must follow only once they are. Components add their part of a change to a shared batch (a tick
 * adds a run and moves the schedule entry) and one {@link Store#commit} makes it all durable at once.
 */
public final class Batch implements AutoCloseable {
  private final Store store;
  private final WriteBatch writes = new WriteBatch();
  private final List<Runnable> afterCommit = new ArrayList<>();
  /** Sizes of {@link #afterCommit} at each open savepoint, innermost first. */
  private final java.util.ArrayDeque<Integer> savePoints = new java.util.ArrayDeque<>();

  Batch(Store store) {
    this.store = store;
  }

  public Batch put(ColumnFamily cf, byte[] key, MessageLite value) {
    return put(cf, key, value.toByteArray());
  }

  public Batch put(ColumnFamily cf, byte[] key, byte[] value) {
    try {
      store.put(writes, cf, key, value);
    } catch (RocksDBException e) {
      throw new StoreException("cannot add a write to a batch", e);
    }
    return this;
  }

  public Batch delete(ColumnFamily cf, byte[] key) {
    try {
      store.delete(writes, cf, key);
    } catch (RocksDBException e) {
      throw new StoreException("cannot add a delete to a batch", e);
    }
    return this;
  }

  /** Runs {@code action} after the batch is durable, in the committing thread, in the order added. */
  public Batch afterCommit(Runnable action) {
    afterCommit.add(action);
    return this;
  }

  /**
   * Marks the point {@link #rollbackToSavePoint} returns to (savepoints nest). Lets one part of a shared batch fail
   * without taking the others' changes with it.
   */
  public void setSavePoint() {
    writes.setSavePoint();
    savePoints.push(afterCommit.size());
  }

  /** Undoes every write and after-commit action added since the latest savepoint, and drops that savepoint. */
  public void rollbackToSavePoint() {
    try {
      writes.rollbackToSavePoint();
    } catch (RocksDBException e) {
      throw new StoreException("cannot roll a batch back", e);
    }
    int size = savePoints.pop();
    afterCommit.subList(size, afterCommit.size()).clear();
  }

  /** Keeps what was added since the latest savepoint, and drops that savepoint. */
  public void releaseSavePoint() {
    try {
      writes.popSavePoint();
    } catch (RocksDBException e) {
      throw new StoreException("cannot release a batch savepoint", e);
    }
    savePoints.pop();
  }

  public boolean isEmpty() {
    return writes.count() == 0;
  }

  WriteBatch writes() {
    return writes;
  }

  List<Runnable> afterCommitActions() {
    return afterCommit;
  }

  @Override
  public void close() {
    writes.close();
  }
}
