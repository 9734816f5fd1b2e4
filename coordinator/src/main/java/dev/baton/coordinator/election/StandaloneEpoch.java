package dev.baton.coordinator.election;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import java.nio.ByteBuffer;

/**
 * The epoch of a standalone coordinator (no etcd): a counter in the store's meta column family that grows on
 * every start, so that instructions from before a restart can be told from current ones.
 */
public final class StandaloneEpoch {
  private static final byte[] KEY = Keys.meta("epoch");

  private StandaloneEpoch() {}

  /** Increments the stored epoch, durably, and returns the new value. Call once at start. */
  public static long advance(Store store) {
    long previous = store.get(ColumnFamily.META, KEY).map(b -> ByteBuffer.wrap(b).getLong()).orElse(0L);
    long next = previous + 1;
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.META, KEY, ByteBuffer.allocate(Long.BYTES).putLong(next).array());
      store.commit(batch);
    }
    return next;
  }
}
