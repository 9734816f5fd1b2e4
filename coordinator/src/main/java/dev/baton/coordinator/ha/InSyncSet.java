package dev.baton.coordinator.ha;

import java.util.Set;

/**
 * Where the leader records which coordinators hold every acknowledged change (itself and its in-sync standbys), so
 * that only one of them may take over. In HA mode it lives in etcd and is changed only by a transaction guarded by
 * the leader's election key, so that a deposed leader cannot change it.
 */
public interface InSyncSet {
  /**
   * Replaces the set, only while this coordinator still leads; false if it no longer does (nothing is changed).
   * Throws if the outcome is unknown (etcd cannot be reached).
   */
  boolean replace(Set<String> coordinatorIds);
}
