package dev.baton.coordinator.run;

import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.baton.proto.v1.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A chunk of output as {@link OutputStore} keeps it in RocksDB: one byte with the stream's number, and with
 * {@link #TIMED} set when the epoch millisecond the agent read it follows as 8 bytes; then the bytes themselves.
 * Chunks stored before agents stamped their output have no time, and read back as before.
 */
record StoredChunk(OutputStream stream, Optional<Timestamp> time, int dataStart, int length) {
  static final int TIMED = 0x80;

  static byte[] encode(OutputStream stream, Timestamp time, com.google.protobuf.ByteString data) {
    int header = time == null ? 1 : 9;
    byte[] value = new byte[header + data.size()];
    value[0] = (byte) (stream.getNumber() | (time == null ? 0 : TIMED));
    if (time != null) {
      ByteBuffer.wrap(value, 1, 8).putLong(Timestamps.toMillis(time));
    }
    data.copyTo(value, header);
    return value;
  }

  static StoredChunk of(byte[] value) {
    int first = value[0] & 0xff;
    OutputStream stream = OutputStream.forNumber(first & ~TIMED);
    if ((first & TIMED) == 0) {
      return new StoredChunk(stream, Optional.empty(), 1, value.length - 1);
    }
    long millis = ByteBuffer.wrap(value, 1, 8).getLong();
    return new StoredChunk(stream, Optional.of(Timestamps.fromMillis(millis)), 9, value.length - 9);
  }
}
