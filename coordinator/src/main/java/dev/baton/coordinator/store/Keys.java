package dev.baton.coordinator.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/**
 * Key encodings. Numbers are big-endian so that RocksDB's byte order is their numeric order; names are UTF-8.
 * Times before the epoch are not used, so signed longs sort correctly as unsigned bytes.
 */
public final class Keys {
  /** Separates a job name from what follows it; names never contain 0x00. */
  private static final byte SEPARATOR = 0;

  private Keys() {}

  public static byte[] job(String name) {
    return utf8(name);
  }

  public static byte[] run(long runId) {
    return ByteBuffer.allocate(Long.BYTES).putLong(runId).array();
  }

  public static long runId(byte[] key) {
    return ByteBuffer.wrap(key).getLong();
  }

  /** All runs of one job share this prefix in {@link ColumnFamily#RUNS_BY_JOB}. */
  public static byte[] runsOfJobPrefix(String job) {
    byte[] name = utf8(job);
    byte[] prefix = Arrays.copyOf(name, name.length + 1);
    prefix[name.length] = SEPARATOR;
    return prefix;
  }

  public static byte[] runOfJob(String job, long runId) {
    byte[] prefix = runsOfJobPrefix(job);
    return ByteBuffer.allocate(prefix.length + Long.BYTES).put(prefix).putLong(runId).array();
  }

  /** The run id at the end of a {@link ColumnFamily#RUNS_BY_JOB} key. */
  public static long runIdOfJobKey(byte[] key) {
    return ByteBuffer.wrap(key, key.length - Long.BYTES, Long.BYTES).getLong();
  }

  public static byte[] runOfWave(long waveId, long runId) {
    return ByteBuffer.allocate(2 * Long.BYTES).putLong(waveId).putLong(runId).array();
  }

  public static byte[] schedule(Instant fireTime, String job) {
    byte[] name = utf8(job);
    return ByteBuffer.allocate(Long.BYTES + name.length).putLong(fireTime.toEpochMilli()).put(name).array();
  }

  public static Instant scheduleTime(byte[] key) {
    return Instant.ofEpochMilli(ByteBuffer.wrap(key).getLong());
  }

  public static String scheduleJob(byte[] key) {
    return new String(key, Long.BYTES, key.length - Long.BYTES, StandardCharsets.UTF_8);
  }

  /** Ready-queue key: lower priority numbers (HIGH = 1) sort first, then older ready times, then lower run ids. */
  public static byte[] ready(int priority, Instant readyTime, long runId) {
    return ByteBuffer.allocate(1 + 2 * Long.BYTES)
        .put((byte) priority)
        .putLong(readyTime.toEpochMilli())
        .putLong(runId)
        .array();
  }

  public static int readyPriority(byte[] key) {
    return key[0];
  }

  public static long readyRunId(byte[] key) {
    return ByteBuffer.wrap(key, 1 + Long.BYTES, Long.BYTES).getLong();
  }

  /** All output of one attempt shares this prefix in {@link ColumnFamily#OUTPUT}. */
  public static byte[] outputPrefix(long runId, int attempt) {
    return ByteBuffer.allocate(Long.BYTES + Integer.BYTES).putLong(runId).putInt(attempt).array();
  }

  public static byte[] output(long runId, int attempt, long offset) {
    return ByteBuffer.allocate(Long.BYTES + Integer.BYTES + Long.BYTES).putLong(runId).putInt(attempt)
        .putLong(offset).array();
  }

  public static long outputOffset(byte[] key) {
    return ByteBuffer.wrap(key, Long.BYTES + Integer.BYTES, Long.BYTES).getLong();
  }

  /** Retry-index key: due time, then run id. */
  public static byte[] retry(Instant due, long runId) {
    return ByteBuffer.allocate(2 * Long.BYTES).putLong(due.toEpochMilli()).putLong(runId).array();
  }

  public static Instant retryDue(byte[] key) {
    return Instant.ofEpochMilli(ByteBuffer.wrap(key).getLong());
  }

  public static long retryRunId(byte[] key) {
    return ByteBuffer.wrap(key, Long.BYTES, Long.BYTES).getLong();
  }

  public static byte[] meta(String name) {
    return utf8(name);
  }

  /** The smallest key greater than every key starting with {@code prefix}, for iterator upper bounds. */
  public static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xFF) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return null; // every byte 0xFF: no upper bound
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
