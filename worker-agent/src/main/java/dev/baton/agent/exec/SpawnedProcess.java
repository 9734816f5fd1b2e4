package dev.baton.agent.exec;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.StringArray;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A command started with posix_spawn(3) in a new session ({@code POSIX_SPAWN_SETSID}): one exec, the command
 * itself, whose pid is its session and process group id from its first instruction on, so there is no window in
 * which a signal to the group misses it. glibc spawns through {@code clone(CLONE_VM|CLONE_VFORK)}, as cheap as
 * the JDK's VFORK mode. In the child: stdin is {@code /dev/null}, stdout and stderr are pipes to this process,
 * every other descriptor is closed ({@code closefrom(3)}: no socket, journal file or lifeline pipe of the agent
 * leaks into a job), the signal mask is empty and every signal has its default action (a job started from a
 * background shell does not inherit ignored SIGINT or SIGPIPE).
 *
 * <p>A {@link Process}, so that the runner treats it like the JDK's; exit values follow the JDK's convention
 * (the exit status, or 128+N after signal N). {@link #waitFor()} reaps it; the first caller does the waitpid(2).
 */
final class SpawnedProcess extends Process {
  private final long pid;
  private final InputStream stdout;
  private final InputStream stderr;
  private final CountDownLatch reaped = new CountDownLatch(1);
  private final Object reaping = new Object();
  private volatile int exitValue = -1;

  private SpawnedProcess(long pid, InputStream stdout, InputStream stderr) {
    this.pid = pid;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Whether this platform can spawn this way; see {@link LibC#AVAILABLE}. */
  static boolean available() {
    return LibC.AVAILABLE;
  }

  /**
   * Starts {@code program} (a path, absolute or relative to {@code workDir}) with {@code argv} (argv[0] as the
   * command wrote it) and exactly the environment {@code env} ("NAME=value").
   *
   * @param workDir the child's working directory, or null for the agent's
   * @throws IOException if the spawn failed (the message has the C library's reason)
   */
  static SpawnedProcess start(String program, List<String> argv, List<String> env, Path workDir)
      throws IOException {
    // The read ends become streams before the spawn, so that nothing is left to fail once the child runs.
    int[] out = pipe();
    int[] err = null;
    InputStream stdout = null;
    InputStream stderr = null;
    try {
      stdout = reader(out[0]);
      err = pipe();
      stderr = reader(err[0]);
      return new SpawnedProcess(spawn(program, argv, env, workDir, out[1], err[1]), stdout, stderr);
    } catch (IOException | RuntimeException e) {
      closeQuietly(stdout);
      closeQuietly(stderr);
      throw e;
    } finally {
      closeQuietly(out[1]); // the child has its own copies of the write ends
      if (err != null) {
        closeQuietly(err[1]);
      }
    }
  }

  /** posix_spawn(3) of {@code program} in a new session, with {@code stdout} and {@code stderr} as its 1 and 2. */
  private static int spawn(String program, List<String> argv, List<String> env, Path workDir, int stdout,
      int stderr) throws IOException {
    int[] pid = new int[1];
    int error;
    // Freed here, not left to JNA's cleaner thread.
    try (Memory attributes = new Memory(LibC.OPAQUE_SIZE);
        Memory actions = new Memory(LibC.OPAQUE_SIZE);
        Memory signals = new Memory(LibC.OPAQUE_SIZE);
        StringArray args = new StringArray(argv.toArray(String[]::new));
        StringArray environment = new StringArray(env.toArray(String[]::new))) {
      LibC.posix_spawnattr_init(attributes);
      LibC.posix_spawn_file_actions_init(actions);
      try {
        LibC.posix_spawnattr_setflags(attributes,
            (short) (LibC.POSIX_SPAWN_SETSID | LibC.POSIX_SPAWN_SETSIGMASK | LibC.POSIX_SPAWN_SETSIGDEF));
        LibC.sigemptyset(signals);
        LibC.posix_spawnattr_setsigmask(attributes, signals);
        // Every bit, not sigfillset(3): that leaves out the two signals glibc keeps for itself, which a JVM ignores
        // and an exec would pass on as ignored.
        signals.setMemory(0, LibC.OPAQUE_SIZE, (byte) 0xff);
        LibC.posix_spawnattr_setsigdefault(attributes, signals);
        LibC.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", LibC.O_RDONLY, 0);
        LibC.posix_spawn_file_actions_adddup2(actions, stdout, 1);
        LibC.posix_spawn_file_actions_adddup2(actions, stderr, 2);
        LibC.posix_spawn_file_actions_addclosefrom_np(actions, 3);
        if (workDir != null) {
          LibC.posix_spawn_file_actions_addchdir_np(actions, workDir.toString());
        }
        error = LibC.posix_spawn(pid, program, actions, attributes, args, environment);
      } finally {
        LibC.posix_spawn_file_actions_destroy(actions);
        LibC.posix_spawnattr_destroy(attributes);
      }
    }
    if (error != 0) {
      throw new IOException(program + ": " + new LastErrorException(error).getMessage().replaceFirst("^\\[\\d+\\] ",
          ""));
    }
    return pid[0];
  }

  /** A pipe whose two ends are closed on exec (the child gets its end through dup2, which clears the flag). */
  private static int[] pipe() throws IOException {
    int[] fds = new int[2];
    try {
      LibC.pipe2(fds, LibC.O_CLOEXEC);
      return fds;
    } catch (LastErrorException e) {
      throw new IOException("pipe2: " + e.getMessage());
    }
  }

  /**
   * A stream over the read end: the JDK cannot wrap a bare descriptor, but it can open the same pipe again through
   * /proc/self/fd, after which the original descriptor is closed.
   */
  private static InputStream reader(int fd) throws IOException {
    try {
      return new FileInputStream("/proc/self/fd/" + fd);
    } finally {
      closeQuietly(fd);
    }
  }

  private static void closeQuietly(InputStream in) {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // nothing to do: the descriptor is gone either way
      }
    }
  }

  private static void closeQuietly(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException e) {
      // nothing to do: the descriptor is gone either way
    }
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public OutputStream getOutputStream() {
    return OutputStream.nullOutputStream(); // stdin is /dev/null
  }

  @Override
  public InputStream getInputStream() {
    return stdout;
  }

  @Override
  public InputStream getErrorStream() {
    return stderr;
  }

  @Override
  public int waitFor() throws InterruptedException {
    synchronized (reaping) {
      if (reaped.getCount() > 0) {
        exitValue = reap();
        reaped.countDown();
      }
    }
    return exitValue;
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return reaped.await(timeout, unit);
  }

  /** waitpid(2) until the process ends: the exit status, or 128+N after signal N. */
  private int reap() {
    int[] status = new int[1];
    while (true) {
      try {
        LibC.waitpid((int) pid, status, 0);
        int s = status[0];
        int signal = s & 0x7f;
        return signal == 0 ? (s >> 8) & 0xff : 128 + signal;
      } catch (LastErrorException e) {
        if (e.getErrorCode() != LibC.EINTR) {
          throw new IllegalStateException("waitpid(" + pid + "): " + e.getMessage(), e);
        }
      }
    }
  }

  @Override
  public int exitValue() {
    if (reaped.getCount() > 0) {
      throw new IllegalThreadStateException("process " + pid + " has not been reaped");
    }
    return exitValue;
  }

  /** Alive until it ends: a zombie not yet reaped is not alive (waitid with WNOWAIT looks without reaping). */
  @Override
  public boolean isAlive() {
    if (reaped.getCount() == 0) {
      return false;
    }
    try (Memory info = new Memory(LibC.OPAQUE_SIZE)) {
      info.clear();
      LibC.waitid(LibC.P_PID, (int) pid, info, LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT);
      return info.getInt(LibC.SIGINFO_PID_OFFSET) == 0;
    } catch (LastErrorException e) {
      return e.getErrorCode() == LibC.EINTR; // ECHILD (10): reaped by waitFor meanwhile
    }
  }

  @Override
  public void destroy() {
    signal(Signal.TERM);
  }

  @Override
  public Process destroyForcibly() {
    signal(Signal.KILL);
    return this;
  }

  private void signal(Signal signal) {
    if (reaped.getCount() > 0) { // once reaped, the pid may name another process
      try {
        LibC.kill((int) pid, signal.number());
      } catch (LastErrorException e) {
        // ESRCH: already gone
      }
    }
  }

  @Override
  public String toString() {
    return "SpawnedProcess[pid=" + pid + "]";
  }
}
