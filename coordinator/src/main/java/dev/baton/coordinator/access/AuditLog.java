package dev.baton.coordinator.access;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.PageToken;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.AuditRecord;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ListAuditRecordsResponse;
import io.grpc.Context;
import io.grpc.Status;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log: one record per call that changes something (or tried to), in the store's {@code audit} column
 * family, replicated with everything else. Records are written by the coordinator as calls end, never by callers;
 * they are kept for {@link #RETENTION}, and at most the newest {@link #MAX_RECORDS} (a flood of changes must not
 * fill the disk), swept with the other retention sweeps.
 */
public final class AuditLog {
  public static final Duration RETENTION = Duration.ofDays(90);
  /** Most records kept: about 250 MB of them. */
  public static final long MAX_RECORDS = 1_000_000;
  public static final int DEFAULT_PAGE = 100;
  public static final int MAX_PAGE = 1000;
  private static final int KEY_BYTES = 3 * Long.BYTES;
  private static final int SWEEP_BATCH = 1_000;

  private final Store store;
  private final Clock clock;
  private final long epoch;
  private final long maxRecords;
  private final AtomicLong sequence = new AtomicLong();

  /** @param epoch the leader's epoch: with the time and a counter it makes each record's key unique */
  public AuditLog(Store store, Clock clock, long epoch) {
    this(store, clock, epoch, MAX_RECORDS);
  }

  /** As above, keeping at most {@code maxRecords} records (tests use a small number). */
  AuditLog(Store store, Clock clock, long epoch, long maxRecords) {
    this.store = store;
    this.clock = clock;
    this.epoch = epoch;
    this.maxRecords = maxRecords;
  }

  /**
   * The record of the call being served, while it has not been kept ({@link AccessControl} puts it in the call's
   * context). The call's first synced commit on its own thread carries it ({@link #addCallRecord}), so that a change
   * and its record become durable together, in one fsync; a call that commits nothing on its thread (refused, or
   * handed to the dispatcher) gets its record written when it ends.
   */
  static final Context.Key<CallRecord> CALL = Context.key("baton-audit-call");

  /** One audited call's record as it stands; taken by the first of a commit and the call's end. */
  static final class CallRecord {
    private final AuditRecord.Builder record;
    private final AtomicBoolean kept = new AtomicBoolean();

    CallRecord(AuditRecord.Builder record) {
      this.record = record;
    }

    void target(String target) {
      synchronized (record) {
        record.setTarget(target);
      }
    }

    /** The record with this outcome, if nothing has kept it yet (then nothing else will). */
    Optional<AuditRecord> take(Status status) {
      return kept.compareAndSet(false, true) ? Optional.of(with(status)) : Optional.empty();
    }

    /**
     * What to write when the call ends: the record if no commit carried it, or a second one if the call failed
     * after its change was committed (with the first, the log then shows both); else nothing.
     */
    Optional<AuditRecord> atEnd(Status status) {
      Optional<AuditRecord> record = take(status);
      return record.isPresent() || status.isOk() ? record : Optional.of(with(status));
    }

    private AuditRecord with(Status status) {
      String message = status.getDescription() == null ? "" : status.getDescription();
      synchronized (record) {
        return record.clone().setOutcome(status.getCode().name())
            .setMessage(message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message).build();
      }
    }
  }

  /** Longest message kept in a record. */
  static final int MAX_MESSAGE = 512;

  /** Keeps {@code record}, stamped with the time now, synced like any acknowledged change. */
  public void append(AuditRecord record) {
    try (Batch batch = store.batch()) {
      put(batch, record);
      store.commit(batch);
    }
  }

  /**
   * Adds the record of the call this thread serves, outcome OK, to {@code batch} (about to be committed as that
   * call's change), if the call has one not kept yet. Hooked into {@link Store#beforeCommit}.
   */
  public void addCallRecord(Batch batch) {
    CallRecord call = CALL.get();
    if (call != null) {
      call.take(Status.OK).ifPresent(record -> put(batch, record));
    }
  }

  private void put(Batch batch, AuditRecord record) {
    long now = clock.millis();
    byte[] key = ByteBuffer.allocate(KEY_BYTES).putLong(now).putLong(epoch).putLong(sequence.incrementAndGet())
        .array();
    batch.put(ColumnFamily.AUDIT, key, record.toBuilder().setTime(Timestamps.fromMillis(now)).build());
  }

  /** A page of records, oldest first, from {@code since}, of one caller if {@code who} is set. */
  public ListAuditRecordsResponse list(ListAuditRecordsRequest request) {
    int size = request.getPageSize() <= 0 ? DEFAULT_PAGE : Math.min(request.getPageSize(), MAX_PAGE);
    byte[] from = PageToken.decode(request, KEY_BYTES).map(AuditLog::after)
        .orElseGet(() -> ByteBuffer.allocate(Long.BYTES)
            .putLong(request.hasSince() ? Math.max(0, Timestamps.toMillis(request.getSince())) : 0).array());
    String who = request.getWho().trim();
    List<AuditRecord> records = new ArrayList<>();
    byte[][] last = new byte[1][];
    boolean[] more = {false};
    store.scan(ColumnFamily.AUDIT, from, null, false, (key, value) -> {
      AuditRecord record = Store.parse(AuditRecord.parser(), value);
      if (!who.isEmpty() && !record.getWho().equals(who) && !record.getWho().endsWith(" " + who)) {
        last[0] = key;
        return true;
      }
      if (records.size() == size) {
        more[0] = true;
        return false;
      }
      records.add(record);
      last[0] = key;
      return true;
    });
    ListAuditRecordsResponse.Builder response = ListAuditRecordsResponse.newBuilder().addAllRecords(records);
    if (more[0]) {
      response.setNextPageToken(PageToken.encode(request, last[0]));
    }
    return response.build();
  }

  /**
   * Deletes records older than {@link #RETENTION}, then the oldest beyond the newest {@code maxRecords}; returns how
   * many.
   */
  public int sweep() {
    byte[] to = ByteBuffer.allocate(Long.BYTES).putLong(clock.millis() - RETENTION.toMillis()).array();
    int removed = deleteOldest(to, Long.MAX_VALUE);
    // Counting exactly costs a scan of every record: only once RocksDB's cheap estimate says there may be too many.
    if (store.estimatedKeys(ColumnFamily.AUDIT) > maxRecords) {
      long[] count = {0};
      store.scan(ColumnFamily.AUDIT, null, null, false, (key, value) -> {
        count[0]++;
        return true;
      });
      if (count[0] > maxRecords) {
        removed += deleteOldest(null, count[0] - maxRecords);
      }
    }
    return removed;
  }

  /** Deletes up to {@code most} of the oldest records with keys before {@code to} (null: any). */
  private int deleteOldest(byte[] to, long most) {
    int removed = 0;
    while (removed < most) {
      List<byte[]> old = new ArrayList<>();
      long left = most - removed;
      store.scan(ColumnFamily.AUDIT, null, to, false, (key, value) -> {
        old.add(key);
        return old.size() < Math.min(SWEEP_BATCH, left);
      });
      if (old.isEmpty()) {
        break;
      }
      try (Batch batch = store.batch()) {
        old.forEach(key -> batch.delete(ColumnFamily.AUDIT, key));
        // Unsynced: a removal lost in a crash is only made again by the next sweep.
        store.commitUnsynced(batch);
      }
      removed += old.size();
    }
    return removed;
  }

  /** The smallest key after {@code key}. */
  private static byte[] after(byte[] key) {
    return java.util.Arrays.copyOf(key, key.length + 1);
  }
}
