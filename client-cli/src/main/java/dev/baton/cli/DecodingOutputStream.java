package dev.baton.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes written to a {@link Writer}, decoded as UTF-8 (malformed input becomes U+FFFD). A character split between
 * two writes is held back until its last byte arrives. For a {@link Main} built on writers rather than streams.
 */
final class DecodingOutputStream extends OutputStream {
  private final Writer out;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPLACE)
      .onUnmappableCharacter(CodingErrorAction.REPLACE);
  /** The start of a character whose last bytes have not come yet: at most 3 bytes. */
  private byte[] held = new byte[0];

  DecodingOutputStream(Writer out) {
    this.out = out;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(held.length + len);
    bytes.put(held).put(b, off, len).flip();
    // UTF-8 never decodes to more chars than it has bytes.
    CharBuffer chars = CharBuffer.allocate(bytes.remaining());
    decoder.decode(bytes, chars, false);
    chars.flip();
    out.append(chars);
    held = new byte[bytes.remaining()];
    bytes.get(held);
  }

  @Override
  public synchronized void flush() throws IOException {
    out.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    // Bytes of a character that never ended are shown as U+FFFD.
    ByteBuffer bytes = ByteBuffer.wrap(held);
    CharBuffer chars = CharBuffer.allocate(held.length + 1);
    decoder.decode(bytes, chars, true);
    decoder.flush(chars);
    chars.flip();
    out.append(chars);
    held = new byte[0];
    out.flush();
  }
}
