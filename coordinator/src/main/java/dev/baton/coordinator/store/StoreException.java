package dev.baton.coordinator.store;

/** RocksDB failed: the disk, a corrupt file, an incompatible schema. Never a user's mistake. */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreException(String message) {
    super(message);
  }
}
