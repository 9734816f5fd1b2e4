package dev.baton.coordinator.store;

/**
 * The write-ahead log no longer holds the batch asked for (it was removed after its retention): a replica that
 * needs it must start again from a checkpoint. RocksDB itself would silently start at the next batch it still has.
 */
public final class WalGapException extends StoreException {
  public WalGapException(String message) {
    super(message);
  }
}
