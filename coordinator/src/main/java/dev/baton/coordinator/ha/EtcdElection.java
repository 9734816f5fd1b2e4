package dev.baton.coordinator.ha;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election through etcd (DESIGN.md section 8): on a lease of {@code ttl}, with jetcd's election API. The
 * leader key's create revision is the epoch.
 *
 * <p>One thread does everything, in a loop, so that no etcd failure can leave it in a state nobody handles: it
 * grants a lease and renews it itself ({@code keepAliveOnce} every tenth of the TTL; jetcd's own keep-alive ends
 * silently when the lease expires and does not resume after an etcd restart), polls who leads (no watch to lose),
 * campaigns only while this coordinator is in the in-sync set (or no leader was ever recorded), and, leading,
 * steps down as soon as its lease may have less than a third of its TTL left: the last renewal that etcd answered
 * was sent at least that long ago, so etcd cannot have expired the lease yet and nobody else can be elected yet.
 * Any failure ends in the same place: not leading, the lease revoked if possible, and a fresh lease and campaign.
 */
public final class EtcdElection implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EtcdElection.class);

  /** Who leads, as etcd says: the address to dial and the epoch. */
  public record LeaderInfo(String address, long epoch) {}

  /** What the coordinator does when its role changes; called on the election thread, one call at a time. */
  public interface Listener {
    /** This coordinator leads from now on, in {@code leadership.epoch()}. Return once it serves as leader. */
    void elected(Leadership leadership);

    /** It no longer leads (or may no longer): stop acting as leader at once. */
    void deposed(String why);

    /** The leader etcd shows changed (empty: none). */
    void leaderChanged(Optional<LeaderInfo> leader);
  }

  /** What a leader holds: its epoch, and whether its lease is certainly still valid. */
  public final class Leadership {
    private final long epoch;
    private final ByteSequence key;

    Leadership(long epoch, ByteSequence key) {
      this.epoch = epoch;
      this.key = key;
    }

    public long epoch() {
      return epoch;
    }

    /** Whether this coordinator still leads and its lease cannot have expired (checked without calling etcd). */
    public boolean valid() {
      return leadership == this && System.nanoTime() < stepDownAtNanos;
    }

    /** The in-sync set, changed only while this leadership holds (a transaction guarded by the leader key). */
    public InSyncSet inSyncSet() {
      return ids -> {
        try {
          return client.getKVClient().txn()
              .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(epoch)))
              .Then(Op.put(inSyncKey, bytes(String.join(",", ids)), PutOption.DEFAULT))
              .commit().get(callTimeout.toMillis(), TimeUnit.MILLISECONDS).isSucceeded();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
          throw new IllegalStateException("etcd did not answer: " + e, e);
        }
      };
    }
  }

  private final Client client;
  private final ByteSequence electionName;
  private final ByteSequence inSyncKey;
  private final String selfId;
  private final Duration ttl;
  private final Duration renewEvery;
  private final Duration pollEvery;
  private final Duration callTimeout;
  private final Duration pollTimeout;
  private final Listener listener;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile Leadership leadership;
  /** When a leader steps down at the latest: the last answered renewal's send time + TTL − TTL/3. */
  private volatile long stepDownAtNanos;
  private Optional<LeaderInfo> lastSeenLeader = Optional.empty();

  /**
   * @param selfId this coordinator's id and address (its {@code --advertise}), the value of its leader key
   */
  public EtcdElection(Client client, String cluster, String selfId, Duration ttl, Listener listener) {
    this.client = client;
    this.electionName = bytes(cluster + "/leader");
    this.inSyncKey = bytes(cluster + "/in-sync");
    this.selfId = selfId;
    this.ttl = ttl;
    this.renewEvery = ttl.dividedBy(10);
    this.pollEvery = Duration.ofMillis(Math.min(250, ttl.toMillis() / 10));
    // Long enough for a slow answer (a JVM's first calls, a loaded machine): the lease's validity is counted from
    // when a renewal was sent, so a late answer still counts.
    this.callTimeout = ttl;
    this.pollTimeout = ttl.dividedBy(6);
    this.listener = listener;
    this.thread = new Thread(this::loop, "baton-election");
    thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** The in-sync set as etcd has it; empty if no leader ever recorded one. */
  public Optional<Set<String>> inSync() {
    try {
      GetResponse got = client.getKVClient().get(inSyncKey).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      if (got.getKvs().isEmpty()) {
        return Optional.empty();
      }
      String value = got.getKvs().get(0).getValue().toString(StandardCharsets.UTF_8);
      return Optional.of(new LinkedHashSet<>(Arrays.asList(value.isEmpty() ? new String[0] : value.split(","))));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("etcd did not answer: " + e, e);
    }
  }

  private void loop() {
    while (running) {
      LeaseKeeper lease = null;
      try {
        mayLead(); // the first calls of a JVM to etcd are slow: not while a lease runs
        lease = new LeaseKeeper();
        waitUntilMayCampaign(lease);
        CompletableFuture<CampaignResponse> campaign =
            client.getElectionClient().campaign(electionName, lease.id, bytes(selfId));
        try {
          while (!campaign.isDone()) {
            // Wakes the moment the campaign is won, not at the next poll.
            try {
              campaign.get(pollEvery.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
              // still campaigning
            }
            roundChecks(lease);
          }
        } finally {
          campaign.cancel(true);
        }
        LeaderKey key = campaign.get().getLeader();
        if (!mayLead()) {
          log.info("won the election but is not in the in-sync set: resigning");
          client.getElectionClient().resign(key).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
          continue;
        }
        lead(new Leadership(key.getRevision(), key.getKey()), lease);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      } catch (Exception e) {
        if (running) {
          log.warn("election: {}; starting again with a new lease", describe(e));
        }
      } finally {
        if (leadership != null) {
          Leadership was = leadership;
          leadership = null;
          listener.deposed("leadership of epoch " + was.epoch() + " ended");
        }
        if (lease != null) {
          lease.close();
        }
      }
      if (running) {
        sleep(pollEvery);
      }
    }
  }

  /** Follows the leader until this coordinator may campaign. */
  private void waitUntilMayCampaign(LeaseKeeper lease) throws Exception {
    boolean said = false;
    while (!mayLead()) {
      if (!said) {
        log.info("not in the in-sync set: waits to catch up before campaigning");
        said = true;
      }
      tick(lease);
    }
  }

  /** Leading: watches the lease and the leader key, and returns (by an exception) when leadership is over. */
  private void lead(Leadership mine, LeaseKeeper lease) throws Exception {
    leadership = mine;
    log.info("elected leader, epoch {}", mine.epoch());
    listener.elected(mine);
    while (running) {
      sleep(pollEvery);
      checkStepDown();
      roundChecks(lease);
      checkStepDown();
      if (lastSeenLeader.isPresent() && lastSeenLeader.get().epoch() != mine.epoch()) {
        throw new IllegalStateException("etcd shows another leader (epoch " + lastSeenLeader.get().epoch() + ")");
      }
    }
  }

  private void checkStepDown() {
    if (System.nanoTime() >= stepDownAtNanos) {
      throw new IllegalStateException("the lease was not renewed in time: stepping down before it can expire");
    }
  }

  /** One round: sleeps a poll interval, checks the lease, polls the leader. */
  private void tick(LeaseKeeper lease) throws Exception {
    sleep(pollEvery);
    roundChecks(lease);
  }

  private void roundChecks(LeaseKeeper lease) throws Exception {
    if (!running) {
      throw new InterruptedException("closing");
    }
    lease.check();
    pollLeader();
  }

  /**
   * A lease and the thread that renews it every tenth of the TTL, apart from the election loop so that a long
   * {@link Listener#elected} (restoring state) does not let it lapse. Its validity is counted from the send time of
   * the last renewal etcd answered.
   */
  private final class LeaseKeeper implements AutoCloseable {
    final long id;
    private final Thread renewer;
    private volatile long validUntilNanos;
    private volatile String expired;

    LeaseKeeper() throws Exception {
      long sent = System.nanoTime();
      id = client.getLeaseClient().grant(ttl.toSeconds()).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .getID();
      renewed(sent);
      renewer = new Thread(this::renew, "baton-lease");
      renewer.setDaemon(true);
      renewer.start();
    }

    private void renewed(long sentNanos) {
      validUntilNanos = sentNanos + ttl.toNanos();
      stepDownAtNanos = validUntilNanos - ttl.toNanos() / 3;
    }

    private void renew() {
      while (running && expired == null) {
        try {
          Thread.sleep(renewEvery.toMillis());
          long sent = System.nanoTime();
          long ttlLeft = client.getLeaseClient().keepAliveOnce(id)
              .get(callTimeout.toMillis(), TimeUnit.MILLISECONDS).getTTL();
          if (ttlLeft <= 0) {
            expired = "etcd says the lease expired";
          } else {
            renewed(sent);
          }
        } catch (InterruptedException e) {
          return;
        } catch (ExecutionException e) {
          if (String.valueOf(e.getCause() == null ? null : e.getCause().getMessage()).contains("not found")) {
            expired = "etcd no longer knows the lease";
          } else {
            log.debug("renewing the lease failed: {}", describe(e));
          }
        } catch (TimeoutException e) {
          log.debug("renewing the lease timed out");
        }
      }
    }

    /** Throws if the lease has, or may have, expired. */
    void check() {
      if (expired != null) {
        throw new IllegalStateException(expired);
      }
      if (System.nanoTime() >= validUntilNanos) {
        throw new IllegalStateException("the lease was not renewed within its TTL of " + ttl.toSeconds() + " s");
      }
    }

    @Override
    public void close() {
      renewer.interrupt();
      try {
        client.getLeaseClient().revoke(id).get(callTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.debug("cannot revoke lease {}: {}", id, describe(e));
      }
    }
  }

  private void pollLeader() {
    Optional<LeaderInfo> now;
    try {
      // A short wait: a leader must not sit in this call past the moment it has to step down.
      KeyValue kv = client.getElectionClient().leader(electionName)
          .get(pollTimeout.toMillis(), TimeUnit.MILLISECONDS).getKv();
      now = Optional.of(new LeaderInfo(kv.getValue().toString(StandardCharsets.UTF_8), kv.getCreateRevision()));
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof NoLeaderException)) {
        log.debug("cannot read the leader: {}", describe(e));
        return;
      }
      now = Optional.empty();
    } catch (TimeoutException e) {
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!now.equals(lastSeenLeader)) {
      lastSeenLeader = now;
      listener.leaderChanged(now);
    }
  }

  private boolean mayLead() {
    try {
      return inSync().map(ids -> ids.contains(selfId)).orElse(true);
    } catch (IllegalStateException e) {
      log.debug("cannot read the in-sync set: {}", e.getMessage());
      return false;
    }
  }

  private void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  private static String describe(Throwable e) {
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
