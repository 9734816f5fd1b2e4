package dev.baton.agent.exec;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts attempts as processes, each in its own process group, and owns the threads that watch
 * them: a cached pool {@code baton-output-N} that reads the pipes (two threads per running
 * attempt, reused across attempts), a cached pool {@code baton-exit-N} whose threads wait for the
 * exits (pooled rather than {@link Process#onExit()}, which costs a new thread per exit on
 * machines with fewer than 3 CPUs), and one timer thread {@code baton-exec-timer} for timeouts,
 * grace periods, output drains and signals.
 *
 * <p>Every command starts in a new session, so its pid is its process group and session id and
 * timeout, cancel and kill reach every process it started: with posix_spawn and {@code
 * POSIX_SPAWN_SETSID} ({@link SpawnedProcess}: one exec, the command itself) where the C library
 * has it, else as {@code /usr/bin/setsid -- argv...}. Its environment is the agent's plus {@link
 * LaunchSpec#env()}, its stdin is {@code /dev/null}, stdout and stderr are pipes read by the runner.
 *
 * <p>When the group leader exits on its own, processes it left in its group are NOT killed (the
 * command may have meant to leave them; the agent decides); the result comes once both pipes are
 * at EOF or {@link #OUTPUT_DRAIN} after the exit, whichever is first, since a leftover child may
 * hold the pipes open indefinitely. When the runner stopped the attempt (timeout, cancel, kill),
 * the group gets SIGKILL once more as soon as the leader has exited, and the result comes after
 * that.
 *
 * <p>Limits: a descendant that leaves the group (setsid, setpgid) escapes all of this. A process
 * that outlives the agent loses the reader of its pipes and gets SIGPIPE on its next write.
 */
public final class ProcessRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ProcessRunner.class);

  /** Largest output chunk handed to {@link ProcessListener#output}, and largest output tail. */
  public static final int MAX_CHUNK = 64 * 1024;

  /** How long output is still read after the leader exited while a pipe stays open. */
  public static final Duration OUTPUT_DRAIN = Duration.ofMillis(200);

  /** util-linux's setpriv(1), which runs a command as another user. */
  static final String SETPRIV = "/usr/bin/setpriv";
  private static final Redirect NO_INPUT = Redirect.from(new File("/dev/null"));

  private final Clock clock;
  /** setsid(1), in front of every command where posix_spawn cannot make sessions; null where it can. */
  private final String setsid;
  private final Map<String, String> agentEnv = System.getenv();
  private final Path agentWorkDir;
  private final String agentPath;
  private final ProcessGroups groups = new ProcessGroups();
  private final ExecutorService readers;
  private final ExecutorService exits;
  private final ScheduledThreadPoolExecutor timer;
  private final ThreadLocal<byte[]> buffers = ThreadLocal.withInitial(() -> new byte[MAX_CHUNK]);
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile java.util.function.LongConsumer spawnTimes = nanos -> {};

  /**
   * @param clock stamps start and finish times; timeouts run on real time
   * @throws IllegalStateException if posix_spawn cannot make sessions here and setsid(1) is not installed
   */
  public ProcessRunner(Clock clock) {
    this(clock, !SpawnedProcess.available());
  }

  /** @param throughSetsid start commands through setsid(1) even where posix_spawn could (for tests of both ways) */
  ProcessRunner(Clock clock, boolean throughSetsid) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.setsid = throughSetsid ? ProcessGroups.setsid() : null;
    if (throughSetsid && !SpawnedProcess.available()) {
      log.info("starting commands through setsid(1): posix_spawn with POSIX_SPAWN_SETSID is not available ({})",
          LibC.UNAVAILABLE_BECAUSE);
    }
    this.agentWorkDir = Path.of("").toAbsolutePath();
    this.agentPath = System.getenv("PATH");
    this.readers = Executors.newCachedThreadPool(named("baton-output-", true));
    this.exits = Executors.newCachedThreadPool(named("baton-exit-", true));
    this.timer = new ScheduledThreadPoolExecutor(1, named("baton-exec-timer", false));
    this.timer.setRemoveOnCancelPolicy(true);
  }

  /** Whether commands start by posix_spawn in a new session (one exec), not through setsid(1). */
  private boolean posixSpawn() {
    return setsid == null;
  }

  /** How commands start, for the agent's start line. */
  public String launchMethod() {
    return posixSpawn() ? "by posix_spawn in a new session (one exec per run)"
        : "through setsid(1) (two execs per run: posix_spawn with POSIX_SPAWN_SETSID is not available here)";
  }

  /** Hears how long each spawn took, in nanoseconds (for the agent's metrics). */
  public void onSpawn(java.util.function.LongConsumer listener) {
    this.spawnTimes = listener;
  }

  /**
   * Starts an attempt. {@link ProcessListener#started} is called on this thread before this
   * returns, ahead of any other callback.
   *
   * <p>Never throws for a bad command: a command that cannot start (missing or non-executable
   * program, missing working directory, a spawn error) gets {@link ProcessListener#finished} with
   * FAILED, no exit code and the reason in {@code error}, on this thread, before this returns; the
   * handle returned then has pid -1 and is not alive.
   *
   * @throws IllegalStateException if the runner is closed
   */
  public RunningProcess start(LaunchSpec spec, ProcessListener listener) {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(listener, "listener");
    if (closed.get()) {
      throw new IllegalStateException("process runner is closed");
    }
    List<String> argv = Preflight.argv(spec.command());
    Path workDir =
        spec.workingDir() == null ? agentWorkDir : agentWorkDir.resolve(spec.workingDir());
    String path = spec.env().containsKey("PATH") ? spec.env().get("PATH") : agentPath;
    Preflight.Program program = Preflight.locate(argv, workDir, path);
    if (program.problem().isPresent()) {
      return notStarted(spec, listener, program.problem().get());
    }

    UserAccount user = spec.runAs();
    List<String> command = new ArrayList<>(argv.size() + 8);
    if (!posixSpawn()) {
      command.add(setsid);
      command.add("--"); // so that a program named "-x" is not taken for a setsid option
    }
    if (user != null) {
      // setpriv switches to the user (its groups too) in the session the spawn made, then execs the command: the
      // process group, its records and the tree kill are the same as for the agent's own user.
      command.addAll(List.of(SETPRIV, "--reuid=" + user.uid(), "--regid=" + user.gid(), "--init-groups", "--"));
    }
    command.addAll(argv);
    Map<String, String> extraEnv = spec.env();
    if (user != null) {
      extraEnv = new HashMap<>(extraEnv);
      extraEnv.putAll(Map.of("HOME", user.home(), "USER", user.name(), "LOGNAME", user.name()));
    }
    Process process;
    try {
      long spawning = System.nanoTime();
      Path childDir = spec.workingDir() != null ? workDir : null; // null: the agent's own
      // Another user's command starts through setpriv, which finds the program itself.
      String file = user != null ? SETPRIV : program.file().toString();
      process = posixSpawn() ? spawn(file, command, extraEnv, childDir)
          : startThroughSetsid(command, extraEnv, childDir);
      spawnTimes.accept(System.nanoTime() - spawning);
    } catch (IOException | IllegalArgumentException e) {
      // IllegalArgumentException: an environment name with '=' or a NUL byte.
      return notStarted(spec, listener, "cannot start: " + e.getMessage());
    }
    Attempt attempt =
        new Attempt(spec, listener, process, clock.instant(), clock, timer, groups, OUTPUT_DRAIN);
    attempt.begin(readers, exits, buffers);
    return attempt;
  }

  /** One exec: {@code file}, the command itself, in its own session (or setpriv in front of it, for another user). */
  private Process spawn(String file, List<String> command, Map<String, String> extraEnv, Path workDir)
      throws IOException {
    for (String arg : command) {
      if (arg.indexOf('\0') >= 0) { // a C string would end there: refuse, as ProcessBuilder does
        throw new IOException("invalid null character in command");
      }
    }
    List<String> env = new ArrayList<>(agentEnv.size() + extraEnv.size());
    for (Map.Entry<String, String> e : agentEnv.entrySet()) {
      if (!extraEnv.containsKey(e.getKey())) {
        env.add(e.getKey() + "=" + e.getValue());
      }
    }
    for (Map.Entry<String, String> e : extraEnv.entrySet()) {
      if (e.getKey().isEmpty() || e.getKey().indexOf('=') >= 0 || e.getKey().indexOf('\0') >= 0
          || e.getValue().indexOf('\0') >= 0) {
        throw new IllegalArgumentException("invalid environment variable " + e.getKey());
      }
      env.add(e.getKey() + "=" + e.getValue());
    }
    return SpawnedProcess.start(file, command, env, workDir);
  }

  /** Where posix_spawn with POSIX_SPAWN_SETSID is missing: {@code setsid -- command}, two execs. */
  private static Process startThroughSetsid(List<String> command, Map<String, String> extraEnv, Path workDir)
      throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectInput(NO_INPUT);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    if (!extraEnv.isEmpty()) {
      // Only then: an untouched environment is passed on without copying it.
      builder.environment().putAll(extraEnv);
    }
    return builder.start();
  }

  private RunningProcess notStarted(LaunchSpec spec, ProcessListener listener, String error) {
    log.info("{}/{}: {}", spec.runId(), spec.attempt(), error);
    try {
      listener.finished(ExecResult.notStarted(error, clock.instant()));
    } catch (RuntimeException e) {
      log.warn("{}/{}: listener.finished threw", spec.runId(), spec.attempt(), e);
    }
    return NotStarted.INSTANCE;
  }

  /**
   * Stops the runner's threads. Does NOT kill running processes: the agent decides that. After
   * this, attempts still running are no longer timed out, and their results are delivered only if
   * their pipes reach EOF. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    timer.shutdownNow();
    readers.shutdown();
    exits.shutdown();
    try {
      if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("exec timer did not stop within 5 s");
      }
      // Readers and exit watchers of processes that still run stay blocked until those processes
      // close their output and exit; they are daemon threads and end by themselves then.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      boolean readersDone = readers.awaitTermination(1, TimeUnit.SECONDS);
      boolean exitsDone =
          exits.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (!readersDone || !exitsDone) {
        log.info("threads of still running processes left to end on their own");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static ThreadFactory named(String prefix, boolean numbered) {
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, numbered ? prefix + count.incrementAndGet() : prefix);
      thread.setDaemon(true);
      return thread;
    };
  }

  /** The handle of a command that never started. */
  private enum NotStarted implements RunningProcess {
    INSTANCE;

    @Override
    public long pid() {
      return -1;
    }

    @Override
    public void cancel(String reason, Duration grace) {}

    @Override
    public void kill(String reason) {}

    @Override
    public boolean isAlive() {
      return false;
    }
  }
}
