package dev.baton.cli.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code baton} command's entry point. A JVM that loads gRPC, netty, protobuf and picocli to make one call
 * takes 1.1-1.6 s on a small machine, nearly all of it running their start-up code once in the interpreter; so
 * the command line is handed to this user's CLI daemon, a JVM that has all of that loaded and compiled, over a Unix
 * socket, and this process only relays standard input, output, error and the exit code. It loads JDK classes only.
 *
 * <p>When no daemon answers, the command runs here, in this process, as it always did, and a daemon is started in
 * the background for the next call. {@code BATON_CLI_DAEMON=off} runs every command here and starts no daemon. A
 * request that reached a daemon is never run a second time here: if the daemon goes away mid-way, the command
 * fails with a message that says so.
 */
public final class CliLauncher {
  /** {@code off}: no daemon. */
  static final String SWITCH_ENV = "BATON_CLI_DAEMON";
  /** The terminal's width, which the shell launcher reads (a JVM cannot). */
  static final String COLUMNS_ENV = "BATON_COLUMNS";
  private static final String DAEMON_MAIN = "dev.baton.cli.daemon.CliDaemon";
  private static final String MAIN = "dev.baton.cli.Main";
  private static final String SETSID = "/usr/bin/setsid";

  private CliLauncher() {}

  public static void main(String[] args) throws ReflectiveOperationException, IOException {
    Map<String, String> env = System.getenv();
    Optional<DaemonHome> home = "off".equalsIgnoreCase(env.getOrDefault(SWITCH_ENV, "").trim()) ? Optional.empty()
        : DaemonHome.of(env);
    if (home.isPresent()) {
      SocketChannel channel = connect(home.get().socket());
      if (channel != null) {
        System.exit(relay(channel, new Wire.Request(Wire.Kind.RUN, List.of(args), env,
            Path.of("").toAbsolutePath().toString(), columns(env)), new FileInputStream(FileDescriptor.in),
            new FileOutputStream(FileDescriptor.out), new FileOutputStream(FileDescriptor.err)));
      }
      // `baton daemon status` must not start the daemon it asks about.
      if (args.length == 0 || !args[0].equals("daemon")) {
        startDaemon(home.get());
      }
    }
    runHere(args);
  }

