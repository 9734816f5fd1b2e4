package dev.baton.cli.daemon;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the launcher and the CLI daemon say to each other over the daemon's Unix socket. JDK classes only: the
 * launcher must not load picocli, gRPC or protobuf on its way to the daemon.
 *
 * <p>The launcher opens with one request ({@link Request}), then sends standard input when asked. Everything else
 * is a frame: a kind byte, a length, then the bytes.
 * <ul>
 *   <li>daemon to launcher: {@link #STDOUT}, {@link #STDERR} (bytes to write there), {@link #STDIN_WANTED} (read
 *       at most this many bytes of standard input and send them), {@link #EXIT} (the exit code; the end);</li>
 *   <li>launcher to daemon: {@link #STDIN} (bytes read; none at end of input).</li>
 * </ul>
 */
final class Wire {
  /** First int of every request: the protocol, so that a daemon never misreads another version's launcher. */
  static final int MAGIC = 0x4254_4e31; // "BTN1"

  static final byte STDOUT = 'o';
  static final byte STDERR = 'e';
  static final byte STDIN_WANTED = 'w';
  static final byte STDIN = 'i';
  static final byte EXIT = 'x';

  /** What a request asks for: a command line to run, or the daemon's status, or that it stop. */
  enum Kind { RUN, STATUS, STOP }

  /** One command line and where it runs: the caller's environment, working directory and terminal width. */
  record Request(Kind kind, List<String> args, Map<String, String> env, String cwd, int columns) {
    void write(DataOutputStream out) throws IOException {
      out.writeInt(MAGIC);
      out.writeByte(kind.ordinal());
      writeString(out, cwd);
      out.writeInt(columns);
      out.writeInt(env.size());
      for (Map.Entry<String, String> e : env.entrySet()) {
        writeString(out, e.getKey());
        writeString(out, e.getValue());
      }
      out.writeInt(args.size());
      for (String arg : args) {
        writeString(out, arg);
      }
      out.flush();
    }

    static Request read(DataInputStream in) throws IOException {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a request of this launcher's version");
      }
      int kind = in.readUnsignedByte();
      if (kind >= Kind.values().length) {
        throw new IOException("unknown request kind " + kind);
      }
      String cwd = readString(in);
      int columns = in.readInt();
      int envCount = count(in);
      Map<String, String> env = new LinkedHashMap<>();
      for (int i = 0; i < envCount; i++) {
        env.put(readString(in), readString(in));
      }
      int argCount = count(in);
      List<String> args = new ArrayList<>(argCount);
      for (int i = 0; i < argCount; i++) {
        args.add(readString(in));
      }
      return new Request(Kind.values()[kind], args, env, cwd, columns);
    }
  }

  /** The largest string or frame either side takes: a command line's argument, a chunk of output. */
  static final int MAX_LENGTH = 16 * 1024 * 1024;

  private Wire() {}

  /**
   * The socket's input as a stream. Not {@link java.nio.channels.Channels#newInputStream}: its streams of one
   * channel share a lock, so a thread blocked reading holds up every write.
   */
  static InputStream input(SocketChannel channel) {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return len == 0 ? 0 : channel.read(ByteBuffer.wrap(b, off, len));
      }
    };
  }

  /** The socket's output as a stream (see {@link #input}). */
  static OutputStream output(SocketChannel channel) {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
      }
    };
  }

  static void writeFrame(DataOutputStream out, byte kind, byte[] bytes, int offset, int length) throws IOException {
    out.writeByte(kind);
    out.writeInt(length);
    out.write(bytes, offset, length);
    out.flush();
  }

  static void writeInt(DataOutputStream out, byte kind, int value) throws IOException {
    out.writeByte(kind);
    out.writeInt(value);
    out.flush();
  }

  /** Reads a frame's length and bytes (after its kind). */
  static byte[] readBytes(DataInputStream in) throws IOException {
    byte[] bytes = new byte[count(in)];
    in.readFully(bytes);
    return bytes;
  }

  private static int count(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > MAX_LENGTH) {
      throw new IOException("bad length " + n);
    }
    return n;
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInputStream in) throws IOException {
    return new String(readBytes(in), StandardCharsets.UTF_8);
  }
}
