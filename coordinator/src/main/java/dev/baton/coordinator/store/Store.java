package dev.baton.coordinator.store;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteBufferManager;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.TransactionLogIterator;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Baton's RocksDB store: one database, a column family per kind of state ({@link ColumnFamily}), Protobuf values.
 *
 * <p>Durability: every {@link #commit} writes its batch to the write-ahead log and syncs it before returning, so a
 * change the API acknowledges survives {@code kill -9} and power loss. Commits from many threads at once are
 * grouped by RocksDB's write thread into one log write and one fsync (group commit); callers therefore must not
 * hold a global lock around {@link #commit}.
 */
public final class Store implements Closeable {
  /** The file naming the pid of the process that has the store open. */
  private static final String OWNER_FILE = "coordinator.pid";
  /** Version of the key and value layout. A store written by another version is refused at open. */
  public static final int SCHEMA_VERSION = 1;
  /**
   * RocksDB's memory outside the Java heap: the block cache, which memtables are charged to as well (a write buffer
   * manager), so reads and writes together stay within it. See the README's memory budget.
   */
  public static final long CACHE_BYTES = 128L << 20;
  /** Memtables of all column families together, charged to the cache. */
  private static final long WRITE_BUFFERS_BYTES = 64L << 20;
  private static final long WRITE_BUFFER_BYTES = 16L << 20;
  /**
   * The write-ahead log is cut (flushing the memtables it holds) beyond this size: a heavy writer (output) must not
   * grow it to gigabytes, nor make a restart replay it for many seconds.
   */
  private static final long MAX_WAL_BYTES = 64L << 20;
  /** Free space needed before a store that hit a full disk is reopened. */
  private static final long REOPEN_FREE_BYTES = 4 * WRITE_BUFFER_BYTES;
  private static final Duration REOPEN_CHECK = Duration.ofSeconds(1);
  private static final long SCAN_READAHEAD_BYTES = 4L << 20;
  /** Up to how much of old write-ahead log files are kept for standbys to tail (HA only). */
  private static final long WAL_RETENTION_MB = 1024;

  private static final Logger log = LoggerFactory.getLogger(Store.class);
  private static final byte[] SCHEMA_KEY = Keys.meta("schema_version");

  static {
    RocksDB.loadLibrary();
  }

  /** One open RocksDB instance with its column family handles. */
  private static final class Db {
    final RocksDB rocks;
    final List<ColumnFamilyHandle> allHandles;
    final Map<ColumnFamily, ColumnFamilyHandle> handles = new EnumMap<>(ColumnFamily.class);

    Db(RocksDB rocks, List<ColumnFamilyHandle> allHandles) {
      this.rocks = rocks;
      this.allHandles = allHandles;
      ColumnFamily[] families = ColumnFamily.values();
      for (int i = 0; i < families.length; i++) {
        handles.put(families[i], allHandles.get(i + 1));
      }
    }

    void close() {
      allHandles.forEach(ColumnFamilyHandle::close);
      try {
        rocks.syncWal();
      } catch (RocksDBException e) {
        log.warn("cannot sync the write-ahead log at close: {}", e.getMessage());
      }
      rocks.close();
    }
  }

  private final Path directory;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache blockCache;
  private final WriteBufferManager writeBuffers;
  private final WriteOptions syncWrites;
  private final WriteOptions unsyncedWrites = new WriteOptions().setSync(false);
  /**
   * Readers and writers hold it shared; a reopen holds it exclusively. RocksJava cannot resume a database that a
   * full disk put into read-only mode, so the store closes and reopens it once there is space again.
   */
  private final ReentrantReadWriteLock dbLock = new ReentrantReadWriteLock();
  private Db db; // guarded by dbLock; null while a reopen failed
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean reopening = new AtomicBoolean();
  private final LongAdder syncedWrites = new LongAdder();
  private volatile java.util.function.Consumer<Batch> beforeCommit = batch -> { };
  private volatile Replication replication = Replication.NONE;

  private Store(Path directory, Duration keepLog) throws RocksDBException {
    this.directory = directory;
    this.blockCache = new LRUCache(CACHE_BYTES);
    this.writeBuffers = new WriteBufferManager(WRITE_BUFFERS_BYTES, blockCache);
    this.cfOptions =
        new ColumnFamilyOptions()
            .optimizeLevelStyleCompaction()
            .setWriteBufferSize(WRITE_BUFFER_BYTES)
            .setMaxWriteBufferNumber(2)
            .setTableFormatConfig(new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                .setCacheIndexAndFilterBlocks(true)
                .setPinL0FilterAndIndexBlocksInCache(true)
                .setFilterPolicy(new BloomFilter(10)));
    this.dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setMaxBackgroundJobs(2)
            .setKeepLogFileNum(5)
            .setWriteBufferManager(writeBuffers)
            .setMaxTotalWalSize(MAX_WAL_BYTES);
    if (keepLog.toSeconds() > 0) {
      // Standbys tail the log (getUpdatesSince): keep the old log files for a while instead of deleting them once
      // flushed, so that a standby briefly away catches up from the log rather than from a whole checkpoint.
      dbOptions.setWalTtlSeconds(keepLog.toSeconds()).setWalSizeLimitMB(WAL_RETENTION_MB);
    }
    this.syncWrites = new WriteOptions().setSync(true);
    this.db = openDb();
  }

  private Db openDb() throws RocksDBException {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (ColumnFamily cf : ColumnFamily.values()) {
      descriptors.add(new ColumnFamilyDescriptor(cf.rocksName(), cfOptions));
    }
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    return new Db(RocksDB.open(dbOptions, directory.toString(), descriptors, handles), handles);
  }

  /**
   * Opens (creating if needed) the store in {@code directory}.
   *
   * @throws StoreException if RocksDB cannot open it or it was written with another schema version
   */
  public static Store open(Path directory) {
    return open(directory, Duration.ZERO);
  }

  /** As {@link #open(Path)}, keeping a replicated store's old log files for the standbys (1 hour, up to 1 GiB). */
  public static Store open(Path directory, boolean replicated) {
    return open(directory, replicated ? Duration.ofHours(1) : Duration.ZERO);
  }

  /**
   * As {@link #open(Path)}; {@code keepLog} keeps old write-ahead log files that long (and up to 1 GiB) so that
   * standbys can tail them (HA mode); zero deletes them once flushed.
   */
  public static Store open(Path directory, Duration keepLog) {
    try {
      Files.createDirectories(directory);
      Store store = new Store(directory, keepLog);
      try {
        store.checkSchema();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      writeOwner(directory);
      return store;
    } catch (RocksDBException e) {
      if (String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("lock")) {
        throw new StoreException("data dir " + directory + " is in use by another coordinator"
            + owner(directory).map(pid -> " (pid " + pid + ")").orElse("")
            + "; stop it first, or give this one its own --data-dir", e);
      }
      throw new StoreException("cannot open the store in " + directory + ": " + e.getMessage(), e);
    } catch (java.io.IOException e) {
      throw new StoreException("cannot open the store in " + directory + ": " + e.getMessage(), e);
    }
  }

  /** Notes which process holds the store (RocksDB's own lock says only that one does), for the message above. */
  private static void writeOwner(Path directory) throws java.io.IOException {
    Files.writeString(directory.resolve(OWNER_FILE), ProcessHandle.current().pid() + "\n");
  }

  private static Optional<String> owner(Path directory) {
    try {
      return Optional.of(Files.readString(directory.resolve(OWNER_FILE)).trim()).filter(s -> !s.isEmpty());
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  private void checkSchema() {
    Optional<byte[]> stored = get(ColumnFamily.META, SCHEMA_KEY);
    if (stored.isEmpty()) {
      try (Batch batch = batch()) {
        batch.put(ColumnFamily.META, SCHEMA_KEY, ByteBuffer.allocate(4).putInt(SCHEMA_VERSION).array());
        commit(batch);
      }
      log.info("created a new store in {} (schema version {})", directory, SCHEMA_VERSION);
      return;
    }
    int version = ByteBuffer.wrap(stored.get()).getInt();
    if (version != SCHEMA_VERSION) {
      throw new StoreException(
          "the store in " + directory + " has schema version " + version + "; this coordinator reads version "
              + SCHEMA_VERSION);
    }
  }

  public Batch batch() {
    return new Batch(this);
  }

  /**
   * Makes every change in {@code batch} durable at once (synced write-ahead log), then runs its after-commit
   * actions. Closes the batch.
   */
  public void commit(Batch batch) {
    if (!batch.isEmpty()) {
      beforeCommit.accept(batch);
    }
    if (write(batch, syncWrites)) {
      syncedWrites.increment();
    }
  }

  /**
   * Called with every non-empty batch about to be committed synced, on the committing thread: the audit log adds
   * the record of the call being served, so that it costs no commit of its own.
   */
  public void beforeCommit(java.util.function.Consumer<Batch> hook) {
    this.beforeCommit = hook == null ? batch -> { } : hook;
  }

  /** Synced writes made since the store was opened (each {@link #commit} of a non-empty batch). */
  public long syncedWrites() {
    return syncedWrites.sum();
  }

  /**
   * Writes {@code batch} to the write-ahead log without waiting for the disk: for bulk data that is not acknowledged
   * to anyone (output chunks). The next synced commit makes it durable with everything before it.
   */
  public void commitUnsynced(Batch batch) {
    write(batch, unsyncedWrites);
  }

  /**
   * Writes a batch (closing it), waits until it is replicated if it was synced, then runs its after-commit actions;
   * whether it had anything to write.
   */
  private boolean write(Batch batch, WriteOptions options) {
    boolean wrote;
    long sequence = 0;
    try (batch) {
      wrote = !batch.isEmpty();
      if (wrote) {
        dbLock.readLock().lock();
        try {
          RocksDB rocks = open().rocks;
          rocks.write(options, batch.writes());
          // At least this batch's last sequence number (writers that committed since may be included).
          sequence = rocks.getLatestSequenceNumber();
        } finally {
          dbLock.readLock().unlock();
        }
      }
    } catch (RocksDBException e) {
      StoreException failure = new StoreException("cannot write to the store: " + e.getMessage(), e);
      if (failure.diskFull()) {
        reopenWhenThereIsSpace();
      }
      throw failure;
    }
    if (wrote && options == syncWrites) {
      // Acknowledged changes must be on every in-sync standby before anyone hears of them (HA).
      replication.awaitReplicated(sequence);
    }
    for (Runnable action : batch.afterCommitActions()) {
      action.run();
    }
    return wrote;
  }

  public Optional<byte[]> get(ColumnFamily cf, byte[] key) {
    dbLock.readLock().lock();
    try {
      Db current = open();
      return Optional.ofNullable(current.rocks.get(current.handles.get(cf), key));
    } catch (RocksDBException e) {
      throw new StoreException("cannot read from the store: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  public <T extends MessageLite> Optional<T> get(ColumnFamily cf, byte[] key, Parser<T> parser) {
    return get(cf, key).map(bytes -> parse(parser, bytes));
  }

  public boolean contains(ColumnFamily cf, byte[] key) {
    return get(cf, key).isPresent();
  }

  /** Decodes a stored value; a value that does not decode means the store is corrupt. */
  public static <T extends MessageLite> T parse(Parser<T> parser, byte[] bytes) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new StoreException("corrupt value in the store: " + e.getMessage(), e);
    }
  }

  /** What a scan does with each entry: return false to stop. */
  @FunctionalInterface
  public interface Visitor {
    boolean visit(byte[] key, byte[] value);
  }

  /**
   * Visits the entries of {@code cf} with {@code from <= key < to} in key order (or reverse order), until the
   * visitor returns false. A null bound is open.
   */
  public void scan(ColumnFamily cf, byte[] from, byte[] to, boolean reverse, Visitor visitor) {
    dbLock.readLock().lock();
    try (Slice lower = from == null ? null : new Slice(from);
        Slice upper = to == null ? null : new Slice(to);
        ReadOptions options = new ReadOptions()) {
      if (lower != null) {
        options.setIterateLowerBound(lower);
      }
      if (upper != null) {
        options.setIterateUpperBound(upper);
      }
      if (lower == null && upper == null) {
        // A whole column family (the indexes rebuilt at start): read ahead, and keep it out of the block cache.
        options.setReadaheadSize(SCAN_READAHEAD_BYTES).setFillCache(false);
      }
      Db current = open();
      try (RocksIterator it = current.rocks.newIterator(current.handles.get(cf), options)) {
        if (reverse) {
          it.seekToLast();
        } else {
          it.seekToFirst();
        }
        while (it.isValid()) {
          if (!visitor.visit(it.key(), it.value())) {
            return;
          }
          if (reverse) {
            it.prev();
          } else {
            it.next();
          }
        }
        it.status();
      }
    } catch (RocksDBException e) {
      throw new StoreException("cannot scan the store: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** Visits every entry whose key starts with {@code prefix}. */
  public void scanPrefix(ColumnFamily cf, byte[] prefix, boolean reverse, Visitor visitor) {
    scan(cf, prefix, Keys.prefixEnd(prefix), reverse, visitor);
  }

  /** The last key of {@code cf}, if any. */
  public Optional<byte[]> lastKey(ColumnFamily cf) {
    byte[][] last = new byte[1][];
    scan(cf, null, null, true, (key, value) -> {
      last[0] = key;
      return false;
    });
    return Optional.ofNullable(last[0]);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Replication (HA): the leader's log is read by sequence number; a standby applies it in order.

  /** What a synced commit waits for before its after-commit actions run and its caller hears of it. */
  public interface Replication {
    Replication NONE = sequence -> {};

    /**
     * Returns once every in-sync standby has applied the store up to {@code sequence}; throws a
     * {@link StoreException} if that cannot be promised (the change is then not acknowledged).
     */
    void awaitReplicated(long sequence);
  }

  /** Sets what synced commits wait for (the leader's replication); {@link Replication#NONE} by default. */
  public void replication(Replication replication) {
    this.replication = replication;
  }

  /** The sequence number of the last change in the store; 0 if it is empty. */
  public long latestSequence() {
    dbLock.readLock().lock();
    try {
      return open().rocks.getLatestSequenceNumber();
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /**
   * Up to {@code maxBatches} write batches from the one holding sequence number {@code from} on, in order (the first
   * may begin before {@code from}); empty if nothing after {@code from - 1} has been written yet.
   *
   * @throws WalGapException if the log no longer holds {@code from} (the store must be copied from a checkpoint)
   */
  public List<WalBatch> updatesSince(long from, int maxBatches) {
    dbLock.readLock().lock();
    try {
      RocksDB rocks = open().rocks;
      if (from > rocks.getLatestSequenceNumber()) {
        return List.of();
      }
      List<WalBatch> out = new ArrayList<>();
      try (TransactionLogIterator log = rocks.getUpdatesSince(from)) {
        while (log.isValid() && out.size() < maxBatches) {
          TransactionLogIterator.BatchResult result = log.getBatch();
          try (WriteBatch writes = result.writeBatch()) {
            WalBatch batch = new WalBatch(result.sequenceNumber(), writes.count(), writes.data());
            if (out.isEmpty() && batch.sequence() > from) {
              throw new WalGapException("the write-ahead log starts at sequence " + batch.sequence()
                  + ", after " + from + " (older log files were removed)");
            }
            out.add(batch);
          }
          log.next();
        }
        log.status();
      }
      if (out.isEmpty()) {
        throw new WalGapException("the write-ahead log no longer holds sequence " + from);
      }
      return out;
    } catch (RocksDBException e) {
      throw new WalGapException("cannot read the write-ahead log from sequence " + from + ": " + e.getMessage());
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /**
   * Applies a batch of the leader's log to this replica, synced. A batch already applied is skipped; one that
   * would leave a gap is refused (the replica must then start again from a checkpoint). Returns whether it applied.
   */
  public boolean applyReplicated(WalBatch batch) {
    return applyReplicated(batch, true);
  }

  /**
   * As {@link #applyReplicated(WalBatch)}; unsynced when {@code sync} is false, for a replica that applies several
   * batches and then makes them durable at once with {@link #syncLog()} before acknowledging them.
   */
  public boolean applyReplicated(WalBatch batch, boolean sync) {
    dbLock.readLock().lock();
    try {
      RocksDB rocks = open().rocks;
      long latest = rocks.getLatestSequenceNumber();
      if (batch.last() <= latest) {
        return false;
      }
      if (batch.sequence() != latest + 1) {
        throw new WalGapException("a replicated batch at sequence " + batch.sequence() + " does not follow "
            + latest + ", the last one applied");
      }
      try (WriteBatch writes = new WriteBatch(batch.data())) {
        rocks.write(sync ? syncWrites : unsyncedWrites, writes);
      }
      long after = rocks.getLatestSequenceNumber();
      if (after != batch.last()) {
        throw new StoreException("a replicated batch of " + batch.count() + " changes at " + batch.sequence()
            + " left the replica at sequence " + after + ", not " + batch.last());
      }
      syncedWrites.increment();
      return true;
    } catch (RocksDBException e) {
      throw new StoreException("cannot apply a replicated batch: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** Makes everything written so far durable (syncs the write-ahead log). */
  public void syncLog() {
    dbLock.readLock().lock();
    try {
      open().rocks.syncWal();
    } catch (RocksDBException e) {
      throw new StoreException("cannot sync the write-ahead log: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /**
   * Writes a consistent copy of the store into {@code target} (which must not exist; hard links where it can) and
   * returns its latest sequence number.
   */
  public long checkpoint(Path target) {
    dbLock.readLock().lock();
    try (Checkpoint checkpoint = Checkpoint.create(open().rocks)) {
      checkpoint.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new StoreException("cannot write a checkpoint to " + target + ": " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
    return sequenceOf(target);
  }

  /** The latest sequence number of a store's files, read without taking it over (a checkpoint). */
  static long sequenceOf(Path directory) {
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    try (ColumnFamilyOptions cf = new ColumnFamilyOptions(); DBOptions options = new DBOptions()) {
      descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cf));
      for (ColumnFamily family : ColumnFamily.values()) {
        descriptors.add(new ColumnFamilyDescriptor(family.rocksName(), cf));
      }
      try (RocksDB rocks = RocksDB.openReadOnly(options, directory.toString(), descriptors, handles)) {
        long sequence = rocks.getLatestSequenceNumber();
        handles.forEach(ColumnFamilyHandle::close);
        return sequence;
      }
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the checkpoint in " + directory + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the whole store by the checkpoint in {@code checkpoint} (a directory on the same file system, which is
   * moved into place) and reopens it; returns its latest sequence number. Readers and writers wait meanwhile.
   */
  public long replaceWith(Path checkpoint) {
    dbLock.writeLock().lock();
    try {
      open().close();
      db = null;
      try (var old = Files.list(directory)) {
        for (Path file : old.toList()) {
          if (!file.getFileName().toString().equals(OWNER_FILE)) {
            deleteRecursively(file);
          }
        }
      }
      try (var files = Files.list(checkpoint)) {
        for (Path file : files.toList()) {
          Files.move(file, directory.resolve(file.getFileName()));
        }
      }
      Files.delete(checkpoint);
      db = openDb();
      return db.rocks.getLatestSequenceNumber();
    } catch (RocksDBException | java.io.IOException e) {
      throw new StoreException("cannot replace the store in " + directory + " by the checkpoint in " + checkpoint
          + ": " + e.getMessage(), e);
    } finally {
      dbLock.writeLock().unlock();
    }
  }

  private static void deleteRecursively(Path path) throws java.io.IOException {
    if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (var children = Files.list(path)) {
        for (Path child : children.toList()) {
          deleteRecursively(child);
        }
      }
    }
    Files.delete(path);
  }

  /**
   * Compacts the keys of {@code cf} from {@code from} (inclusive) to {@code to} (exclusive): drops the tombstones of
   * deleted keys there, which iterators would otherwise step over one by one (after retention removed many runs).
   */
  public void compactRange(ColumnFamily cf, byte[] from, byte[] to) {
    dbLock.readLock().lock();
    try {
      Db open = open();
      open.rocks.compactRange(open.handles.get(cf), from, to);
    } catch (RocksDBException e) {
      throw new StoreException("cannot compact: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** Flushes the memtables to files, so that the write-ahead log so far is no longer needed to recover. */
  public void flush() {
    dbLock.readLock().lock();
    try (org.rocksdb.FlushOptions options = new org.rocksdb.FlushOptions().setWaitForFlush(true)) {
      Db open = open();
      open.rocks.flush(options, open.allHandles);
    } catch (RocksDBException e) {
      throw new StoreException("cannot flush: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** RocksDB's estimate of how many keys {@code cf} holds (cheap: no scan; exact only after compaction). */
  public long estimatedKeys(ColumnFamily cf) {
    dbLock.readLock().lock();
    try {
      Db open = open();
      return open.rocks.getLongProperty(open.handles.get(cf), "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the store's key count: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /**
   * Bytes the store takes, by RocksDB's own accounting: SST files plus memtables, of one column family or (empty) of
   * all. Cheap: properties, no scan.
   */
  public long sizeBytes(java.util.Optional<ColumnFamily> only) {
    dbLock.readLock().lock();
    try {
      Db open = open();
      long total = 0;
      for (ColumnFamily cf : only.map(java.util.List::of).orElse(java.util.List.of(ColumnFamily.values()))) {
        total += open.rocks.getLongProperty(open.handles.get(cf), "rocksdb.total-sst-files-size")
            + open.rocks.getLongProperty(open.handles.get(cf), "rocksdb.cur-size-all-mem-tables");
      }
      return total;
    } catch (RocksDBException e) {
      throw new StoreException("cannot read the store's size: " + e.getMessage(), e);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** The directory the store lives in. */
  public Path directory() {
    return directory;
  }

  /** Adds a put to a batch's writes; under the shared lock, since it reads the column family's handle. */
  void put(WriteBatch writes, ColumnFamily cf, byte[] key, byte[] value) throws RocksDBException {
    dbLock.readLock().lock();
    try {
      writes.put(open().handles.get(cf), key, value);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** Adds a delete to a batch's writes (see {@link #put}). */
  void delete(WriteBatch writes, ColumnFamily cf, byte[] key) throws RocksDBException {
    dbLock.readLock().lock();
    try {
      writes.delete(open().handles.get(cf), key);
    } finally {
      dbLock.readLock().unlock();
    }
  }

  /** The open database; the caller holds {@link #dbLock}. */
  private Db open() {
    if (closed.get()) {
      throw new StoreException("the store is closed");
    }
    if (db == null) {
      throw new StoreException("the store is being reopened after its disk was full; try again shortly");
    }
    return db;
  }

  /**
   * After a write failed for lack of space RocksDB refuses every write until it is reopened (RocksJava has no
   * {@code Resume()}). A background thread waits until the disk has room again, then closes and reopens the database,
   * so that writes come back by themselves. Reads go on meanwhile, except during the reopen itself.
   */
  private void reopenWhenThereIsSpace() {
    if (closed.get() || !reopening.compareAndSet(false, true)) {
      return;
    }
    log.error("the disk of the store in {} is full: writes are refused until there is room again", directory);
    Thread thread = new Thread(() -> {
      try {
        while (!closed.get() && !reopened()) {
          Thread.sleep(REOPEN_CHECK.toMillis());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        reopening.set(false);
      }
    }, "baton-store-reopen");
    thread.setDaemon(true);
    thread.start();
  }

  /** Reopens the database if the disk has room; whether it is open and taking writes now. */
  private boolean reopened() {
    try {
      if (Files.getFileStore(directory).getUsableSpace() < REOPEN_FREE_BYTES) {
        return false;
      }
    } catch (java.io.IOException e) {
      log.warn("cannot read the free space of {}: {}", directory, e.getMessage());
      return false;
    }
    dbLock.writeLock().lock();
    try {
      if (closed.get()) {
        return true;
      }
      if (db != null) {
        db.close();
        db = null;
      }
      db = openDb();
      log.info("the store in {} is reopened and takes writes again", directory);
      return true;
    } catch (RocksDBException e) {
      log.warn("cannot reopen the store in {} yet: {}", directory, e.getMessage());
      return false;
    } finally {
      dbLock.writeLock().unlock();
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    dbLock.writeLock().lock();
    try {
      if (db != null) {
        db.close();
        db = null;
      }
    } finally {
      dbLock.writeLock().unlock();
    }
    syncWrites.close();
    unsyncedWrites.close();
    dbOptions.close();
    cfOptions.close();
    writeBuffers.close();
    blockCache.close();
  }
}
