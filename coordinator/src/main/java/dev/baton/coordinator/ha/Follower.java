package dev.baton.coordinator.ha;

import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.store.WalBatch;
import dev.baton.proto.v1.CheckpointFile;
import dev.baton.proto.v1.FollowHello;
import dev.baton.proto.v1.FollowRequest;
import dev.baton.proto.v1.FollowResponse;
import dev.baton.proto.v1.ReplicationServiceGrpc;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standby's end of replication: follows the leader it is told of, applying the leader's log to its store in order
 * (or replacing the store by the leader's checkpoint first) and acknowledging each batch once synced. It follows one
 * leader at a time, refuses anything from an epoch older than the newest it has been told of, and reconnects by
 * itself when the stream ends.
 */
public final class Follower implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Follower.class);
  private static final Duration RECONNECT_DELAY = Duration.ofMillis(200);

  /** The leader to follow. */
  public record Leader(String address, long epoch) {}

  private final Store store;
  private final String selfId;
  private final String selfAddress;
  private final Function<String, Channel> channels;
  private Leader leader; // guarded by this
  private ClientCallStreamObserver<FollowRequest> stream; // guarded by this
  private boolean running = true; // guarded by this
  private volatile boolean connected;
  private final Thread thread;

  public Follower(Store store, String selfId, String selfAddress, Function<String, Channel> channels) {
    this.store = store;
    this.selfId = selfId;
    this.selfAddress = selfAddress;
    this.channels = channels;
    this.thread = new Thread(this::loop, "baton-follower");
    thread.setDaemon(true);
    thread.start();
  }

  /** Follows {@code next} from now on (ending the stream from an older leader). */
  public synchronized void follow(Leader next) {
    if (leader != null && next.epoch() < leader.epoch()) {
      return;
    }
    if (!next.equals(leader) && stream != null) {
      stream.cancel("a newer leader", null);
    }
    leader = next;
    notifyAll();
  }

  /** Whether it currently receives the leader's log. */
  public boolean connected() {
    return connected;
  }

  @Override
  public void close() {
    synchronized (this) {
      running = false;
      if (stream != null) {
        stream.cancel("closing", null);
      }
      notifyAll();
    }
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop() {
    while (true) {
      Leader target;
      synchronized (this) {
        while (running && leader == null) {
          waitQuietly(0);
        }
        if (!running) {
          return;
        }
        target = leader;
      }
      try {
        followOnce(target);
      } catch (RuntimeException e) {
        log.warn("following the leader at {} failed: {}", target.address(), e.toString());
      }
      connected = false;
      synchronized (this) {
        if (running) {
          waitQuietly(RECONNECT_DELAY.toMillis());
        }
      }
    }
  }

  /** One stream to one leader, until it ends. */
  private void followOnce(Leader target) {
    CountDownLatch ended = new CountDownLatch(1);
    Receiver receiver = new Receiver(target, ended);
    ReplicationServiceGrpc.newStub(channels.apply(target.address())).follow(receiver);
    synchronized (this) {
      stream = receiver.requests;
      if (!running || !target.equals(leader)) {
        stream.cancel("no longer the leader to follow", null);
      }
    }
    receiver.requests.onNext(FollowRequest.newBuilder().setHello(FollowHello.newBuilder()
        .setCoordinatorId(selfId).setAddress(selfAddress).setLatestSequence(store.latestSequence())
        .setHistory(Histories.of(store))).build());
    try {
      ended.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      stream = null;
    }
  }

  private void waitQuietly(long millis) {
    try {
      wait(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
  }

  /** Applies what one stream brings. gRPC calls it on one thread at a time, in order. */
  private final class Receiver implements ClientResponseObserver<FollowRequest, FollowResponse> {
    private final Leader target;
    private final CountDownLatch ended;
    private final Path incoming;
    private ClientCallStreamObserver<FollowRequest> requests;
    private OutputStream file;
    private boolean receivingCheckpoint;
    private final java.util.concurrent.atomic.AtomicBoolean ackPending = new java.util.concurrent.atomic.AtomicBoolean();
    private final java.util.concurrent.ExecutorService acknowledger =
        java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
          Thread t = new Thread(r, "baton-follower-ack");
          t.setDaemon(true);
          return t;
        });

    Receiver(Leader target, CountDownLatch ended) {
      this.target = target;
      this.ended = ended;
      this.incoming = store.directory().resolveSibling(store.directory().getFileName() + ".incoming");
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<FollowRequest> requests) {
      this.requests = requests;
    }

    @Override
    public void onNext(FollowResponse response) {
      if (response.getEpoch() < target.epoch()) {
        requests.cancel("epoch " + response.getEpoch() + " is older than " + target.epoch(), null);
        return;
      }
      try {
        switch (response.getKindCase()) {
          case BATCH -> {
            var b = response.getBatch();
            store.applyReplicated(new WalBatch(b.getSequence(), b.getCount(), b.getData().toByteArray()), false);
            connected = true;
            acknowledgeSoon();
          }
          case FILE -> receive(response.getFile());
          case CHECKPOINT_END -> {
            receivingCheckpoint = false;
            long sequence = store.replaceWith(incoming);
            log.info("replaced the store by the leader's checkpoint at sequence {}", sequence);
            connected = true;
            acknowledgeSoon();
          }
          default -> { }
        }
      } catch (RuntimeException | IOException e) {
        log.warn("cannot apply what the leader at {} sent: {}", target.address(), e.toString());
        requests.cancel("cannot apply: " + e.getMessage(), e);
      }
    }

    /**
     * Acknowledges what is applied, once synced: one sync covers every batch applied before it (group commit), so
     * a standby keeps up with a leader whose clients commit concurrently. Only the acknowledging thread sends.
     */
    private void acknowledgeSoon() {
      if (ackPending.compareAndSet(false, true)) {
        acknowledger.execute(() -> {
          ackPending.set(false);
          try {
            long applied = store.latestSequence();
            store.syncLog();
            requests.onNext(FollowRequest.newBuilder().setApplied(applied).build());
          } catch (RuntimeException e) {
            log.warn("cannot acknowledge to the leader at {}: {}", target.address(), e.toString());
            requests.cancel("cannot sync: " + e.getMessage(), e);
          }
        });
      }
    }

    private void receive(CheckpointFile piece) throws IOException {
      if (!receivingCheckpoint) {
        ReplicationServer.deleteTree(incoming); // what a crash in the middle of one left
        Files.createDirectories(incoming);
        receivingCheckpoint = true;
      }
      if (file == null) {
        Path target = incoming.resolve(piece.getName()).normalize();
        if (!target.startsWith(incoming)) {
          throw new IOException("a checkpoint file outside the checkpoint: " + piece.getName());
        }
        Files.createDirectories(target.getParent());
        file = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      }
      piece.getData().writeTo(file);
      if (piece.getLast()) {
        file.close();
        file = null;
      }
    }

    @Override
    public void onError(Throwable t) {
      done();
      log.info("the replication stream from {} ended: {}", target.address(), t.getMessage());
    }

    @Override
    public void onCompleted() {
      done();
    }

    private void done() {
      if (file != null) {
        try {
          file.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        } finally {
          file = null;
        }
      }
      acknowledger.shutdownNow();
      ReplicationServer.deleteTree(incoming);
      ended.countDown();
    }
  }
}
