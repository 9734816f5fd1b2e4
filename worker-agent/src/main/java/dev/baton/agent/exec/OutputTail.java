package dev.baton.agent.exec;

/**
 * The last {@code capacity} bytes written to it: a ring buffer. Not thread-safe; the attempt
 * guards it with its lock.
 */
final class OutputTail {

  private final byte[] ring;
  private long written;

  OutputTail(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative: " + capacity);
    }
    this.ring = new byte[capacity];
  }

  void append(byte[] data, int offset, int length) {
    int cap = ring.length;
    if (cap == 0 || length == 0) {
      written += length;
      return;
    }
    if (length >= cap) {
      // Only the last cap bytes survive; lay them out so that the ring position stays consistent.
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
    int cap = ring.length;
    int size = (int) Math.min(written, cap);
    byte[] out = new byte[size];
    if (size == 0) {
      return out;
    }
    int start = (int) ((written - size) % cap);
    int first = Math.min(size, cap - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, size - first);
    return out;
  }
}
