package dev.baton.cli.daemon;

import dev.baton.cli.Main;
import dev.baton.client.BatonClient;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This user's CLI daemon: runs {@code baton} command lines that {@link CliLauncher} hands it over a Unix socket, each
 * on a thread of its own with the caller's environment, working directory and streams, so that a call costs a
 * small JVM's start and a warm command instead of loading gRPC and picocli again. It holds a lock for its whole life
 * (one daemon per socket), and ends after {@link #IDLE} without a call, when asked ({@code baton daemon stop}), or
 * when its socket is removed.
 *
 * <p>When a caller goes away mid-command (Ctrl-C), its command is aborted: its calls are cancelled and its thread
 * interrupted.
 */
public final class CliDaemon implements AutoCloseable {
  /** How long a daemon waits for the next call before it ends. */
  public static final Duration IDLE = Duration.ofMinutes(30);
  private static final Duration IDLE_CHECK = Duration.ofSeconds(10);
  /** How long a stopping daemon lets the commands under way finish. */
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);
  /** gRPC logs some connection failures through java.util.logging; the command's one line says it all. */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  private final Path socket;
  private final Function<String, BatonClient> clients;
  private final Clock clock;
  private final ServerSocketChannel server;
  private final FileChannel lockFile;
  private final FileLock lock;
  private final Instant started;
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicLong served = new AtomicLong();
  private volatile long lastCallNanos = System.nanoTime();
  private volatile boolean stopping;

  /**
   * Takes the lock and listens on {@code socket}.
   *
   * @param clients makes a command's client for a target; null: over the network, with the caller's settings
   * @throws AlreadyRunning if another daemon holds the lock
   */
  CliDaemon(Path socket, Function<String, BatonClient> clients, Clock clock) throws IOException {
    this.socket = socket;
    this.clients = clients;
    this.clock = clock;
    this.lockFile = FileChannel.open(DaemonHome.lockOf(socket), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock taken;
    try {
      taken = lockFile.tryLock();
    } catch (java.nio.channels.OverlappingFileLockException heldInThisJvm) {
      taken = null;
    }
    if (taken == null) {
      lockFile.close();
      throw new AlreadyRunning();
    }
    this.lock = taken;
    // Under the lock no other daemon listens here: a socket file left is a dead one's.
    Files.deleteIfExists(socket);
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    this.started = clock.instant();
  }

  /** Another daemon holds the lock. */
  static final class AlreadyRunning extends IOException {
    AlreadyRunning() {
      super("another CLI daemon runs here");
    }
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    GRPC_LOG.setLevel(Level.OFF);
    CliDaemon daemon;
    try {
      daemon = new CliDaemon(Path.of(args[0]), null, Clock.systemUTC());
    } catch (AlreadyRunning e) {
      return;
    }
    System.out.println(Instant.now() + " CLI daemon " + ProcessHandle.current().pid() + " listening on " + args[0]);
    daemon.warmUp();
    daemon.serve();
    daemon.awaitCallers(STOP_GRACE); // the answer of `baton daemon stop` itself, and commands under way
    System.out.println(Instant.now() + " CLI daemon " + ProcessHandle.current().pid() + " ended after "
        + daemon.served.get() + " calls");
    System.exit(0);
  }

  /** Loads and runs what every call needs once, so that the first call is as quick as the rest. */
  private void warmUp() {
    new Main(clients, InputStream.nullInputStream(), OutputStream.nullOutputStream(),
        OutputStream.nullOutputStream(), clock, Main.Invocation.ofThisProcess()).run("--help");
    BatonClient.connect("127.0.0.1:1").close(); // the channel's classes; nothing is dialled until a call
  }

  /** Accepts calls until stopped or idle. */
  void serve() {
    Thread watchdog = new Thread(this::endWhenIdle, "baton-cli-idle");
    watchdog.setDaemon(true);
    watchdog.start();
    AtomicInteger number = new AtomicInteger();
    while (!stopping) {
      SocketChannel caller;
      try {
        caller = server.accept();
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException e) {
        if (stopping) {
          break;
        }
        continue;
      }
      lastCallNanos = System.nanoTime();
      Thread thread = new Thread(() -> serve(caller), "baton-cli-" + number.incrementAndGet());
      thread.setDaemon(true);
      thread.start();
    }
    close();
  }

  private void endWhenIdle() {
    while (!stopping) {
      try {
        Thread.sleep(IDLE_CHECK.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      boolean idle = running.get() == 0 && System.nanoTime() - lastCallNanos > IDLE.toNanos();
      if (idle || !Files.exists(socket)) {
        close();
      }
    }
  }

  /** Serves one caller: its request, then its command's streams, then the exit code. */
  private void serve(SocketChannel caller) {
    running.incrementAndGet();
    try (caller) {
      DataInputStream in = new DataInputStream(new BufferedInputStream(Wire.input(caller)));
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Wire.output(caller)));
      Wire.Request request = Wire.Request.read(in);
      switch (request.kind()) {
        case STATUS -> answer(out, status());
        case STOP -> {
          close(); // first: once the caller hears the answer, the socket is gone
          answer(out, "CLI daemon " + ProcessHandle.current().pid() + " stopped\n");
        }
        case RUN -> run(request, in, out);
      }
    } catch (IOException e) {
      // the caller went away, or sent what is not a request: nothing to answer
    } finally {
      lastCallNanos = System.nanoTime();
      synchronized (running) {
        running.decrementAndGet();
        running.notifyAll();
      }
    }
  }

  /** Waits until no caller is served, or {@code grace} has passed. */
  void awaitCallers(Duration grace) throws InterruptedException {
    long deadline = System.nanoTime() + grace.toNanos();
    synchronized (running) {
      while (running.get() > 0 && System.nanoTime() < deadline) {
        running.wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      }
    }
  }

  private static void answer(DataOutputStream out, String text) throws IOException {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Wire.writeFrame(out, Wire.STDOUT, bytes, 0, bytes.length);
    Wire.writeInt(out, Wire.EXIT, 0);
  }

  /** What {@code baton daemon status} prints about a running daemon. */
  private String status() {
    return "CLI daemon " + ProcessHandle.current().pid() + " running since " + started + ", " + served.get()
        + " commands served; socket " + socket + "\n";
  }

  /** How many callers it serves now. */
  int running() {
    return running.get();
  }

  private void run(Wire.Request request, DataInputStream in, DataOutputStream out) throws IOException {
    served.incrementAndGet();
    Frames frames = new Frames(out);
    RemoteStdin stdin = new RemoteStdin(frames);
    Main main = new Main(clients, stdin, frames.stream(Wire.STDOUT), frames.stream(Wire.STDERR), clock,
        new Main.Invocation(request.env(), Path.of(request.cwd()), request.columns()));
    Thread command = Thread.currentThread();
    Thread listener = new Thread(() -> {
      try {
        while (true) {
          byte kind = in.readByte();
          if (kind != Wire.STDIN) {
            throw new IOException("unexpected frame '" + (char) kind + "'");
          }
          stdin.arrived(Wire.readBytes(in));
        }
      } catch (IOException e) {
        // The caller went away (Ctrl-C, a killed script) or broke the protocol: stop its command.
        if (!frames.done()) {
          frames.abandon();
          stdin.arrived(new byte[0]);
          main.abort();
          command.interrupt();
        }
      }
    }, command.getName() + "-input");
    listener.setDaemon(true);
    listener.start();
    frames.exit(main.run(request.args().toArray(String[]::new)));
  }

  /** Stops listening and removes the socket; when this returns (to any caller), both are done. */
  @Override
  public synchronized void close() {
    if (stopping) {
      return;
    }
    stopping = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    try {
      Files.deleteIfExists(socket);
      lock.release();
      lockFile.close();
    } catch (IOException e) {
      // the lock goes with the process
    }
  }

  /** The frames of one call's output, written by the command's threads one at a time. */
  private static final class Frames {
    private final DataOutputStream out;
    private boolean done;
    private boolean abandoned;

    Frames(DataOutputStream out) {
      this.out = out;
    }

    synchronized void write(byte kind, byte[] bytes, int offset, int length) throws IOException {
      if (abandoned) {
        throw new InterruptedIOException("the caller went away");
      }
      Wire.writeFrame(out, kind, bytes, offset, length);
    }

    synchronized void wantInput(int max) throws IOException {
      if (abandoned) {
        throw new InterruptedIOException("the caller went away");
      }
      Wire.writeInt(out, Wire.STDIN_WANTED, max);
    }

    synchronized void exit(int code) throws IOException {
      done = true;
      if (!abandoned) {
        Wire.writeInt(out, Wire.EXIT, code);
      }
    }

    synchronized boolean done() {
      return done;
    }

    synchronized void abandon() {
      abandoned = true;
    }

    OutputStream stream(byte kind) {
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          if (len > 0) {
            Frames.this.write(kind, b, off, len);
          }
        }
      };
    }
  }

  /**
   * The caller's standard input, asked for as the command reads it: a command that reads none takes none, as a
   * process of its own would.
   */
  private static final class RemoteStdin extends InputStream {
    private final Frames frames;
    private final BlockingQueue<byte[]> arrived = new ArrayBlockingQueue<>(1);
    private byte[] pending = new byte[0];
    private int position;
    private boolean ended;

    RemoteStdin(Frames frames) {
      this.frames = frames;
    }

    void arrived(byte[] bytes) {
      arrived.offer(bytes);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (position == pending.length) {
        if (ended) {
          return -1;
        }
        frames.wantInput(len);
        try {
          pending = arrived.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("the caller went away");
        }
        position = 0;
        if (pending.length == 0) {
          ended = true;
          return -1;
        }
      }
      int n = Math.min(len, pending.length - position);
      System.arraycopy(pending, position, b, off, n);
      position += n;
      return n;
    }
  }
}
