package dev.baton.agent.exec;

import java.util.Arrays;

/**
 * The last {@code capacity} bytes written to it: a ring buffer that grows up to its capacity as
 * output arrives, so a command that writes little costs little. Not thread-safe; the attempt
 * guards it with its lock.
 *
 * <p>Invariant: while the buffer is smaller than the capacity, nothing has wrapped and the bytes
 * are at {@code [0, written)}; once it has the full capacity, byte number {@code i} of the output
 * is at {@code i % capacity}.
 */
final class OutputTail {

  private static final int MIN_BUFFER = 256;

  private final int capacity;
  private byte[] ring = new byte[0];
  private long written;

  OutputTail(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative: " + capacity);
    }
    this.capacity = capacity;
  }

  void append(byte[] data, int offset, int length) {
    if (capacity == 0 || length == 0) {
      written += length;
      return;
    }
    if (ring.length < capacity && written + length > ring.length) {
      long wanted = Math.max(written + length, Math.max(2L * ring.length, MIN_BUFFER));
      ring = Arrays.copyOf(ring, (int) Math.min(capacity, wanted));
    }
    int cap = ring.length;
    if (cap < capacity) {
      // Still growing: a plain append.
      System.arraycopy(data, offset, ring, (int) written, length);
    } else if (length >= cap) {
      // Only the last cap bytes survive; put them where the ring positions say.
      int start = (int) ((written + length - cap) % cap);
      int first = cap - start;
      System.arraycopy(data, offset + length - cap, ring, start, first);
      System.arraycopy(data, offset + length - cap + first, ring, 0, cap - first);
    } else {
      int pos = (int) (written % cap);
      int first = Math.min(length, cap - pos);
      System.arraycopy(data, offset, ring, pos, first);
      System.arraycopy(data, offset + first, ring, 0, length - first);
    }
    written += length;
  }

  /** Every byte appended so far. */
  long written() {
    return written;
  }

  /** A copy of the last {@code min(written, capacity)} bytes, oldest first. */
  byte[] snapshot() {
    int size = (int) Math.min(written, capacity);
    byte[] out = new byte[size];
    if (size == 0) {
      return out;
    }
    int cap = ring.length;
    int start = (int) ((written - size) % cap);
    int first = Math.min(size, cap - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, size - first);
    return out;
  }
}
