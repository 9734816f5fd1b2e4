package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real subprocesses through a real runner, started both ways: {@link PosixSpawnRunnerTest} (posix_spawn in a new
 * session, what agents do on glibc 2.34+) and {@link SetsidRunnerTest} (setsid(1) in front, elsewhere).
 */
abstract class ProcessRunnerTest {

  static final Duration SOON = Duration.ofSeconds(5);
  private static final Duration NO_TIMEOUT = Duration.ZERO;

  private ProcessRunner runner;

  @BeforeEach
  void setUp() {
    runner = new ProcessRunner(Clock.systemUTC(), throughSetsid());
  }

  @AfterEach
  void tearDown() {
    runner.close();
  }

  abstract boolean throughSetsid();

  // --- running and exiting -------------------------------------------------------------------

  @Test
  void argvCommandSucceedsWithItsOutputOnStdout() {
    RecordingListener listener = new RecordingListener();
    RunningProcess process = runner.start(spec(argv("echo", "hi")), listener);

    ExecResult result = listener.await(SOON);

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, result.outcome());
    assertEquals(OptionalInt.of(0), result.exitCode());
    assertEquals(OptionalInt.empty(), result.signal());
    assertEquals("", result.error());
    assertEquals(process.pid(), listener.startedPid());
    List<RecordingListener.Chunk> chunks = listener.chunks();
    assertEquals(1, chunks.size());
    assertEquals(OutputStream.OUTPUT_STREAM_STDOUT, chunks.get(0).stream());
    assertEquals(0, chunks.get(0).offset());
    assertEquals("hi\n", new String(chunks.get(0).data(), StandardCharsets.UTF_8));
    assertEquals(3, result.outputBytes());
    assertArrayEquals("hi\n".getBytes(StandardCharsets.UTF_8), result.outputTail());
    assertFalse(result.finishTime().isBefore(result.startTime()));
    assertFalse(process.isAlive());
  }

  @Test
  void shellCommandCapturesStdoutAndStderrApartWithOneOffsetSpace() {
    RecordingListener listener = new RecordingListener();
    runner.start(spec(shell("echo out; echo err >&2")), listener);

    ExecResult result = listener.await(SOON);

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, result.outcome());
    assertEquals("out\n", listener.stdout());
    assertEquals("err\n", listener.stderr());
    assertEquals(8, result.outputBytes());
    assertContiguous(listener.chunks(), 8);
  }

  @Test
  void nonZeroExitFailsWithItsExitCode() {
    RecordingListener listener = new RecordingListener();
    runner.start(spec(shell("exit 3")), listener);

    ExecResult result = listener.await(SOON);

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_FAILED, result.outcome());
    assertEquals(OptionalInt.of(3), result.exitCode());
    assertEquals(OptionalInt.empty(), result.signal());
    assertEquals("", result.error());
  }

  @Test
  void environmentIsTheAgentsPlusTheSpecs() {
    RecordingListener listener = new RecordingListener();
    LaunchSpec spec =
        new LaunchSpec(
            "run-42", 1, shell("echo \"$BATON_RUN_ID|$PATH\""), Map.of("BATON_RUN_ID", "run-42"),
            null, NO_TIMEOUT, Duration.ofSeconds(1), 1 << 20);
    runner.start(spec, listener);

    listener.await(SOON);

    assertEquals("run-42|" + System.getenv("PATH") + "\n", listener.stdout());
  }

  @Test
  void workingDirectoryIsUsed(@TempDir Path dir) throws Exception {
    RecordingListener listener = new RecordingListener();
    LaunchSpec spec =
        new LaunchSpec(
            "r", 1, argv("pwd"), Map.of(), dir, NO_TIMEOUT, Duration.ofSeconds(1), 1 << 20);
    runner.start(spec, listener);

    listener.await(SOON);

    assertEquals(dir.toRealPath() + "\n", listener.stdout());
  }

  @Test
  void pidIsItsOwnProcessGroupAndSession() {
    // The process prints its own /proc stat line: that is the leader itself, after setsid.
    for (Command command : List.of(argv("cat", "/proc/self/stat"), shell("cat /proc/$$/stat"))) {
      RecordingListener listener = new RecordingListener();
      RunningProcess process = runner.start(spec(command), listener);

      listener.await(SOON);

      ProcFs.Stat stat = ProcFs.Stat.parse(listener.stdout().lines().findFirst().orElseThrow());
      assertEquals(process.pid(), stat.pid(), command.toString());
      assertEquals(process.pid(), stat.pgrp(), "pgid == pid for " + command);
      assertEquals(process.pid(), stat.session(), "sid == pid for " + command);
      assertEquals(ProcessHandle.current().pid(), stat.ppid(), "a child of the agent itself for " + command);
    }
  }

  @Test
  void theCommandGetsNoDescriptorOfTheAgent() {
    RecordingListener listener = new RecordingListener();
    runner.start(spec(argv("ls", "/proc/self/fd")), listener);

    listener.await(SOON);

    // 0-2 and the directory ls reads: no socket, journal or lifeline pipe of the agent.
    assertEquals("0\n1\n2\n3\n", listener.stdout());
  }

  // --- timeout, cancel, kill --------------------------------------------------------------------

  @Test
  void timeoutTerminatesTheWholeTree() {
    RecordingListener listener = new RecordingListener();
    RunningProcess process =
        runner.start(
            spec(shell("sleep 100 & sleep 100"), Duration.ofMillis(500), Duration.ofSeconds(2)),
            listener);

    ExecResult result = listener.await(Duration.ofMillis(500 + 2000 + 1000));

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT, result.outcome());
    assertEquals(OptionalInt.empty(), result.exitCode());
    assertEquals(OptionalInt.of(15), result.signal());
    assertEquals("timed out after 0.5s", result.error());
    assertTrue(
        Duration.between(result.startTime(), result.finishTime()).toMillis() >= 500,
        "not before the timeout");
    ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
  }

  @Test
  void timeoutKillsAfterTheGraceWhenSigtermIsIgnored() {
    RecordingListener listener = new RecordingListener();
    RunningProcess process =
        runner.start(
            spec(
                shell("trap '' TERM; sleep 100 & sleep 100"),
                Duration.ofMillis(300),
                Duration.ofMillis(300)),
            listener);

    ExecResult result = listener.await(Duration.ofMillis(300 + 300 + 1000));

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT, result.outcome());
    assertEquals(OptionalInt.empty(), result.exitCode());
    assertEquals(OptionalInt.of(9), result.signal());
    assertTrue(Duration.between(result.startTime(), result.finishTime()).toMillis() >= 600);
    ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
  }

  @Test
  void childThatIgnoresSigtermIsKilledOnceTheLeaderIsGone() {
    // The leader dies of SIGTERM; its background child ignores it. The result must not wait for
    // the 10 s grace, and must not leave the child behind.
    RecordingListener listener = new RecordingListener();
    RunningProcess process =
        runner.start(
            spec(
                shell("(trap '' TERM; sleep 100) & sleep 100"),
                Duration.ofMillis(300),
                Duration.ofSeconds(10)),
            listener);

    ExecResult result = listener.await(Duration.ofMillis(300 + 1500));

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT, result.outcome());
    assertEquals(OptionalInt.of(15), result.signal());
    ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
  }

  @Test
  void childThatIgnoresSigtermWithoutHoldingThePipesIsKilledToo() {
    // Here the pipes reach EOF as soon as the leader dies: the result must still wait for the
    // sweep of the group.
    RecordingListener listener = new RecordingListener();
    RunningProcess process =
        runner.start(
            spec(
                shell("(trap '' TERM; sleep 100 >/dev/null 2>&1) >/dev/null 2>&1 & sleep 100"),
                Duration.ofMillis(300),
                Duration.ofSeconds(10)),
            listener);

    ExecResult result = listener.await(Duration.ofMillis(300 + 1500));

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT, result.outcome());
    ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
  }

  @Test
  void cancelTerminatesTheWholeTreeOnce() {
    RecordingListener listener = new RecordingListener();
    RunningProcess process =
        runner.start(spec(shell("sleep 100 & echo ready; sleep 100")), listener);
    listener.awaitStdout("ready", SOON);
    assertTrue(process.isAlive());
    assertTrue(ProcFs.liveMembers(process.pid()).size() >= 2, "the shell and its background child");

    process.cancel("cancelled by alice", Duration.ofSeconds(2));
    process.cancel("again", Duration.ofSeconds(2));
    ExecResult result = listener.await(Duration.ofSeconds(3));

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, result.outcome());
    assertEquals("cancelled by alice", result.error());
    assertEquals(OptionalInt.empty(), result.exitCode());
    assertEquals(OptionalInt.of(15), result.signal());
    assertFalse(process.isAlive());
    ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
    process.cancel("after the end", Duration.ZERO); // a no-op, and no second finished()
    listener.await(SOON);
  }

  @Test
  void killIsImmediateEvenWhenSigtermIsIgnored() {
    RecordingListener listener = new RecordingListener();
    RunningProcess process =
        runner.start(spec(shell("trap '' TERM; sleep 100 & echo ready; sleep 100")), listener);
    listener.awaitStdout("ready", SOON);

    long before = System.nanoTime();
    process.kill("self-fenced");
    ExecResult result = listener.await(Duration.ofSeconds(1));

    assertTrue(Duration.ofNanos(System.nanoTime() - before).toMillis() < 1000);
    // LOST, not CANCELLED: the coordinator runs it again as a new attempt.
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, result.outcome());
    assertEquals("self-fenced", result.error());
    assertEquals(OptionalInt.empty(), result.exitCode());
    assertEquals(OptionalInt.of(9), result.signal());
    ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
  }

  @Test
  void stopRightAfterStartStillStopsIt() {
    // May land before setsid(1) has made the group: then the process alone is signalled.
    for (int i = 0; i < 3; i++) {
      RecordingListener killed = new RecordingListener();
      RunningProcess process = runner.start(spec(argv("sleep", "100")), killed);
      process.kill("at once");
      ExecResult result = killed.await(Duration.ofSeconds(2));
      assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, result.outcome());
      assertEquals(OptionalInt.of(9), result.signal());
      ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));

      RecordingListener cancelled = new RecordingListener();
      process = runner.start(spec(argv("sleep", "100")), cancelled);
      process.cancel("at once", Duration.ofSeconds(2));
      result = cancelled.await(Duration.ofSeconds(2));
      assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, result.outcome());
      assertEquals(OptionalInt.of(15), result.signal());
      ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(1));
    }
  }

  // --- commands that cannot start ---------------------------------------------------------------

  @Test
  void missingAbsoluteProgramFailsWithoutExitCode() {
    assertCannotStart(spec(argv("/nope/x")), "cannot start: /nope/x does not exist");
  }

  @Test
  void programNotOnPathFailsWithoutExitCode() {
    assertCannotStart(
        spec(argv("nope-not-on-path")),
        "cannot start: no such executable 'nope-not-on-path' on PATH");
  }

  @Test
  void missingWorkingDirectoryFailsWithoutExitCode() {
    LaunchSpec spec =
        new LaunchSpec(
            "r", 1, shell("true"), Map.of(), Path.of("/nope/dir"), NO_TIMEOUT,
            Duration.ofSeconds(1), 1024);
    assertCannotStart(spec, "cannot start: working directory /nope/dir does not exist");
  }

  @Test
  void nonExecutableFileFailsWithoutExitCode(@TempDir Path dir) throws Exception {
    Path script = Files.writeString(dir.resolve("script"), "#!/bin/sh\necho hi\n");
    assertCannotStart(
        spec(argv(script.toString())), "cannot start: " + script + " is not executable");
  }

  @Test
  void spawnErrorFailsWithoutExitCode() {
    // Passes the preflight, and ProcessBuilder.start refuses it with an IOException.
    assertCannotStart(spec(argv("echo", "a\0b")), "cannot start: invalid null character in command");
  }

  @Test
  void startAfterCloseIsAnError() {
    runner.close();
    assertThrows(
        IllegalStateException.class, () -> runner.start(spec(argv("true")), new RecordingListener()));
  }

  // --- output ---------------------------------------------------------------------------------

  @Test
  void largeOutputComesInContiguousChunksAndKeepsA64KiBTail() {
    RecordingListener listener = new RecordingListener();
    runner.start(spec(argv("head", "-c", "5000000", "/dev/zero")), listener);

    ExecResult result = listener.await(SOON);

    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, result.outcome());
    assertEquals(5_000_000, result.outputBytes());
    assertEquals(65536, result.outputTail().length);
    List<RecordingListener.Chunk> chunks = listener.chunks();
    assertContiguous(chunks, 5_000_000);
    for (RecordingListener.Chunk chunk : chunks) {
      assertTrue(chunk.data().length <= 65536, "chunk of " + chunk.data().length);
      assertEquals(OutputStream.OUTPUT_STREAM_STDOUT, chunk.stream());
    }
  }

  @Test
  void tailIsTheLastMaxOutputBytes() {
    RecordingListener listener = new RecordingListener();
    LaunchSpec spec =
        new LaunchSpec(
            "r", 1, shell("printf 0123; printf 4567; printf 89abcdef"), Map.of(), null,
            NO_TIMEOUT, Duration.ofSeconds(1), 10);
    runner.start(spec, listener);

    ExecResult result = listener.await(SOON);

    assertEquals(16, result.outputBytes());
    assertEquals("6789abcdef", new String(result.outputTail(), StandardCharsets.US_ASCII));
  }

  @Test
  void backgroundChildHoldingStdoutDoesNotHoldUpTheResult() throws Exception {
    RecordingListener listener = new RecordingListener();
    RunningProcess process = runner.start(spec(shell("sleep 30 & echo done")), listener);
    try {
      ExecResult result = listener.await(Duration.ofSeconds(2));

      assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, result.outcome());
      assertEquals("done\n", listener.stdout());
      // A natural exit leaves the leftover alone: the agent decides about it.
      assertEquals(1, ProcFs.liveMembers(process.pid()).size());
    } finally {
      ProcFs.killGroup(process.pid());
      ProcFs.awaitGroupGone(process.pid(), Duration.ofSeconds(2));
    }
  }

  // --- helpers ----------------------------------------------------------------------------------

  private void assertCannotStart(LaunchSpec spec, String error) {
    RecordingListener listener = new RecordingListener();
    long before = System.nanoTime();
    RunningProcess process = runner.start(spec, listener);

    ExecResult result = listener.await(Duration.ofSeconds(2));

    assertTrue(Duration.ofNanos(System.nanoTime() - before).toMillis() < 2000);
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_FAILED, result.outcome());
    assertEquals(OptionalInt.empty(), result.exitCode());
    assertEquals(OptionalInt.empty(), result.signal());
    assertEquals(error, result.error());
    assertEquals(0, result.outputBytes());
    assertEquals(-1, listener.startedPid(), "started() must not be called");
    assertEquals(-1, process.pid());
    assertFalse(process.isAlive());
  }

  private static void assertContiguous(List<RecordingListener.Chunk> chunks, long total) {
    long next = 0;
    for (RecordingListener.Chunk chunk : chunks) {
      assertEquals(next, chunk.offset(), "offsets must be contiguous");
      next += chunk.data().length;
    }
    assertEquals(total, next);
  }

  static Command argv(String... args) {
    return Command.newBuilder().setArgv(Argv.newBuilder().addAllArgs(List.of(args))).build();
  }

  static Command shell(String script) {
    return Command.newBuilder().setShell(script).build();
  }

  static LaunchSpec spec(Command command) {
    return spec(command, NO_TIMEOUT, Duration.ofSeconds(1));
  }

  static LaunchSpec spec(Command command, Duration timeout, Duration grace) {
    return new LaunchSpec("run-1", 1, command, Map.of(), null, timeout, grace, 1 << 20);
  }
}
