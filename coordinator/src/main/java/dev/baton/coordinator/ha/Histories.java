package dev.baton.coordinator.ha;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Era;
import dev.baton.proto.v1.History;

/** A store's history of eras ({@link FollowPlan}), kept in its meta column family and replicated with it. */
public final class Histories {
  private static final byte[] KEY = Keys.meta("history");
  /** Eras kept: older ones only matter to a standby that has been away for that many leader changes. */
  static final int MAX_ERAS = 100;

  private Histories() {}

  public static History of(Store store) {
    return store.get(ColumnFamily.META, KEY, History.parser()).orElse(History.getDefaultInstance());
  }

  /**
   * Starts the era of a new leader: appended as the first change it writes, so its first sequence number is the
   * store's next one. Call before anything else is written in that epoch.
   */
  public static Era begin(Store store, long epoch) {
    History history = of(store);
    Era era = Era.newBuilder().setEpoch(epoch).setFirstSequence(store.latestSequence() + 1).build();
    History.Builder next = history.toBuilder().addEras(era);
    while (next.getErasCount() > MAX_ERAS) {
      next.removeEras(0);
    }
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.META, KEY, next.build());
      store.commit(batch);
    }
    return era;
  }
}
