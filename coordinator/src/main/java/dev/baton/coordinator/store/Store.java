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
import java.util.concurrent.atomic.AtomicBoolean;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
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
  /** Version of the key and value layout. A store written by another version is refused at open. */
  public static final int SCHEMA_VERSION = 1;

  private static final Logger log = LoggerFactory.getLogger(Store.class);
  private static final byte[] SCHEMA_KEY = Keys.meta("schema_version");

  static {
    RocksDB.loadLibrary();
  }

  private final Path directory;
  private final RocksDB db;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions cfOptions;
  private final LRUCache blockCache;
  private final WriteOptions syncWrites;
  private final Map<ColumnFamily, ColumnFamilyHandle> handles = new EnumMap<>(ColumnFamily.class);
  private final List<ColumnFamilyHandle> allHandles = new ArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final java.util.concurrent.atomic.LongAdder syncedWrites = new java.util.concurrent.atomic.LongAdder();

  private Store(Path directory) throws RocksDBException {
    this.directory = directory;
    this.blockCache = new LRUCache(64L << 20);
    this.cfOptions =
        new ColumnFamilyOptions()
            .optimizeLevelStyleCompaction()
            .setTableFormatConfig(
                new BlockBasedTableConfig().setBlockCache(blockCache).setFilterPolicy(new BloomFilter(10)));
    this.dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setMaxBackgroundJobs(2)
            .setKeepLogFileNum(5);
    List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
    descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
    for (ColumnFamily cf : ColumnFamily.values()) {
      descriptors.add(new ColumnFamilyDescriptor(cf.rocksName(), cfOptions));
    }
    this.db = RocksDB.open(dbOptions, directory.toString(), descriptors, allHandles);
    ColumnFamily[] families = ColumnFamily.values();
    for (int i = 0; i < families.length; i++) {
      handles.put(families[i], allHandles.get(i + 1));
    }
    this.syncWrites = new WriteOptions().setSync(true);
  }

  /**
   * Opens (creating if needed) the store in {@code directory}.
   *
   * @throws StoreException if RocksDB cannot open it or it was written with another schema version
   */
  public static Store open(Path directory) {
    try {
      Files.createDirectories(directory);
      Store store = new Store(directory);
      try {
        store.checkSchema();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      return store;
    } catch (RocksDBException | java.io.IOException e) {
      throw new StoreException("cannot open the store in " + directory + ": " + e.getMessage(), e);
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
    try (batch) {
      if (!batch.isEmpty()) {
        db.write(syncWrites, batch.writes());
        syncedWrites.increment();
      }
    } catch (RocksDBException e) {
      throw new StoreException("cannot write to the store: " + e.getMessage(), e);
    }
    for (Runnable action : batch.afterCommitActions()) {
      action.run();
    }
  }

  /** Synced writes made since the store was opened (each {@link #commit} of a non-empty batch). */
  public long syncedWrites() {
    return syncedWrites.sum();
  }

  public Optional<byte[]> get(ColumnFamily cf, byte[] key) {
    try {
      return Optional.ofNullable(db.get(handle(cf), key));
    } catch (RocksDBException e) {
      throw new StoreException("cannot read from the store: " + e.getMessage(), e);
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
    try (Slice lower = from == null ? null : new Slice(from);
        Slice upper = to == null ? null : new Slice(to);
        ReadOptions options = new ReadOptions()) {
      if (lower != null) {
        options.setIterateLowerBound(lower);
      }
      if (upper != null) {
        options.setIterateUpperBound(upper);
      }
      try (RocksIterator it = db.newIterator(handle(cf), options)) {
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

  ColumnFamilyHandle handle(ColumnFamily cf) {
    if (closed.get()) {
      throw new StoreException("the store is closed");
    }
    return handles.get(cf);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (ColumnFamilyHandle handle : allHandles) {
      handle.close();
    }
    try {
      db.syncWal();
    } catch (RocksDBException e) {
      log.warn("cannot sync the write-ahead log at close: {}", e.getMessage());
    }
    db.close();
    syncWrites.close();
    dbOptions.close();
    cfOptions.close();
    blockCache.close();
  }
}
