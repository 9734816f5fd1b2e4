package dev.baton.coordinator.store;

/**
 * One write batch as the write-ahead log holds it: the sequence number of its first change, how many changes
 * (sequence numbers) it holds, and RocksDB's representation of it. Applying the batches of a store in order to a
 * copy of it gives the same changes at the same sequence numbers.
 */
public record WalBatch(long sequence, int count, byte[] data) {
  /** The sequence number of its last change. */
  public long last() {
    return sequence + count - 1;
  }
}
