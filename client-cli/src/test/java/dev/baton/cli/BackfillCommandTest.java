package dev.baton.cli;

import static dev.baton.cli.JobCommandsTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.client.Times;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.BackfillJobResponse;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import io.grpc.Status;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code job backfill}: the range's times as written, and the runs it queued. */
class BackfillCommandTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static Run run(String id, String scheduled) {
    return Run.newBuilder().setId(id).setJob("nightly").setState(RunState.RUN_STATE_QUEUED)
        .setReason(RunReason.RUN_REASON_BACKFILL).setScheduledTime(Times.toProto(Instant.parse(scheduled)))
        .setWaveId(id).build();
  }

  private static BackfillJobRequest request(String from, String to, int maxRuns) {
    return BackfillJobRequest.newBuilder().setName("nightly").setFrom(Times.toProto(Instant.parse(from)))
        .setTo(Times.toProto(Instant.parse(to))).setMaxRuns(maxRuns).build();
  }

  @Test
  void backfillPrintsHowManyRunsAndEachRunsTick() {
    cli.fake.answer("BackfillJob", BackfillJobResponse.newBuilder()
        .addRuns(run("40", "2026-11-01T03:00:00Z"))
        .addRuns(run("41", "2026-11-02T03:00:00Z"))
        .addRuns(run("42", "2026-11-03T03:00:00Z"))
        .build());

    Result r = cli.run("job", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-03 23:59");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        backfill of nightly: 3 runs queued
        RUN  SCHEDULED
        40   2026-11-01 03:00:00 UTC
        41   2026-11-02 03:00:00 UTC
        42   2026-11-03 03:00:00 UTC
        """, r.out());
    assertEquals(List.of(request("2026-11-01T00:00:00Z", "2026-11-03T23:59:00Z", 0)),
        cli.fake.requests("BackfillJob"));
  }

  @Test
  void timesWithoutAnOffsetAreReadInTheTimezoneAndTicksShownInIt() {
    cli.fake.answer("BackfillJob", BackfillJobResponse.newBuilder().addRuns(run("40", "2026-11-01T02:00:00Z"))
        .build());

    Result r = cli.run("job", "backfill", "nightly", "--from", "2026-11-01 00:00", "--to",
        "2026-11-02T00:00:00Z", "--timezone", "Europe/Berlin", "--max-runs", "48");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("""
        backfill of nightly: 1 run queued
        RUN  SCHEDULED
        40   2026-11-01 03:00:00 CET
        """, r.out());
    // Midnight in Berlin is 23:00 UTC the day before; an explicit Z is not moved by --timezone.
    assertEquals(List.of(request("2026-10-31T23:00:00Z", "2026-11-02T00:00:00Z", 48)),
        cli.fake.requests("BackfillJob"));
  }

  @Test
  void anEmptyRangeSaysSo() {
    Result r = cli.run("job", "backfill", "nightly", "--from", "2026-11-01T00:00:00Z", "--to",
        "2026-11-01T00:30:00Z");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("backfill of nightly: 0 runs queued\n", r.out());
  }

  @Test
  void jsonPrintsTheRunsAsForRunList() throws Exception {
    List<Run> runs = List.of(run("40", "2026-11-01T03:00:00Z"), run("41", "2026-11-02T03:00:00Z"));
    cli.fake.answer("BackfillJob", BackfillJobResponse.newBuilder().addAllRuns(runs).build());

    Result r = cli.run("job", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-02", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    ListRunsResponse.Builder parsed = ListRunsResponse.newBuilder();
    JsonFormat.parser().merge("{\"runs\": " + r.out() + "}", parsed);
    assertEquals(runs, parsed.getRunsList());
  }

  @Test
  void badTimesAndZonesAreUsageErrorsNamingTheFlag() {
    Result word = cli.run("job", "backfill", "nightly", "--from", "yesterday", "--to", "2026-11-02");
    assertEquals(2, word.exitCode());
    assertOneLine(word.err());
    assertTrue(word.err().startsWith("baton: --from: 'yesterday' is not a time; write it like "
        + "2026-11-01T00:00:00Z, '2026-11-01 00:00' or 2026-11-01"), word.err());

    Result noDay = cli.run("job", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-31");
    assertEquals(2, noDay.exitCode());
    assertTrue(noDay.err().startsWith("baton: --to: '2026-11-31' is not a time"), noDay.err());

    Result backwards = cli.run("job", "backfill", "nightly", "--from", "2026-11-02", "--to", "2026-11-01");
    assertEquals(2, backwards.exitCode());
    assertTrue(backwards.err().startsWith("baton: --from 2026-11-02 is after --to 2026-11-01"), backwards.err());

    Result zone = cli.run("job", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-02",
        "--timezone", "Mars/Olympus");
    assertEquals(2, zone.exitCode());
    assertTrue(zone.err().startsWith("baton: --timezone: 'Mars/Olympus' is not an IANA time zone"), zone.err());

    Result missing = cli.run("job", "backfill", "nightly", "--from", "2026-11-01");
    assertEquals(2, missing.exitCode());
    assertOneLine(missing.err());
    assertTrue(missing.err().contains("--to"), missing.err());

    assertOneLine(cli.run("job", "backfill", "nightly", "--from", "2026-11-01", "--to", "2026-11-02",
        "--max-runs", "-5").err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void aRefusedBackfillIsOneLineAndExitOne() {
    cli.fake.answer("BackfillJob", Status.RESOURCE_EXHAUSTED.withDescription(
        "the range has 1440 ticks; at most 1000 (--max-runs)"));

    Result r = cli.run("job", "backfill", "nightly", "--from", "2026-10-01", "--to", "2026-11-01");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: RESOURCE_EXHAUSTED: the range has 1440 ticks; at most 1000 (--max-runs)\n", r.err());
  }

  @Test
  void fieldsTheCoordinatorNamesAreShownAsThisCommandsFlags() {
    cli.fake.answer("BackfillJob", com.google.rpc.Status.newBuilder()
        .setCode(com.google.rpc.Code.RESOURCE_EXHAUSTED_VALUE)
        .setMessage("the range holds more than 1000 ticks of job 'nightly'; narrow it or raise max_runs "
            + "(at most 10000)")
        .addDetails(com.google.protobuf.Any.pack(com.google.rpc.ErrorInfo.newBuilder().setDomain("baton.dev")
            .setReason("TOO_MANY_TICKS").putMetadata("fields", "max_runs").build()))
        .build());
    cli.fake.answer("BackfillJob", com.google.rpc.Status.newBuilder()
        .setCode(com.google.rpc.Code.INVALID_ARGUMENT_VALUE).setMessage("max_runs: between 1 and 10000")
        .addDetails(com.google.protobuf.Any.pack(com.google.rpc.BadRequest.newBuilder().addFieldViolations(
            com.google.rpc.BadRequest.FieldViolation.newBuilder().setField("max_runs")
                .setDescription("between 1 and 10000")).build()))
        .build());

    Result r = cli.run("job", "backfill", "nightly", "--from", "2026-10-01", "--to", "2026-11-01");
    assertEquals("baton: RESOURCE_EXHAUSTED: the range holds more than 1000 ticks of job 'nightly'; narrow it or "
        + "raise --max-runs (at most 10000)\n", r.err());
    r = cli.run("job", "backfill", "nightly", "--from", "2026-10-01", "--to", "2026-11-01");
    assertEquals("baton: INVALID_ARGUMENT: --max-runs: between 1 and 10000\n", r.err());
  }
}
