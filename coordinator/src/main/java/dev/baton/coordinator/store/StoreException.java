package dev.baton.coordinator.store;

import org.rocksdb.RocksDBException;
import org.rocksdb.Status;

/** RocksDB failed: the disk, a corrupt file, an incompatible schema. Never a user's mistake. */
public class StoreException extends RuntimeException {
  private final boolean diskFull;

  public StoreException(String message, Throwable cause) {
    super(message, cause);
    this.diskFull = isNoSpace(cause);
  }

  public StoreException(String message) {
    super(message);
    this.diskFull = false;
  }

  /** Whether the store failed because its disk is full: writes work again once there is space. */
  public boolean diskFull() {
    return diskFull;
  }

  private static boolean isNoSpace(Throwable cause) {
    if (cause instanceof RocksDBException e) {
      Status status = e.getStatus();
      if (status != null && status.getSubCode() == Status.SubCode.NoSpace) {
        return true;
      }
      String message = e.getMessage();
      return message != null && message.contains("No space left on device");
    }
    return false;
  }
}
