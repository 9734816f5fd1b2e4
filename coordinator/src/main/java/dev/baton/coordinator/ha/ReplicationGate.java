package dev.baton.coordinator.ha;

import dev.baton.coordinator.store.NotReplicatedException;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.store.StoreException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's synchronous replication: a synced commit returns (and so is acknowledged, and its assignments sent)
 * only once every in-sync standby has applied it. A standby that falls behind by more than {@code maxLag} is dropped
 * from the in-sync set — in etcd first, so that it can no longer take over — and the leader goes on without it. A
 * standby that has caught up joins again: from the moment it is seen caught up every commit waits for it too, and
 * once it has everything written before that moment it is added to the set.
 */
public final class ReplicationGate implements Store.Replication {
  private static final Logger log = LoggerFactory.getLogger(ReplicationGate.class);

  /** One connected (or once connected) standby. */
  private static final class Member {
    long applied;
    /** Waited for by every commit: in the set, or joining it. */
    boolean waitedFor;
    boolean inSync;
    /** While joining: it is added to the set once it has applied this. */
    long joinAt = -1;
    boolean connected;
    /** When it last had everything written (System.nanoTime()). */
    long caughtUpNanos = System.nanoTime();
  }

  private final String self;
  private final InSyncSet inSyncSet;
  private final Duration maxLag;
  private final Store store;
  private final java.util.function.BooleanSupplier leading;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private boolean deposed;

  /**
   * {@code leading} says whether this coordinator's lease is still certainly valid: a commit is acknowledged only
   * if it is, checked last. Starts with the set holding the leader alone (standbys of the previous leader may have changes this one never
   * got, so each must catch up with it before it counts).
   */
  public ReplicationGate(String self, InSyncSet inSyncSet, Duration maxLag, Store store,
      java.util.function.BooleanSupplier leading) {
    this.self = self;
    this.leading = leading;
    this.inSyncSet = inSyncSet;
    this.maxLag = maxLag;
    this.store = store;
    publish();
  }

  @Override
  public synchronized void awaitReplicated(long sequence) {
    if (deposed) {
      throw notLeader();
    }
    long deadline = System.nanoTime() + maxLag.toNanos();
    while (true) {
      List<String> behind = behind(sequence);
      if (behind.isEmpty()) {
        if (!leading.getAsBoolean()) {
          throw notLeader();
        }
        return;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        drop(behind, sequence);
        continue;
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException("interrupted while waiting for standbys");
      }
      if (deposed) {
        throw notLeader();
      }
    }
  }

  /** A standby says it follows (again). */
  public synchronized void connected(String id) {
    members.computeIfAbsent(id, k -> new Member()).connected = true;
  }

  /** A standby's stream ended; it stays in the set until it is found behind. */
  public synchronized void disconnected(String id) {
    Member m = members.get(id);
    if (m != null) {
      m.connected = false;
      if (!m.inSync) {
        m.waitedFor = false;
        m.joinAt = -1;
      }
    }
    notifyAll();
  }

  /** A standby has applied (and synced) its store up to {@code sequence}. */
  public synchronized void applied(String id, long sequence) {
    Member m = members.computeIfAbsent(id, k -> new Member());
    m.applied = Math.max(m.applied, sequence);
    long latest = store.latestSequence();
    if (m.applied >= latest) {
      m.caughtUpNanos = System.nanoTime();
    }
    if (!m.waitedFor && m.connected && m.applied >= latest) {
      // Caught up: from now on every commit waits for it; it counts once it has all written before now.
      m.waitedFor = true;
      m.joinAt = latest;
    }
    if (m.waitedFor && !m.inSync && m.joinAt >= 0 && m.applied >= m.joinAt) {
      m.inSync = true;
      m.joinAt = -1;
      if (publish()) {
        log.info("standby {} is in sync at sequence {}", id, m.applied);
      }
    }
    notifyAll();
  }

  /** Whether this leader lost its place (the set could not be changed): nothing more is acknowledged. */
  public synchronized boolean deposed() {
    return deposed;
  }

  /** The standbys and how far behind each is, for the cluster status. */
  public synchronized Map<String, Standing> standings() {
    Map<String, Standing> out = new LinkedHashMap<>();
    long latest = store.latestSequence();
    long now = System.nanoTime();
    members.forEach((id, m) -> {
      long behind = Math.max(0, latest - m.applied);
      Duration behindFor = behind == 0 ? Duration.ZERO : Duration.ofNanos(now - m.caughtUpNanos);
      out.put(id, new Standing(behind, behindFor, m.inSync, m.connected));
    });
    return out;
  }

  /** What the leader knows of one standby: sequence numbers behind, for how long, in the set, connected. */
  public record Standing(long behind, Duration behindFor, boolean inSync, boolean connected) {}

  private List<String> behind(long sequence) {
    return members.entrySet().stream()
        .filter(e -> e.getValue().waitedFor && e.getValue().applied < sequence)
        .map(Map.Entry::getKey)
        .toList();
  }

  private void drop(List<String> behind, long sequence) {
    boolean wasInSync = false;
    for (String id : behind) {
      Member m = members.get(id);
      wasInSync |= m.inSync;
      m.waitedFor = false;
      m.inSync = false;
      m.joinAt = -1;
      log.warn("standby {} has not applied sequence {} within {} (it is at {}): it leaves the in-sync set", id,
          sequence, maxLag, m.applied);
    }
    if (wasInSync && !publish()) {
      throw notLeader();
    }
  }

  /** Writes the set to etcd; false (and deposed) if this coordinator no longer leads. */
  private boolean publish() {
    Set<String> ids = new TreeSet<>();
    ids.add(self);
    members.forEach((id, m) -> {
      if (m.inSync) {
        ids.add(id);
      }
    });
    boolean ok;
    try {
      ok = inSyncSet.replace(ids);
    } catch (RuntimeException e) {
      log.error("cannot record the in-sync set {}: {}", ids, e.toString());
      ok = false;
    }
    if (!ok) {
      deposed = true;
      notifyAll();
    }
    return ok;
  }

  private StoreException notLeader() {
    return new NotReplicatedException("this coordinator is no longer the leader: the change is not acknowledged");
  }
}