  /**
   * Runs the command in this process. This JVM's own class path is the CLI's jar alone: looking up a service (as
   * opening a socket does) reads every jar of the class path, and the 37 jars of the whole CLI would cost the quick
   * path a third of its time. The whole CLI is loaded here, in a loader of its own.
   */
  private static void runHere(String[] args) throws ReflectiveOperationException, IOException {
    String[] entries = DaemonHome.classPath().split(File.pathSeparator);
    URL[] urls = new URL[entries.length];
    for (int i = 0; i < entries.length; i++) {
      urls[i] = Path.of(entries[i]).toUri().toURL();
    }
    ClassLoader cli = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    Thread.currentThread().setContextClassLoader(cli);
    Method main = cli.loadClass(MAIN).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  /**
   * What the daemon of this build says of itself, or empty if none runs.
   *
   * @param env the caller's environment (where its daemon lives)
   */
  public static Optional<String> status(Map<String, String> env) {
    return ask(env, Wire.Kind.STATUS);
  }

  /** Stops the daemon of this build; what it said, or empty if none runs. */
  public static Optional<String> stop(Map<String, String> env) {
    return ask(env, Wire.Kind.STOP);
  }

  private static Optional<String> ask(Map<String, String> env, Wire.Kind kind) {
    SocketChannel channel = DaemonHome.of(env).map(home -> connect(home.socket())).orElse(null);
    if (channel == null) {
      return Optional.empty();
    }
    java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
    relay(channel, new Wire.Request(kind, List.of(), env, "", 0), InputStream.nullInputStream(), answer, answer);
    return Optional.of(answer.toString(StandardCharsets.UTF_8));
  }

  /** Where the daemon of this build would listen for a caller with {@code env}; empty if nowhere safe. */
  public static Optional<Path> socket(Map<String, String> env) {
    return DaemonHome.of(env).map(DaemonHome::socket);
  }

  /** A connection to the daemon, or null if none answers there. */
  static SocketChannel connect(Path socket) {
    try {
      return SocketChannel.open(UnixDomainSocketAddress.of(socket));
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /**
   * Sends the request and relays until the daemon says the exit code; returns it.
   *
   * @param stdin read only as much as the daemon asks for, so that a command that reads no input leaves it to
   *     whatever reads it next (a shell loop's {@code read})
   */
  static int relay(SocketChannel channel, Wire.Request request, InputStream stdin, OutputStream stdout,
      OutputStream stderr) {
    try (channel) {
      DataOutputStream toDaemon = new DataOutputStream(new BufferedOutputStream(Wire.output(channel)));
      DataInputStream fromDaemon = new DataInputStream(new BufferedInputStream(Wire.input(channel)));
      request.write(toDaemon);
      while (true) {
        byte kind = fromDaemon.readByte();
        switch (kind) {
          case Wire.STDOUT -> write(stdout, Wire.readBytes(fromDaemon));
          case Wire.STDERR -> write(stderr, Wire.readBytes(fromDaemon));
          case Wire.STDIN_WANTED -> {
            byte[] buffer = new byte[Math.max(1, Math.min(fromDaemon.readInt(), 64 * 1024))];
            int n = stdin.read(buffer);
            Wire.writeFrame(toDaemon, Wire.STDIN, buffer, 0, Math.max(n, 0));
          }
          case Wire.EXIT -> {
            return fromDaemon.readInt();
          }
          default -> throw new IOException("unexpected frame '" + (char) kind + "'");
        }
      }
    } catch (StandardOutputClosed e) {
      return 1; // the reader of our output went away (`| head`): nothing more to say, and nobody to say it to
    } catch (IOException e) {
      PrintStream err = new PrintStream(stderr, true, StandardCharsets.UTF_8);
      err.println("baton: the CLI daemon went away during the command (" + e.getMessage() + "); it may or may not "
          + "have been done. Its log is in " + DaemonHome.of(request.env()).map(DaemonHome::log).orElse(null)
          + "; BATON_CLI_DAEMON=off runs commands without it.");
      return 1;
    }
  }

  private static void write(OutputStream out, byte[] bytes) throws StandardOutputClosed {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException e) {
      throw new StandardOutputClosed();
    }
  }

  /** Standard output or error could not be written. */
  private static final class StandardOutputClosed extends IOException {
    StandardOutputClosed() {
      super("standard output or error is closed");
    }
  }

  /** The terminal's width as the shell launcher found it; 0 if it found none (output to a file or a pipe). */
  static int columns(Map<String, String> env) {
    try {
      return Math.max(0, Integer.parseInt(env.getOrDefault(COLUMNS_ENV, "0").trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /**
   * Starts a daemon in the background, in a session of its own (so that Ctrl-C at this terminal does not reach it,
   * nor a hang-up when it closes), unless one holds the lock already (it is starting up). Failing to start one only
   * means that the next call runs here too.
   */
  static void startDaemon(DaemonHome home) {
    if (!Files.isExecutable(Path.of(SETSID)) || daemonHoldsLock(home)) {
      return;
    }
    List<String> command = new ArrayList<>(List.of(SETSID, Path.of(System.getProperty("java.home"), "bin", "java")
        .toString()));
    // A daemon's calls are short and many: the C1 compiler is enough, and keeps its CPU and memory small.
    command.addAll(Arrays.asList("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xss512k",
        "-cp", DaemonHome.classPath(), DAEMON_MAIN, home.socket().toString()));
    try {
      new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(home.log().toFile()))
          .redirectErrorStream(true).start();
    } catch (IOException e) {
      // no daemon this time
    }
  }

  /** Whether a daemon of this build runs or is starting (it holds the lock for its whole life). */
  private static boolean daemonHoldsLock(DaemonHome home) {
    try (FileChannel lock = FileChannel.open(home.lock(), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock held = lock.tryLock();
      if (held == null) {
        return true;
      }
      held.release();
      return false;
    } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
      return true;
    }
  }
}
