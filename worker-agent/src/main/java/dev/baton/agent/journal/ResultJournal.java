package dev.baton.agent.journal;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.baton.proto.v1.RunFinished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results not yet acknowledged by the coordinator, kept in one append-only log in the agent's state directory
 * ({@code results.log}) and synced before the result is sent. A coordinator restart, failover or network cut therefore
 * loses no result: the agent sends whatever the journal holds again after it reconnects, until a ResultAck removes it.
 *
 * <p>Cost per result: one write and one {@code fdatasync} (results finishing together share it), and one unsynced
 * write for its acknowledgement (a lost acknowledgement only means the result is offered once more, which the
 * coordinator ignores). The log's blocks are allocated ahead of the records (zeros written past its end), so a
 * record overwrites allocated blocks and its sync has no file metadata to journal. Once the log passes
 * {@link #COMPACT_AT} and most of it is acknowledged, it is rewritten with only the results still pending.
 *
 * <p>A full disk must not lose a result either: when an attempt is accepted, {@link #reserve} makes sure the log has
 * {@link #SLOT_BYTES} allocated for it beyond what the other running attempts reserved. If the whole result does not
 * fit later and the log cannot grow, the result without its output tail goes into that space, so a restarted agent
 * still reports what finished instead of letting the coordinator run it again.
 *
 * <p>Record: length of the body (4 bytes), CRC-32C of the body (4 bytes), body = type (1 byte) + payload. Reading
 * stops at the first record that is not whole and intact (the allocated zeros, or a write a crash tore).
 */
public final class ResultJournal implements AutoCloseable {
  /** Space reserved per running attempt: a result without its output tail fits with room to spare. */
  public static final int SLOT_BYTES = 8 * 1024;
  /** Longest error text kept in a result written into reserved space. */
  private static final int SLOT_ERROR_CHARS = 2 * 1024;
  /** How much the log grows at least when it needs room (one allocation for many results). */
  static final int GROWTH = 64 * 1024;
  /** Log size past which it is rewritten with only the pending results. */
  static final long COMPACT_AT = 4L << 20;

  static final String LOG = "results.log";
  private static final byte RESULT = 1;
  private static final byte ACK = 2;
  private static final int HEADER = 8;
  private static final int MAX_BODY = 64 << 20;
  private static final Logger log = LoggerFactory.getLogger(ResultJournal.class);

  private final Path directory;
  private final Object syncLock = new Object();
  /** Syncs made for added results (for tests). */
  private final AtomicLong syncs = new AtomicLong();

  // Guarded by this.
  private FileChannel channel;
  /** Where the next record goes in the file. */
  private long end;
  /**
   * Bytes of records appended since this journal was opened, across compactions (which restart {@link #end} but
   * not this): what {@link #syncedTo} counts in.
   */
  private long appended;
  /** The log's length: blocks up to here are allocated. */
  private long size;
  private final Map<String, RunFinished> pending = new LinkedHashMap<>();
  /** The bytes the pending results' records take: a compaction can shrink the log to about this. */
  private long pendingBytes;
  private final Set<String> reserved = new HashSet<>();
  private int compactions;

  /** Records up to this many {@link #appended} bytes are durable. Advanced by syncs and by compactions. */
  private final AtomicLong syncedTo = new AtomicLong();

  /** Opens (or creates) the journal in {@code directory} and reads what it holds. */
  public ResultJournal(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
    channel = FileChannel.open(directory.resolve(LOG), StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    size = channel.size();
    Map<String, RunFinished> found = new LinkedHashMap<>();
    end = replay(readAll(channel), found);
    found.forEach(this::keep);
    importOlderFormat();
  }

  /** The results pending in the journal of {@code directory}, read without opening it for writing (for tests). */
  public static List<RunFinished> read(Path directory) throws IOException {
    Path file = directory.resolve(LOG);
    if (!Files.exists(file)) {
      return List.of();
    }
    Map<String, RunFinished> found = new LinkedHashMap<>();
    try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
      replay(readAll(in), found);
    }
    return List.copyOf(found.values());
  }

  /**
   * Reserves the space for an attempt's result (best effort: false if even that cannot be allocated, and the result
   * then depends on the disk having room at the end).
   */
  public synchronized boolean reserve(String runId, int attempt) {
    String key = key(runId, attempt);
    reserved.add(key);
    try {
      ensureRoom((long) reserved.size() * SLOT_BYTES);
      return true;
    } catch (IOException e) {
      reserved.remove(key);
      log.warn("cannot reserve journal space for {}/{} in {}: {}", runId, attempt, directory, e.getMessage());
      return false;
    }
  }

  /**
   * Keeps {@code result} durably; if the disk has no room for all of it, the result without its output tail goes
   * into the attempt's reserved space.
   *
   * @throws UncheckedIOException if neither could be written (the caller still has the result in memory)
   */
  public void add(RunFinished result) {
    String key = key(result.getRunId(), result.getAttempt());
    long written;
    synchronized (this) {
      reserved.remove(key);
      long othersReserved = (long) reserved.size() * SLOT_BYTES;
      RunFinished kept = result;
      byte[] record = record(RESULT, result.toByteArray());
      try {
        ensureRoom(record.length + othersReserved);
      } catch (IOException full) {
        // The room reserved for this attempt (if it had a reservation) holds the result without its tail.
        kept = withoutTail(result);
        record = record(RESULT, kept.toByteArray());
        if (size - end < record.length + othersReserved) {
          throw new UncheckedIOException("cannot write the result journal in " + directory, full);
        }
        log.warn("journal in {}: {}; keeping result {}/{} without its output tail in its reserved space", directory,
            full.getMessage(), result.getRunId(), result.getAttempt());
      }
      try {
        writeAt(channel, record, end);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the result journal in " + directory, e);
      }
      end += record.length;
      appended += record.length;
      keep(key, kept);
      written = appended;
    }
    try {
      syncTo(written);
    } catch (IOException e) {
      synchronized (this) {
        forget(key);
      }
      throw new UncheckedIOException("cannot sync the result journal in " + directory, e);
    }
  }

  /** Forgets an acknowledged result (and any reservation left for it). */
  public synchronized void remove(String runId, int attempt) {
    String key = key(runId, attempt);
    reserved.remove(key);
    if (!forget(key)) {
      return;
    }
    byte[] record = record(ACK, key.getBytes(StandardCharsets.UTF_8));
    try {
      // Not synced, and skipped when there is no room: the result would only be offered again after a restart.
      ensureRoom(record.length + (long) reserved.size() * SLOT_BYTES);
      writeAt(channel, record, end);
      end += record.length;
      appended += record.length;
    } catch (IOException e) {
      log.warn("cannot record the acknowledgement of {}/{}: {}", runId, attempt, e.getMessage());
    }
    // Only when most of the log is dead: with many results pending (a long outage), rewriting them at every
    // acknowledgement would cost as much as the log each time.
    if (end > COMPACT_AT && pendingBytes < end / 2) {
      compact();
    }
  }

  /** Adds a pending result (replacing one of the same attempt), counting its record's bytes. */
  private void keep(String key, RunFinished result) {
    RunFinished replaced = pending.put(key, result);
    pendingBytes += recordBytes(result) - (replaced == null ? 0 : recordBytes(replaced));
  }

  /** Removes a pending result; whether there was one. */
  private boolean forget(String key) {
    RunFinished removed = pending.remove(key);
    if (removed != null) {
      pendingBytes -= recordBytes(removed);
    }
    return removed != null;
  }

  /** How many syncs added results have made (for tests). */
  long syncs() {
    return syncs.get();
  }

  /** How many times the log was rewritten (for tests). */
  synchronized int compactions() {
    return compactions;
  }

  /** How many results wait for an acknowledgement. */
  public synchronized int depth() {
    return pending.size();
  }

  /** Every result still waiting for an acknowledgement, oldest first. */
  public synchronized List<RunFinished> pending() {
    return List.copyOf(pending.values());
  }

  @Override
  public synchronized void close() {
    try {
      channel.close();
    } catch (IOException e) {
      log.debug("closing the journal: {}", e.getMessage());
    }
  }

  /** Makes sure {@code bytes} past the end are allocated, growing the log by at least {@link #GROWTH}. */
  private void ensureRoom(long bytes) throws IOException {
    if (size - end >= bytes) {
      return;
    }
    long target = end + bytes + GROWTH;
    ByteBuffer zeros = ByteBuffer.allocate(GROWTH);
    try {
      while (size < target) {
        zeros.clear().limit((int) Math.min(GROWTH, target - size));
        // Writing zeros is what allocates: ext4's delayed allocation claims the blocks at write(2) or refuses with
        // ENOSPC, and tmpfs the pages.
        size += channel.write(zeros, size);
      }
    } catch (IOException e) {
      size = channel.size();
      throw e;
    }
  }

  /**
   * Makes the records up to {@code position} ({@link #appended} bytes) durable; one sync serves every record appended
   * before it started. Lock order: syncLock, then this (a compaction, under this, takes no other lock).
   */
  private void syncTo(long position) throws IOException {
    synchronized (syncLock) {
      while (syncedTo.get() < position) {
        long upTo;
        FileChannel current;
        synchronized (this) {
          upTo = appended;
          current = channel;
        }
        try {
          current.force(false);
        } catch (ClosedChannelException e) {
          synchronized (this) {
            if (channel == current) {
              throw e; // the journal was closed
            }
          }
          continue; // a compaction replaced the log, synced, and advanced syncedTo
        }
        syncs.incrementAndGet();
        syncedTo.accumulateAndGet(upTo, Math::max);
      }
    }
  }

  /**
   * Rewrites the log with only the pending results (and room for the reservations), then puts it in place of the
   * old one. A failure (a full disk) leaves the old log in use.
   */
  private void compact() {
    Path next = directory.resolve(LOG + ".tmp");
    try {
      FileChannel fresh = FileChannel.open(next, StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      try {
        long at = 0;
        for (RunFinished result : pending.values()) {
          byte[] record = record(RESULT, result.toByteArray());
          writeAt(fresh, record, at);
          at += record.length;
        }
        long room = at + (long) reserved.size() * SLOT_BYTES + GROWTH;
        writeAt(fresh, new byte[(int) (room - at)], at);
        fresh.force(true);
        Files.move(next, directory.resolve(LOG), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory();
        channel.close();
        channel = fresh;
        end = at;
        size = room;
        compactions++;
        syncedTo.accumulateAndGet(appended, Math::max); // everything pending was synced into the new log
      } catch (IOException e) {
        fresh.close();
        throw e;
      }
    } catch (IOException e) {
      log.warn("cannot compact the result journal in {}: {}", directory, e.getMessage());
      try {
        Files.deleteIfExists(next);
      } catch (IOException ignored) {
        // left for the next compaction to overwrite
      }
    }
  }

  /** Results an agent of an older version left, one file each: moved into the log, then deleted. */
  private void importOlderFormat() throws IOException {
    List<Path> older = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.{result,slot,tmp}")) {
      files.forEach(older::add);
    }
    for (Path file : older) {
      String name = file.getFileName().toString();
      if (!name.endsWith(".tmp")) {
        byte[] bytes = Files.readAllBytes(file);
        try {
          RunFinished result = name.endsWith(".slot") ? fromSlot(bytes) : RunFinished.parseFrom(bytes);
          if (result != null && !pending.containsKey(key(result.getRunId(), result.getAttempt()))) {
            add(result);
          }
        } catch (InvalidProtocolBufferException e) {
          log.warn("skipping unreadable journal entry {}: {}", file, e.getMessage());
        }
      }
      Files.delete(file);
    }
  }

  /** A result an older agent kept in a reserved slot file (length, then the result); null if the slot is empty. */
  private static RunFinished fromSlot(byte[] slot) throws InvalidProtocolBufferException {
    ByteBuffer bytes = ByteBuffer.wrap(slot);
    int length = bytes.remaining() >= 4 ? bytes.getInt() : 0;
    return length <= 0 || length > bytes.remaining() ? null
        : RunFinished.parseFrom(ByteBuffer.wrap(slot, 4, length));
  }

  /** Applies the log's intact records to {@code into}; returns where they end. */
  private static long replay(ByteBuffer log, Map<String, RunFinished> into) {
    CRC32C crc = new CRC32C();
    while (log.remaining() >= HEADER) {
      int start = log.position();
      int length = log.getInt();
      int checksum = log.getInt();
      if (length <= 0 || length > MAX_BODY || length > log.remaining()) {
        return start;
      }
      crc.reset();
      crc.update(log.array(), log.position(), length);
      if ((int) crc.getValue() != checksum) {
        return start;
      }
      byte type = log.get();
      byte[] payload = new byte[length - 1];
      log.get(payload);
      if (type == RESULT) {
        try {
          RunFinished result = RunFinished.parseFrom(payload);
          into.put(key(result.getRunId(), result.getAttempt()), result);
        } catch (InvalidProtocolBufferException e) {
          return start; // cannot happen with an intact checksum; stop as at a torn record
        }
      } else if (type == ACK) {
        into.remove(new String(payload, StandardCharsets.UTF_8));
      }
    }
    return log.position();
  }

  private static ByteBuffer readAll(FileChannel in) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((int) Math.min(in.size(), Integer.MAX_VALUE - 8));
    while (all.hasRemaining() && in.read(all, all.position()) > 0) {
      // the buffer's position is the file's: read on from there
    }
    return all.flip();
  }

  /** The length of a result's record in the log. */
  private static long recordBytes(RunFinished result) {
    return HEADER + 1 + result.getSerializedSize();
  }

  private static byte[] record(byte type, byte[] payload) {
    ByteBuffer record = ByteBuffer.allocate(HEADER + 1 + payload.length);
    record.putInt(1 + payload.length).putInt(0).put(type).put(payload);
    CRC32C crc = new CRC32C();
    crc.update(record.array(), HEADER, 1 + payload.length);
    record.putInt(4, (int) crc.getValue());
    return record.array();
  }

  private static void writeAt(FileChannel out, byte[] bytes, long position) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    while (buffer.hasRemaining()) {
      out.write(buffer, position + buffer.position());
    }
  }

  private static RunFinished withoutTail(RunFinished result) {
    String error = result.getError();
    return result.toBuilder().clearOutputTail()
        .setError(error.length() > SLOT_ERROR_CHARS ? error.substring(0, SLOT_ERROR_CHARS) : error).build();
  }

  private static String key(String runId, int attempt) {
    return runId + "-" + attempt;
  }

  private void syncDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
