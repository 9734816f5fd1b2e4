package dev.baton.cli;

import static dev.baton.cli.JobCommandsTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import dev.baton.cli.CliFixture.Result;
import dev.baton.client.BatonClient;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Global options, help, and the one-line failures with their exit codes. */
class MainTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  @Test
  void aFailedCallIsOneLineWithItsCodeAndExitOne() {
    cli.fake.answer("CreateJob",
        Status.INVALID_ARGUMENT.withDescription("job.dependencies: dependency cycle: a -> b -> a"));

    Result r = cli.run("job", "create", "a", "--depends-on", "b", "--shell", "true");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: INVALID_ARGUMENT: job.dependencies: dependency cycle: a -> b -> a\n", r.err());
  }

  @Test
  void everyCodeKeepsTheCoordinatorsWordsOnOneLine() {
    cli.fake.answer("GetJob", Status.NOT_FOUND.withDescription("no job named x"),
        Status.FAILED_PRECONDITION.withDescription("not the leader;\nleader is at 10.0.0.2:7070"),
        Status.ABORTED);
    // DeleteJob is not retried (a repeat would say NOT_FOUND), so this one answer is the last.
    cli.fake.answer("DeleteJob", Status.UNAVAILABLE.withDescription("no leader elected"));

    assertEquals("baton: NOT_FOUND: no job named x\n", cli.run("job", "get", "x").err());
    assertEquals("baton: FAILED_PRECONDITION: not the leader; leader is at 10.0.0.2:7070\n",
        cli.run("job", "get", "x").err());
    assertEquals("baton: ABORTED\n", cli.run("job", "get", "x").err());
    // UNAVAILABLE sent by the coordinator is not "cannot reach": its reason is shown.
    assertEquals("baton: UNAVAILABLE: no leader elected\n", cli.run("job", "delete", "x").err());
  }

  @Test
  void fieldViolationsAreShownWhenThereIsNoDescription() {
    com.google.rpc.Status detailed = com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.INVALID_ARGUMENT.value())
        .addDetails(Any.pack(BadRequest.newBuilder()
            .addFieldViolations(BadRequest.FieldViolation.newBuilder().setField("job.slots")
                .setDescription("must be 1..1024"))
            .build()))
        .build();
    io.grpc.StatusRuntimeException e = io.grpc.protobuf.StatusProto.toStatusRuntimeException(detailed);
    assertEquals("INVALID_ARGUMENT: job.slots: must be 1..1024", Errors.describe(e, "h:1"));
  }

  @Test
  void anUnreachableCoordinatorIsNamedWithAHint() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Main main = new Main(BatonClient::connect, new ByteArrayInputStream(new byte[0]), new PrintWriter(out),
        new PrintWriter(err));

    int code = main.run("--coordinator", "127.0.0.1:" + port, "job", "trigger", "x");

    assertEquals(1, code);
    assertEquals("", out.toString());
    assertEquals("baton: UNAVAILABLE: cannot reach the coordinator at 127.0.0.1:" + port
        + " (is it running? set --coordinator or BATON_COORDINATOR)\n", err.toString());
  }

  @Test
  void usageErrorsAreOneLineWithAHintAndExitTwo() {
    for (List<String> args : List.<List<String>>of(
        List.of("job", "create"),
        List.of("job", "frobnicate"),
        List.of("job", "get", "a", "--bogus"),
        List.of("job"),
        List.of(),
        List.of("-o", "xml", "job", "get", "a"),
        List.of("run", "list", "--state", "exploded"))) {
      Result r = cli.run(args.toArray(String[]::new));
      assertEquals(2, r.exitCode(), args + ": " + r.err());
      assertEquals("", r.out(), args.toString());
      assertOneLine(r.err());
      assertTrue(r.err().contains("--help'"), args + ": " + r.err());
    }
    assertTrue(cli.fake.calls().isEmpty());
    assertTrue(cli.targets.isEmpty(), "no connection for a usage error");
  }

  @Test
  void usageErrorsNameTheProblem() {
    assertEquals("baton: Missing required parameter: 'NAME'; see 'baton job get --help'\n",
        cli.run("job", "get").err());
    assertEquals("baton: missing command: choose one of create, apply, get, list, update, delete, pause, resume, "
        + "trigger, backfill; see 'baton job --help'\n", cli.run("job").err());
    Result typo = cli.run("job", "lst");
    assertTrue(typo.err().contains("Unmatched argument at index 1: 'lst'"), typo.err());
    assertTrue(typo.err().contains("did you mean"), typo.err());
  }

  @Test
  void globalOptionsWorkBeforeAndAfterTheSubcommand() {
    cli.run("--coordinator", "before:1", "job", "get", "a");
    cli.run("job", "get", "a", "--coordinator", "after:2");
    cli.run("job", "--coordinator", "middle:3", "get", "a");
    assertEquals(List.of("before:1", "after:2", "middle:3"), cli.targets);

    assertTrue(cli.run("-o", "json", "job", "get", "a").out().startsWith("{"));
    assertTrue(cli.run("job", "get", "a", "-o", "json").out().startsWith("{"));
    assertTrue(cli.run("--output=yaml", "job", "get", "a").out().startsWith("name: a"));
    assertTrue(cli.run("job", "get", "a", "-o", "YAML").out().startsWith("name: a"));
  }

  @Test
  void withoutCoordinatorTheEnvironmentOrTheDefaultIsUsed() {
    cli.run("job", "get", "a");
    assertEquals(List.of(BatonClient.targetFrom(System.getenv())), cli.targets);
  }

  @Test
  void helpAndVersionSucceed() {
    Result help = cli.run("--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().startsWith("Usage: baton "), help.out());
    for (String noun : List.of("job", "schedule", "run", "cluster")) {
      assertTrue(help.out().contains("\n  " + noun + " "), noun);
    }
    Result version = cli.run("--version");
    assertEquals(0, version.exitCode());
    assertTrue(version.out().startsWith("baton "), version.out());

    for (List<String> command : List.of(List.of("job", "create"), List.of("job", "update"), List.of("job", "apply"),
        List.of("job", "get"), List.of("job", "list"), List.of("job", "delete"), List.of("job", "pause"),
        List.of("job", "resume"), List.of("job", "trigger"), List.of("schedule", "explain"), List.of("run", "list"),
        List.of("run", "get"), List.of("cluster", "status"))) {
      List<String> args = new java.util.ArrayList<>(command);
      args.add("--help");
      Result r = cli.run(args.toArray(String[]::new));
      assertEquals(0, r.exitCode(), command.toString());
      String[] lines = r.out().split("\n");
      String description = java.util.Arrays.stream(lines).dropWhile(l -> l.startsWith("Usage:")
          || l.startsWith(" ")).findFirst().orElse("");
      assertFalse(description.isBlank() || description.startsWith("  "), command + " has a description");
    }
    assertEquals(0, cli.run("help", "job", "create").exitCode());
  }

  @Test
  void noStackTraceEvenForAnUnexpectedFailure() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Main main = new Main(target -> {
      throw new IllegalStateException("boom");
    }, new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err));

    int code = main.run("job", "get", "a");

    assertEquals(1, code);
    assertEquals("baton: unexpected error: IllegalStateException: boom\n", err.toString());
  }
}
