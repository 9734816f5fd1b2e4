package dev.baton.cli;

import static dev.baton.cli.JobCommandsTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.OutputStream;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.StreamOutputRequest;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code run logs}, {@code run cancel}, and what {@code run get} shows of attempts and cancels. */
class RunCommandsTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  static OutputChunk chunk(int attempt, OutputStream stream, long offset, byte[] data) {
    return OutputChunk.newBuilder().setRunId("r-7").setAttempt(attempt).setStream(stream).setOffset(offset)
        .setData(ByteString.copyFrom(data)).build();
  }

  static OutputChunk chunk(int attempt, OutputStream stream, long offset, String data) {
    return chunk(attempt, stream, offset, data.getBytes(StandardCharsets.UTF_8));
  }

  /** Waits up to 5 s for a condition; false if it never held. */
  static boolean eventually(BooleanSupplier condition) {
    long end = System.nanoTime() + 5_000_000_000L;
    while (System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        return true;
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return condition.getAsBoolean();
  }

  @Test
  void listWatchPrintsEachChangeAsARowUnderTheTable() {
    Run queued = Run.newBuilder().setId("41").setJob("backup").setState(RunState.RUN_STATE_QUEUED).build();
    cli.fake.answer("ListRuns", dev.baton.proto.v1.ListRunsResponse.newBuilder().addRuns(queued).build());
    cli.fake.answerStream("WatchRunEvents",
        dev.baton.proto.v1.RunEvent.newBuilder().setRun(queued.toBuilder().setState(RunState.RUN_STATE_RUNNING))
            .build(),
        dev.baton.proto.v1.RunEvent.newBuilder().setRun(Run.newBuilder().setId("42").setJob("other")
            .setState(RunState.RUN_STATE_QUEUED)).build(),
        dev.baton.proto.v1.RunEvent.newBuilder().setRun(queued.toBuilder().setState(RunState.RUN_STATE_SUCCEEDED))
            .build());
    Result r = cli.run("run", "list", "--job", "backup", "--state", "running,succeeded", "-w");
    assertEquals(0, r.exitCode(), r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(4, lines.size(), r.out());
    assertTrue(lines.get(0).startsWith("ID  JOB     STATE"), lines.get(0));
    assertTrue(lines.get(2).startsWith("41  backup  running"), lines.get(2));
    assertTrue(lines.get(3).startsWith("41  backup  succeeded"), lines.get(3));
    assertEquals("backup", ((dev.baton.proto.v1.WatchRunEventsRequest) cli.fake.requests("WatchRunEvents").get(0))
        .getJob());
  }

  @Test
  void logsWritesStdoutAndStderrBytesExactlyAsProducedInOffsetOrder() {
    byte[] binary = {0, (byte) 0xff, (byte) 0xc3, 'x', '\r', '\n'};
    cli.fake.answerStream("StreamOutput",
        chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 0, "starting\n"),
        chunk(1, OutputStream.OUTPUT_STREAM_STDERR, 9, "warning: disk 91% full\n"),
        chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 32, binary));

    Result r = cli.run("run", "logs", "r-7");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("", r.err());
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes("starting\nwarning: disk 91% full\n".getBytes(StandardCharsets.UTF_8));
    expected.writeBytes(binary);
    assertArrayEquals(expected.toByteArray(), r.outBytes());
    assertEquals(List.of(StreamOutputRequest.newBuilder().setRunId("r-7").build()),
        cli.fake.requests("StreamOutput"));
  }

  /** CliFixture.NOW (09:00:00 UTC) minus {@code secondsAgo}, as an agent stamps a chunk. */
  private static OutputChunk at(OutputChunk chunk, int secondsAgo) {
    return chunk.toBuilder().setTime(Timestamp.newBuilder()
        .setSeconds(CliFixture.NOW.getEpochSecond() - secondsAgo).setNanos(250_000_000)).build();
  }

  private static Object[] threeStampedChunks() {
    return new Object[] {
        at(chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 0, "one\ntw"), 1200),
        at(chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 7, "o\n"), 300),
        at(chunk(1, OutputStream.OUTPUT_STREAM_STDERR, 9, "three\nfour\n"), 60)};
  }

  @Test
  void logsTimestampsBeginEachLineWithItsTimeAndStream() {
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    Result r = cli.run("run", "logs", "r-7", "--timestamps");
    assertEquals(0, r.exitCode(), r.err());
    // A line split across chunks has the time of the chunk it began in.
    assertEquals("""
        2026-11-23T08:40:00.250Z out one
        2026-11-23T08:40:00.250Z out two
        2026-11-23T08:59:00.250Z err three
        2026-11-23T08:59:00.250Z err four
        """, r.out());
  }

  @Test
  void logsStreamSinceAndTailSelectWhatIsShown() {
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    assertEquals("three\nfour\n", cli.run("run", "logs", "r-7", "--stream", "stderr").out());
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    assertEquals("one\ntwo\n", cli.run("run", "logs", "r-7", "--stream", "stdout").out());
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    assertEquals("o\nthree\nfour\n", cli.run("run", "logs", "r-7", "--since", "10m").out(),
        "chunks read in the last 10 minutes");
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    assertEquals("three\nfour\n", cli.run("run", "logs", "r-7", "--since", "2026-11-23T08:58:00Z").out());
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    assertEquals("two\nthree\nfour\n", cli.run("run", "logs", "r-7", "--tail", "3").out());
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    assertEquals("", cli.run("run", "logs", "r-7", "--tail", "0").out());
    cli.fake.answerStream("StreamOutput", chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 0, "a\nb\nunfinished"));
    assertEquals("b\nunfinished", cli.run("run", "logs", "r-7", "--tail", "2").out(),
        "a last line without its newline counts");
    Result bad = cli.run("run", "logs", "r-7", "--stream", "both");
    assertEquals(2, bad.exitCode());
  }

  @Test
  void logsTailWithFollowShowsTheLastLinesThenWhatComes() {
    cli.fake.answerStream("StreamOutput", threeStampedChunks());
    cli.fake.answerStream("StreamOutput", chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 20, "five\n"));
    Result r = cli.run("run", "logs", "r-7", "--tail", "1", "-f");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("four\nfive\n", r.out());
    List<StreamOutputRequest> asked = cli.fake.requests("StreamOutput");
    assertEquals(StreamOutputRequest.newBuilder().setRunId("r-7").build(), asked.get(0));
    assertEquals(StreamOutputRequest.newBuilder().setRunId("r-7").setAttempt(1).setFollow(true).setOffset(20).build(),
        asked.get(1), "follows the same attempt from where the first read ended");
  }

  @Test
  void logsFollowWritesEachChunkAsItArrivesUntilTheStreamEnds() {
    AtomicBoolean firstShownBeforeTheRest = new AtomicBoolean();
    cli.fake.answerStream("StreamOutput",
        chunk(2, OutputStream.OUTPUT_STREAM_STDOUT, 0, "step 1\n"),
        (Runnable) () -> firstShownBeforeTheRest.set(eventually(() -> cli.outSoFar().equals("step 1\n"))),
        chunk(2, OutputStream.OUTPUT_STREAM_STDERR, 7, "step 2 failed, retrying\n"),
        chunk(2, OutputStream.OUTPUT_STREAM_STDOUT, 31, "step 2\n"),
        chunk(2, OutputStream.OUTPUT_STREAM_STDOUT, 38, "done\n"));

    Result r = cli.run("run", "logs", "r-7", "--attempt", "2", "-f");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("step 1\nstep 2 failed, retrying\nstep 2\ndone\n", r.out());
    assertTrue(firstShownBeforeTheRest.get(), "the first chunk is written before the next one arrives");
    assertEquals(List.of(StreamOutputRequest.newBuilder().setRunId("r-7").setAttempt(2).setFollow(true).build()),
        cli.fake.requests("StreamOutput"));
    assertEquals(0, cli.run("run", "logs", "r-7", "--follow").exitCode());
    assertTrue(cli.fake.<StreamOutputRequest>requests("StreamOutput").get(1).getFollow());
  }

  @Test
  void logsFollowTakesUpABrokenStreamWhereItStoppedOnTheSameAttempt() {
    cli.fake.answerStream("StreamOutput",
        chunk(3, OutputStream.OUTPUT_STREAM_STDOUT, 0, "abc"),
        Status.UNAVAILABLE.withDescription("coordinator shutting down"));
    // The new stream repeats a byte already written: it is written once.
    cli.fake.answerStream("StreamOutput",
        chunk(3, OutputStream.OUTPUT_STREAM_STDOUT, 2, "cdef\n"));

    Result r = cli.run("run", "logs", "r-7", "-f");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("abcdef\n", r.out());
    assertEquals(List.of(StreamOutputRequest.newBuilder().setRunId("r-7").setFollow(true).build(),
            StreamOutputRequest.newBuilder().setRunId("r-7").setAttempt(3).setFollow(true).setOffset(3).build()),
        cli.fake.requests("StreamOutput"));
  }

  @Test
  void logsFollowStopsWhenStandardOutputIsGone() {
    cli.fake.answerStream("StreamOutput", chunk(1, OutputStream.OUTPUT_STREAM_STDOUT, 0, "line\n"), FakeBaton.HOLD);
    // A pipe whose reader quit: System.out is a PrintStream, which keeps the error to itself.
    PrintStream closedPipe = new PrintStream(new java.io.OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("Broken pipe");
      }
    });

    int code = cli.runWithOut(closedPipe, "run", "logs", "r-7", "-f");

    assertEquals(0, code);
    assertTrue(eventually(() -> cli.fake.cancels("StreamOutput") == 1), "the stream is cancelled, not left open");
  }

  @Test
  void logsOfAnUnknownRunIsOneLineAndExitOne() {
    cli.fake.answerStream("StreamOutput", Status.NOT_FOUND.withDescription("no run r-404"));

    Result r = cli.run("run", "logs", "r-404");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: NOT_FOUND: no run r-404\n", r.err());
  }

  @Test
  void logsOfAStreamThatBreaksBeforeAnyOutputIsReportedAtOnce() {
    cli.fake.answerStream("StreamOutput", Status.UNAVAILABLE.withDescription("no leader elected"));

    Result r = cli.run("run", "logs", "r-7", "-f");

    assertEquals(1, r.exitCode());
    assertEquals("baton: UNAVAILABLE: no leader elected\n", r.err());
    assertEquals(1, cli.fake.requests("StreamOutput").size());
  }

  @Test
  void logsRefusesABadAttemptAsAUsageError() {
    Result r = cli.run("run", "logs", "r-7", "--attempt", "-1");

    assertEquals(2, r.exitCode());
    assertOneLine(r.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void cancelOfAWaitingRunSaysItIsCancelled() {
    cli.fake.answer("CancelRun", Run.newBuilder().setId("r-7").setState(RunState.RUN_STATE_CANCELLED).build());

    Result r = cli.run("run", "cancel", "r-7", "--reason", "wrong input file");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("cancelled run r-7\n", r.out());
    assertEquals(List.of(CancelRunRequest.newBuilder().setId("r-7").setReason("wrong input file").build()),
        cli.fake.requests("CancelRun"));
  }

  @Test
  void cancelOfARunningRunSaysItsAgentIsStoppingIt() {
    cli.fake.answer("CancelRun", Run.newBuilder().setId("r-7").setState(RunState.RUN_STATE_RUNNING)
        .setCancelRequested(true).build());

    Result r = cli.run("run", "cancel", "r-7");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("cancelling run r-7: its agent is stopping it\n", r.out());
    assertEquals(List.of(CancelRunRequest.newBuilder().setId("r-7").build()), cli.fake.requests("CancelRun"));
  }

  @Test
  void cancelOfAFinalRunIsOneLineAndExitOne() {
    cli.fake.answer("CancelRun", Status.FAILED_PRECONDITION.withDescription("run r-7 is already succeeded"));

    Result r = cli.run("run", "cancel", "r-7");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: FAILED_PRECONDITION: run r-7 is already succeeded\n", r.err());
  }

  @Test
  void cancelPrintsTheRunForScripts() throws Exception {
    Run cancelling = Run.newBuilder().setId("r-7").setState(RunState.RUN_STATE_ASSIGNED).setCancelRequested(true)
        .setCancelReason("alice: wrong input").build();
    cli.fake.answer("CancelRun", cancelling);

    Result r = cli.run("run", "cancel", "r-7", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    Run.Builder parsed = Run.newBuilder();
    JsonFormat.parser().merge(r.out(), parsed);
    assertEquals(cancelling, parsed.build());
  }

  @Test
  void runGetShowsPidsOutputSignalsErrorsAndARequestedCancel() {
    Timestamp t = Timestamp.newBuilder().setSeconds(1795424400L).build();
    cli.fake.answer("GetRun", Run.newBuilder().setId("r-7").setJob("etl").setState(RunState.RUN_STATE_RUNNING)
        .setCancelRequested(true).setCancelReason("alice: wrong input")
        .addAttempts(Attempt.newBuilder().setNumber(1).setWorkerName("worker-a").setEpoch(3).setPid(4242)
            .setQueueTime(t).setStartTime(t).setFinishTime(t).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
            .setSignal(9).setError("killed by signal 9").setOutputBytes(1536))
        .addAttempts(Attempt.newBuilder().setNumber(2).setWorkerName("worker-b").setEpoch(3).setPid(4300)
            .setQueueTime(t).setStartTime(t).setOutputBytes(2L << 20).setOutputTruncated(true)
            .setOutputKeptFrom(1L << 20))
        .build());

    Result r = cli.run("run", "get", "r-7");

    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("Cancel requested:  yes\nCancel reason:     alice: wrong input\n"), r.out());
    assertTrue(r.out().endsWith("""
        #  WORKER    EPOCH  PID   OUTCOME  EXIT      QUEUED                   STARTED                  \
        FINISHED                 OUTPUT                       ERROR
        1  worker-a  3      4242  failed   signal 9  2026-11-23 09:00:00 UTC  2026-11-23 09:00:00 UTC  \
        2026-11-23 09:00:00 UTC  1.5 KiB                      killed by signal 9
        2  worker-b  3      4300  running  -         2026-11-23 09:00:00 UTC  2026-11-23 09:00:00 UTC  \
        -                        2.0 MiB (last 1.0 MiB kept)  -
        """), r.out());
  }
}
