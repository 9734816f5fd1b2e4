package dev.baton.coordinator.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.store.StoreException;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A leader's store replicated to a standby's over a real (in-process) gRPC stream. */
class ReplicationTest {
  private static final Duration MAX_LAG = Duration.ofMillis(500);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final List<Set<String>> published = new CopyOnWriteArrayList<>();
  private final AtomicBoolean stillLeads = new AtomicBoolean(true);
  private Store leader;
  private ReplicationGate gate;
  private ReplicationServer replication;
  private Server server;
  private ManagedChannel channel;
  private Store standby;
  private Follower follower;

  private void startLeader(boolean keepLog) throws Exception {
    leader = Store.open(dir.resolve("leader"), keepLog);
    Histories.begin(leader, 7);
    gate = new ReplicationGate("leader:1", ids -> {
      if (!stillLeads.get()) {
        return false;
      }
      published.add(Set.copyOf(ids));
      return true;
    }, MAX_LAG, leader, () -> true);
    replication = new ReplicationServer(leader, 7, gate);
    leader.replication(sequence -> {
      replication.wake();
      gate.awaitReplicated(sequence);
    });
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(replication).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  private void startStandby() {
    if (standby == null) {
      standby = Store.open(dir.resolve("standby"), true);
    }
    follower = new Follower(standby, "standby:1", "standby:1", address -> channel);
    follower.follow(new Follower.Leader("leader:1", 7));
  }

  @AfterEach
  void stop() {
    if (follower != null) {
      follower.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      replication.close();
      server.shutdownNow();
    }
    if (standby != null) {
      standby.close();
    }
    if (leader != null) {
      leader.close();
    }
  }

  private static void write(Store store, String key) {
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.JOBS, bytes(key), bytes("v-" + key));
      store.commit(batch);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Optional<String> read(Store store, String key) {
    return store.get(ColumnFamily.JOBS, bytes(key)).map(b -> new String(b, StandardCharsets.UTF_8));
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  private boolean inSync() {
    return !published.isEmpty() && published.get(published.size() - 1).contains("standby:1");
  }

  @Test
  void aNewStandbyGetsACheckpointThenEveryAcknowledgedChangeBeforeItIsAcknowledged() throws Exception {
    startLeader(true);
    for (int i = 0; i < 20; i++) {
      write(leader, "before-" + i);
    }
    assertEquals(Set.of("leader:1"), published.get(0), "a new leader starts alone in the set");
    startStandby();
    await("the standby is in sync", this::inSync);
    assertEquals(Optional.of("v-before-19"), read(standby, "before-19"));

    for (int i = 0; i < 50; i++) {
      write(leader, "after-" + i);
      // The commit returned: the standby has it, synced, already.
      assertEquals(Optional.of("v-after-" + i), read(standby, "after-" + i));
    }
    assertEquals(leader.latestSequence(), standby.latestSequence());
    assertEquals(Histories.of(leader), Histories.of(standby));
  }

  @Test
  void aStandbyThatStopsIsDroppedAfterTheLagBoundAndRejoinsFromTheLogWhenBack() throws Exception {
    startLeader(true);
    startStandby();
    write(leader, "a");
    await("the standby is in sync", this::inSync);
    follower.close();
    follower = null;

    long start = System.nanoTime();
    write(leader, "b"); // waits for the stopped standby until the bound, then goes on without it
    long waitedMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(waitedMillis >= MAX_LAG.toMillis() - 50, "waited " + waitedMillis + " ms");
    assertEquals(Set.of("leader:1"), published.get(published.size() - 1));
    long quick = System.nanoTime();
    write(leader, "c");
    assertTrue((System.nanoTime() - quick) / 1_000_000 < MAX_LAG.toMillis(), "no longer waited for");

    startStandby();
    await("the standby is in sync again", this::inSync);
    assertEquals(Optional.of("v-c"), read(standby, "c"));
  }

  @Test
  void aStandbyBehindTheLeadersLogGetsACheckpoint() throws Exception {
    startLeader(false); // flushed log files are removed at once
    startStandby();
    write(leader, "a");
    await("the standby is in sync", this::inSync);
    follower.close();
    follower = null;
    for (int i = 0; i < 3; i++) {
      write(leader, "gone-" + i);
      leader.flush();
    }
    startStandby();
    await("the standby is in sync again", this::inSync);
    assertEquals(Optional.of("v-gone-2"), read(standby, "gone-2"));
    assertEquals(leader.latestSequence(), standby.latestSequence());
  }

  @Test
  void aLeaderThatCannotChangeTheSetAcknowledgesNothingMore() throws Exception {
    startLeader(true);
    startStandby();
    write(leader, "a");
    await("the standby is in sync", this::inSync);
    follower.close();
    follower = null;
    stillLeads.set(false); // another coordinator leads now: the guarded transaction fails
    assertThrows(StoreException.class, () -> write(leader, "b"));
    assertTrue(gate.deposed());
    assertThrows(StoreException.class, () -> write(leader, "c"));
  }

  @Test
  void aStandbyRefusesALeaderOlderThanTheOneItWasToldOf() throws Exception {
    startLeader(true);
    standby = Store.open(dir.resolve("standby"), true);
    follower = new Follower(standby, "standby:1", "standby:1", address -> channel);
    follower.follow(new Follower.Leader("leader:1", 9)); // the server below is epoch 7
    write(leader, "a");
    Thread.sleep(300);
    assertEquals(Optional.empty(), read(standby, "a"));
    assertTrue(published.stream().noneMatch(s -> s.contains("standby:1")));
  }
}
