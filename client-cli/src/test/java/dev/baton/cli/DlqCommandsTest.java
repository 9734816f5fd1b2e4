package dev.baton.cli;

import static dev.baton.cli.JobCommandsTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListDeadLettersResponse;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code dlq list|show|redrive|purge}, and the help of every command added with them. */
class DlqCommandsTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static Timestamp hoursAgo(long hours) {
    return Timestamp.newBuilder().setSeconds(CliFixture.NOW.getEpochSecond() - hours * 3600).build();
  }

  /** r-7 of backup, exit 2; r-5 of report, killed by a signal (no exit code), its reason only on the run. */
  private static List<DeadLetter> entries() {
    return List.of(
        DeadLetter.newBuilder()
            .setRun(Run.newBuilder().setId("r-7").setJob("backup").setState(RunState.RUN_STATE_DEAD_LETTERED)
                .setWaveId("r-7")
                .addAttempts(Attempt.newBuilder().setNumber(1).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                    .setExitCode(2))
                .addAttempts(Attempt.newBuilder().setNumber(2).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                    .setExitCode(2)))
            .setReason("exit code 2 after 1 retry").setLastExitCode(2)
            .setOutputTail(ByteString.copyFromUtf8("pg_dump: connection refused\n"))
            .setDeadLetterTime(hoursAgo(0))
            .build(),
        DeadLetter.newBuilder()
            .setRun(Run.newBuilder().setId("r-5").setJob("report").setState(RunState.RUN_STATE_DEAD_LETTERED)
                .setStateReason("killed by signal 9")
                .addAttempts(Attempt.newBuilder().setNumber(1).setOutcome(AttemptOutcome.ATTEMPT_OUTCOME_FAILED)
                    .setSignal(9)))
            .setDeadLetterTime(hoursAgo(1))
            .build());
  }

  @Test
  void listShowsATable() {
    cli.fake.answer("ListDeadLetters", ListDeadLettersResponse.newBuilder().addAllDeadLetters(entries()).build());

    Result r = cli.run("dlq", "list");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        RUN  JOB     DEAD-LETTERED            EXIT      REASON
        r-7  backup  2026-11-23 09:00:00 UTC  2         exit code 2 after 1 retry
        r-5  report  2026-11-23 08:00:00 UTC  signal 9  killed by signal 9
        """, r.out());
    assertEquals(List.of(ListDeadLettersRequest.newBuilder().setPageSize(50).build()),
        cli.fake.requests("ListDeadLetters"));
  }

  @Test
  void listFiltersByJobAndFollowsPagesUpToTheLimit() {
    cli.fake.answer("ListDeadLetters",
        ListDeadLettersResponse.newBuilder().addDeadLetters(entries().get(0)).setNextPageToken("p2").build(),
        ListDeadLettersResponse.newBuilder().addDeadLetters(entries().get(1)).setNextPageToken("p3").build());

    Result r = cli.run("dlq", "list", "--job", "backup", "--limit", "2");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals(3, r.out().lines().count(), r.out());
    assertEquals(List.of(
            ListDeadLettersRequest.newBuilder().setJob("backup").setPageSize(2).build(),
            ListDeadLettersRequest.newBuilder().setJob("backup").setPageSize(1).setPageToken("p2").build()),
        cli.fake.requests("ListDeadLetters"));
  }

  @Test
  void listPrintsJsonAndYamlForScripts() throws Exception {
    ListDeadLettersResponse page = ListDeadLettersResponse.newBuilder().addAllDeadLetters(entries()).build();
    cli.fake.answer("ListDeadLetters", page, page);

    Result json = cli.run("dlq", "list", "-o", "json");
    assertEquals(0, json.exitCode(), json.err());
    ListDeadLettersResponse.Builder parsed = ListDeadLettersResponse.newBuilder();
    JsonFormat.parser().merge("{\"deadLetters\": " + json.out() + "}", parsed);
    assertEquals(entries(), parsed.getDeadLettersList());

    Result yaml = cli.run("dlq", "list", "-o", "yaml");
    assertEquals(0, yaml.exitCode(), yaml.err());
    List<Map<String, Object>> loaded = new Yaml().load(yaml.out());
    assertEquals("pg_dump: connection refused\n", loaded.get(0).get("outputTail"));
    assertEquals("2026-11-23T09:00:00Z", loaded.get(0).get("deadLetterTime"));
    @SuppressWarnings("unchecked")
    Map<String, Object> run = (Map<String, Object>) loaded.get(1).get("run");
    assertEquals("dead-lettered", run.get("state"));

    assertEquals("[]\n", cli.run("dlq", "list", "-o", "json").out());
  }

  @Test
  void listFailureIsOneLineAndExitOne() {
    cli.fake.answer("ListDeadLetters", Status.PERMISSION_DENIED.withDescription("token 'ci' may not read runs"));

    Result r = cli.run("dlq", "list");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: PERMISSION_DENIED: token 'ci' may not read runs\n", r.err());
  }

  @Test
  void redriveRecordsWhoAskedAndSaysWhichAttemptIsQueued() throws Exception {
    cli.fake.answer("RedriveDeadLetter", Run.newBuilder().setId("r-7").setState(RunState.RUN_STATE_QUEUED)
        .setSeriesStartAttempt(3).build());

    Result r = cli.run("dlq", "redrive", "r-7", "--by", "alice");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("redriven run r-7: queued as attempt 3\n", r.out());
    assertEquals(List.of(RedriveDeadLetterRequest.newBuilder().setRunId("r-7").setRequestedBy("alice").build()),
        cli.fake.requests("RedriveDeadLetter"));

    Result json = cli.run("dlq", "redrive", "r-7", "-o", "json");
    Run.Builder parsed = Run.newBuilder();
    JsonFormat.parser().merge(json.out(), parsed);
    assertEquals(RunState.RUN_STATE_QUEUED, parsed.getState());
  }

  @Test
  void redriveWithoutByNamesTheUserOrTheCli() {
    cli.fake.answer("RedriveDeadLetter", Run.newBuilder().setId("r-7").setState(RunState.RUN_STATE_QUEUED)
        .addAttempts(Attempt.newBuilder().setNumber(1)).addAttempts(Attempt.newBuilder().setNumber(2)).build());

    Result r = cli.run("dlq", "redrive", "r-7");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("redriven run r-7: queued as attempt 2\n", r.out());
    String user = System.getenv("USER");
    String expected = user == null || user.isBlank() ? "cli" : user.trim();
    assertEquals(expected, cli.fake.<RedriveDeadLetterRequest>requests("RedriveDeadLetter").get(0).getRequestedBy());
  }

  @Test
  void redriveOfARunNotInTheQueueIsOneLineAndExitOne() {
    cli.fake.answer("RedriveDeadLetter", Status.FAILED_PRECONDITION.withDescription(
        "run r-8 is succeeded, not dead-lettered"));

    Result r = cli.run("dlq", "redrive", "r-8", "--by", "alice");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: FAILED_PRECONDITION: run r-8 is succeeded, not dead-lettered\n", r.err());
  }

  @Test
  void purgeSaysWhatItDid() {
    Result r = cli.run("dlq", "purge", "r-7");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("purged run r-7 from the dead-letter queue\n", r.out());
    assertEquals(List.of(PurgeDeadLetterRequest.newBuilder().setRunId("r-7").build()),
        cli.fake.requests("PurgeDeadLetter"));
  }

  @Test
  void purgeOfARunNotInTheQueueIsOneLineAndExitOne() {
    cli.fake.answer("PurgeDeadLetter", Status.NOT_FOUND.withDescription("run 'r-9' is not in the dead-letter queue"));

    Result r = cli.run("dlq", "purge", "r-9");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: NOT_FOUND: run 'r-9' is not in the dead-letter queue\n", r.err());
  }

  @Test
  void showReadsTheEntryAndWritesTheTailAsRawBytes() {
    byte[] tail = {'s', 't', 'e', 'p', ' ', '3', '\n', 0, (byte) 0xff, (byte) 0xc3, 'x'};
    DeadLetter wanted = entries().get(0).toBuilder().setOutputTail(ByteString.copyFrom(tail)).build();
    cli.fake.answer("GetDeadLetter", wanted);

    Result r = cli.run("dlq", "show", "r-7");

    assertEquals(0, r.exitCode(), r.err());
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.writeBytes("""
        Run:            r-7
        Job:            backup
        Dead-lettered:  2026-11-23 09:00:00 UTC
        Reason:         exit code 2 after 1 retry
        Last exit:      2
        Attempts:       2
        Wave:           r-7
        Output tail:    11 B, below

        """.getBytes(StandardCharsets.UTF_8));
    expected.writeBytes(tail);
    expected.write('\n');
    assertArrayEquals(expected.toByteArray(), r.outBytes(), r.out());
    assertEquals(List.of(dev.baton.proto.v1.GetDeadLetterRequest.newBuilder().setRunId("r-7").build()),
        cli.fake.requests("GetDeadLetter"));
    assertTrue(cli.fake.requests("GetRun").isEmpty());
  }

  @Test
  void showPrintsTheEntryForScripts() throws Exception {
    cli.fake.answer("GetDeadLetter", entries().get(1));

    Result r = cli.run("dlq", "show", "r-5", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    DeadLetter.Builder parsed = DeadLetter.newBuilder();
    JsonFormat.parser().merge(r.out(), parsed);
    assertEquals(entries().get(1), parsed.build());
  }

  @Test
  void showOfARunNotInTheQueueIsOneLineAndExitOne() {
    Status notInQueue = Status.NOT_FOUND.withDescription("run 'r-8' is not in the dead-letter queue");
    cli.fake.answer("GetDeadLetter", notInQueue, notInQueue, notInQueue);
    cli.fake.answer("GetRun", Run.newBuilder().setId("r-8").setJob("backup").setState(RunState.RUN_STATE_FAILED)
        .build());

    Result failed = cli.run("dlq", "show", "r-8");

    assertEquals(1, failed.exitCode());
    assertEquals("", failed.out());
    assertEquals("baton: run r-8 is not in the dead-letter queue (it is failed)\n", failed.err());

    cli.fake.answer("GetRun", entries().get(0).getRun());
    Result purged = cli.run("dlq", "show", "r-7");
    assertEquals(1, purged.exitCode());
    assertEquals("baton: run r-7 is not in the dead-letter queue (it was purged)\n", purged.err());

    cli.fake.answer("GetRun", Status.NOT_FOUND.withDescription("no run r-404"));
    Result unknown = cli.run("dlq", "show", "r-404");
    assertEquals(1, unknown.exitCode());
    assertEquals("baton: NOT_FOUND: no run r-404\n", unknown.err());
  }

  @Test
  void rerunQueuesAFailedRunAgainRecordingWhoAsked() {
    cli.fake.answer("RerunRun", Run.newBuilder().setId("r-8").setState(RunState.RUN_STATE_QUEUED)
        .addAttempts(dev.baton.proto.v1.Attempt.newBuilder().setNumber(1))
        .addAttempts(dev.baton.proto.v1.Attempt.newBuilder().setNumber(2)).build());

    Result r = cli.run("run", "rerun", "r-8", "--by", "alice");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("queued run r-8 again (attempt 2)\n", r.out());
    assertEquals(List.of(dev.baton.proto.v1.RerunRunRequest.newBuilder().setId("r-8").setRequestedBy("alice")
        .build()), cli.fake.requests("RerunRun"));
  }

  @Test
  void theNewCommandsHaveHelpAndUsageErrors() {
    for (List<String> command : List.of(List.of("dlq"), List.of("dlq", "list"), List.of("dlq", "show"),
        List.of("dlq", "redrive"), List.of("dlq", "purge"), List.of("wave"), List.of("wave", "get"),
        List.of("cluster", "policy"), List.of("cluster", "policy", "get"), List.of("cluster", "policy", "set"),
        List.of("job", "backfill"), List.of("run", "rerun"))) {
      List<String> args = new ArrayList<>(command);
      args.add("--help");
      Result r = cli.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), command.toString());
      String description = r.out().lines().dropWhile(l -> l.startsWith("Usage:") || l.startsWith(" "))
          .findFirst().orElse("");
      assertFalse(description.isBlank() || description.startsWith("  "), command + " has a description");
    }
    String root = cli.run("--help").out();
    assertTrue(root.contains("\n  wave ") && root.contains("\n  dlq "), root);
    assertTrue(cli.run("job", "--help").out().contains("\n  backfill "));
    assertTrue(cli.run("cluster", "--help").out().contains("\n  policy "));
    assertTrue(cli.run("dlq", "redrive", "--help").out().contains("--by=NAME"));
    assertTrue(cli.run("cluster", "policy", "set", "--help").out().contains("priority, fcfs, sjf, round-robin"));
    assertTrue(cli.run("wave", "get", "--help").out().contains("appears once"));

    Result group = cli.run("dlq");
    assertEquals(2, group.exitCode());
    assertEquals("baton: missing command: choose one of list, show, redrive, purge; see 'baton dlq --help'\n",
        group.err());
    Result policy = cli.run("cluster", "policy");
    assertEquals(2, policy.exitCode());
    assertEquals("baton: missing command: choose one of get, set; see 'baton cluster policy --help'\n",
        policy.err());
    for (List<String> missing : List.of(List.of("dlq", "redrive"), List.of("dlq", "purge"), List.of("dlq", "show"),
        List.of("wave", "get"), List.of("cluster", "policy", "set"))) {
      Result r = cli.run(missing.toArray(String[]::new));
      assertEquals(2, r.exitCode(), missing.toString());
      assertOneLine(r.err());
    }
    assertOneLine(cli.run("dlq", "list", "--limit", "-1").err());
    assertTrue(cli.fake.calls().isEmpty());
  }
}
