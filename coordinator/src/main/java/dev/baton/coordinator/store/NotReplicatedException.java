package dev.baton.coordinator.store;

/**
 * A synced commit that cannot be acknowledged because this coordinator no longer leads (HA): the change may be in
 * this store, but the cluster goes on without it, and the caller must send it again to the new leader.
 */
public final class NotReplicatedException extends StoreException {
  public NotReplicatedException(String message) {
    super(message);
  }
}
