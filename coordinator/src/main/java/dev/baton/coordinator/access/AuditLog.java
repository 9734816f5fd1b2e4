package dev.baton.coordinator.access;

import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.PageToken;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.AuditRecord;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ListAuditRecordsResponse;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  /** Keeps {@code record}, stamped with the time now, synced like any acknowledged change. */
  public void append(AuditRecord record) {
    long now = clock.millis();
    byte[] key = ByteBuffer.allocate(KEY_BYTES).putLong(now).putLong(epoch).putLong(sequence.incrementAndGet())
        .array();
    try (Batch batch = store.batch()) {
      batch.put(ColumnFamily.AUDIT, key, record.toBuilder().setTime(Timestamps.fromMillis(now)).build());
      store.commit(batch);
    }
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
