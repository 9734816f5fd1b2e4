package dev.baton.coordinator.dispatch;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import java.time.Duration;

/**
 * The cluster-wide dispatch policy, persisted in the store's meta column family: switchable at run time, applies
 * from the next dispatch decision on, and survives restarts.
 */
public final class DispatchSettingsStore {
  public static final Duration DEFAULT_AGING = Duration.ofSeconds(60);
  static final Duration MIN_AGING = Duration.ofSeconds(1);
  static final Duration MAX_AGING = Duration.ofDays(1);
  private static final byte[] KEY = Keys.meta("dispatch_settings");

  private final Store store;
  private volatile DispatchSettings current;

  public DispatchSettingsStore(Store store) {
    this.store = store;
    this.current = store.get(ColumnFamily.META, KEY, DispatchSettings.parser()).orElse(defaults());
  }

  public static DispatchSettings defaults() {
    return DispatchSettings.newBuilder()
        .setPolicy(DispatchPolicy.DISPATCH_POLICY_PRIORITY)
        .setAging(Durations.fromSeconds(DEFAULT_AGING.getSeconds()))
        .build();
  }

  /** The settings in force. */
  public DispatchSettings current() {
    return current;
  }

  /**
   * Validates, fills defaults, stores durably, then applies.
   *
   * @throws BatonException INVALID_ARGUMENT for an unknown policy or an aging outside 1 s .. 1 day
   */
  public DispatchSettings set(DispatchSettings requested) {
    DispatchSettings.Builder settings = requested.toBuilder();
    if (requested.getPolicy() == DispatchPolicy.UNRECOGNIZED) {
      throw BatonException.invalid("settings.policy", "unknown dispatch policy; use PRIORITY, FCFS, SJF or ROUND_ROBIN");
    }
    if (requested.getPolicy() == DispatchPolicy.DISPATCH_POLICY_UNSPECIFIED) {
      settings.setPolicy(DispatchPolicy.DISPATCH_POLICY_PRIORITY);
    }
    if (!requested.hasAging()) {
      settings.setAging(current.getAging());
    } else {
      Duration aging = Duration.ofMillis(Durations.toMillis(requested.getAging()));
      if (aging.compareTo(MIN_AGING) < 0 || aging.compareTo(MAX_AGING) > 0) {
        throw BatonException.invalid("settings.aging", "between 1s and 1d");
      }
    }
    DispatchSettings stored = settings.build();
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.META, KEY, stored);
      batch.afterCommit(() -> current = stored);
      store.commit(batch);
    }
    return stored;
  }
}
