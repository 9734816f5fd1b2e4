package dev.baton.coordinator.ha;

import com.google.protobuf.ByteString;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.store.StoreException;
import dev.baton.coordinator.store.WalBatch;
import dev.baton.coordinator.store.WalGapException;
import dev.baton.proto.v1.CheckpointEnd;
import dev.baton.proto.v1.CheckpointFile;
import dev.baton.proto.v1.FollowHello;
import dev.baton.proto.v1.FollowRequest;
import dev.baton.proto.v1.FollowResponse;
import dev.baton.proto.v1.ReplicationServiceGrpc;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's end of replication: for each standby a thread sends either its store's log from where the standby
 * stands or, when the standby cannot follow the log ({@link FollowPlan}, or the log no longer goes back that far), a
 * checkpoint and then the log after it. Acknowledgements go to the {@link ReplicationGate}.
 */
public final class ReplicationServer extends ReplicationServiceGrpc.ReplicationServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(ReplicationServer.class);
  private static final int BATCHES_PER_READ = 256;
  private static final int CHUNK_BYTES = 1 << 20;
  /** How long a caught-up sender sleeps when nothing wakes it (unsynced writes such as output do not). */
  private static final long IDLE_POLL_MILLIS = 50;

  private final Store store;
  private final long epoch;
  private final ReplicationGate gate;
  private final Object newData = new Object();
  private final AtomicBoolean closed = new AtomicBoolean();

  public ReplicationServer(Store store, long epoch, ReplicationGate gate) {
    this.store = store;
    this.epoch = epoch;
    this.gate = gate;
  }

  /** Something was written: senders that are caught up look again. */
  public void wake() {
    synchronized (newData) {
      newData.notifyAll();
    }
  }

  /** Ends every stream (leadership lost). */
  public void close() {
    closed.set(true);
    wake();
  }

  @Override
  public StreamObserver<FollowRequest> follow(StreamObserver<FollowResponse> responses) {
    ServerCallStreamObserver<FollowResponse> out = (ServerCallStreamObserver<FollowResponse>) responses;
    Sender sender = new Sender(out);
    out.setOnReadyHandler(sender::ready);
    out.setOnCancelHandler(sender::stop);
    return new StreamObserver<>() {
      @Override
      public void onNext(FollowRequest request) {
        switch (request.getKindCase()) {
          case HELLO -> sender.start(request.getHello());
          case APPLIED -> {
            if (sender.id != null) {
              gate.applied(sender.id, request.getApplied());
            }
          }
          default -> { }
        }
      }

      @Override
      public void onError(Throwable t) {
        sender.stop();
      }

      @Override
      public void onCompleted() {
        sender.stop();
        out.onCompleted();
      }
    };
  }

  /** Sends one standby what it needs, on its own thread. */
  private final class Sender {
    private final ServerCallStreamObserver<FollowResponse> out;
    private final AtomicBoolean running = new AtomicBoolean();
    private final Object readiness = new Object();
    private volatile String id;

    Sender(ServerCallStreamObserver<FollowResponse> out) {
      this.out = out;
    }

    void start(FollowHello hello) {
      if (!running.compareAndSet(false, true)) {
        return;
      }
      id = hello.getCoordinatorId();
      gate.connected(id);
      Thread thread = new Thread(() -> run(hello), "baton-replication-" + id);
      thread.setDaemon(true);
      thread.start();
    }

    void stop() {
      if (running.getAndSet(false) && id != null) {
        gate.disconnected(id);
      }
      ready();
      wake();
    }

    void ready() {
      synchronized (readiness) {
        readiness.notifyAll();
      }
    }

    private void run(FollowHello hello) {
      try {
        FollowPlan plan = FollowPlan.decide(Histories.of(store), store.latestSequence(), hello.getHistory(),
            hello.getLatestSequence());
        long next;
        if (plan instanceof FollowPlan.Tail tail) {
          next = tail.from();
          log.info("standby {} follows the log from sequence {}", id, next);
        } else {
          log.info("standby {} gets a checkpoint: {}", id, ((FollowPlan.Checkpoint) plan).why());
          next = sendCheckpoint() + 1;
        }
        while (live()) {
          List<WalBatch> batches;
          try {
            batches = store.updatesSince(next, BATCHES_PER_READ);
          } catch (WalGapException e) {
            log.info("standby {} gets a checkpoint: {}", id, e.getMessage());
            next = sendCheckpoint() + 1;
            continue;
          }
          for (WalBatch batch : batches) {
            if (batch.last() < next) {
              continue;
            }
            send(FollowResponse.newBuilder().setEpoch(epoch).setBatch(dev.baton.proto.v1.WalBatch.newBuilder()
                .setSequence(batch.sequence()).setCount(batch.count()).setData(ByteString.copyFrom(batch.data())))
                .build());
            next = batch.last() + 1;
          }
          if (batches.isEmpty()) {
            synchronized (newData) {
              if (store.latestSequence() < next && live()) {
                newData.wait(IDLE_POLL_MILLIS);
              }
            }
          }
        }
        end(Status.UNAVAILABLE.withDescription("this coordinator no longer leads"));
      } catch (StreamEnded e) {
        // the standby went away, or leadership ended: stop() below says so
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (StoreException | IOException e) {
        log.warn("replication to standby {} failed: {}", id, e.toString());
        end(Status.UNAVAILABLE.withDescription("replication failed: " + e.getMessage()));
      } catch (RuntimeException e) {
        // The stream was cancelled under us (the standby went away): nothing more to do.
        log.debug("replication to standby {} ended: {}", id, e.toString());
      } finally {
        stop();
      }
    }

    private boolean live() {
      return running.get() && !closed.get() && !out.isCancelled();
    }

    private void end(Status status) {
      try {
        out.onError(status.asRuntimeException());
      } catch (RuntimeException ignored) {
        // already ended
      }
    }

    /** Sends a checkpoint of the store, file by file; returns its sequence number. */
    private long sendCheckpoint() throws IOException, InterruptedException, StreamEnded {
      Path dir = store.directory().resolveSibling(store.directory().getFileName() + ".checkpoint-" + UUID.randomUUID());
      try {
        long sequence = store.checkpoint(dir);
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
          files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        byte[] buffer = new byte[CHUNK_BYTES];
        for (Path file : files) {
          String name = dir.relativize(file).toString();
          long size = Files.size(file);
          try (InputStream in = Files.newInputStream(file)) {
            long sent = 0;
            boolean last;
            do {
              int n = in.readNBytes(buffer, 0, (int) Math.min(buffer.length, size - sent));
              sent += n;
              last = sent >= size || n == 0;
              send(FollowResponse.newBuilder().setEpoch(epoch).setFile(CheckpointFile.newBuilder().setName(name)
                  .setData(ByteString.copyFrom(buffer, 0, n)).setLast(last)).build());
            } while (!last);
          }
        }
        send(FollowResponse.newBuilder().setEpoch(epoch)
            .setCheckpointEnd(CheckpointEnd.newBuilder().setSequence(sequence)).build());
        return sequence;
      } finally {
        deleteTree(dir);
      }
    }

    /** Sends one message once the stream can take it (gRPC flow control). */
    private void send(FollowResponse response) throws InterruptedException, StreamEnded {
      synchronized (readiness) {
        while (!out.isReady() && live()) {
          readiness.wait(100);
        }
      }
      if (!live()) {
        throw new StreamEnded();
      }
      out.onNext(response);
    }
  }

  /** The stream ended while a sender was writing to it. */
  private static final class StreamEnded extends Exception {
    StreamEnded() {
      super(null, null, false, false);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", dir, e.toString());
    }
  }
}
