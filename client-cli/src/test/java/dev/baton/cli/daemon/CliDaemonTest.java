package dev.baton.cli.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.RunServiceGrpc;
import dev.baton.proto.v1.StreamOutputRequest;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real CLI daemon on a real Unix socket, running the real command tree against an in-process coordinator. */
class CliDaemonTest {
  @TempDir
  Path dir;

  private final List<Job> created = new CopyOnWriteArrayList<>();
  private final List<String> targets = new CopyOnWriteArrayList<>();
  private final CountDownLatch followCancelled = new CountDownLatch(1);
  private final CountDownLatch following = new CountDownLatch(1);
  private Server server;
  private CliDaemon daemon;
  private Thread serving;
  private Path socket;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).directExecutor().addService(new Jobs()).addService(new Runs())
        .build().start();
    socket = dir.resolve("cli-test.sock");
    daemon = new CliDaemon(socket, target -> {
      targets.add(target);
      return BatonClient.create(InProcessChannelBuilder.forName(name).directExecutor());
    }, Clock.systemUTC());
    serving = new Thread(daemon::serve, "test-daemon");
    serving.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    daemon.close();
    serving.join(10_000);
    server.shutdownNow();
  }

  @Test
  void relaysOutputAndExitCode() {
    Call call = call(Map.of(), "", "job", "list");
    assertEquals(0, call.code(), call.err());
    assertTrue(call.out().contains("nightly-backup"), call.out());
    assertEquals("", call.err());
  }

  @Test
  void aUsageErrorGoesToStandardErrorWithItsCode() {
    Call call = call(Map.of(), "", "job", "frobnicate");
    assertEquals(2, call.code());
    assertEquals("", call.out());
    assertTrue(call.err().startsWith("baton: Unmatched argument"), call.err());
  }

  @Test
  void theCallersEnvironmentNamesTheCoordinator() {
    call(Map.of("BATON_COORDINATOR", "coordinator.example:7070"), "", "job", "list");
    assertEquals(List.of("coordinator.example:7070"), targets);
  }

  @Test
  void standardInputIsReadFromTheCallerAsTheCommandReadsIt() {
    Call call = call(Map.of(), "name: from-stdin\nschedule: every minute\ncommand:\n  shell: \"true\"\n", "job",
        "apply", "-f", "-");
    assertEquals(0, call.code(), call.err());
    assertEquals("from-stdin", created.get(0).getName());
  }

  @Test
  void aCommandThatReadsNoInputLeavesItToWhatReadsItNext() throws IOException {
    ByteArrayInputStream stdin = new ByteArrayInputStream("next line for the shell\n".getBytes(StandardCharsets.UTF_8));
    int code = CliLauncher.relay(CliLauncher.connect(socket), request(Map.of(), List.of("job", "list")), stdin,
        new ByteArrayOutputStream(), new ByteArrayOutputStream());
    assertEquals(0, code);
    assertEquals("next line for the shell\n", new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void relativeFileNamesAreTheCallersWorkingDirectorys() throws IOException {
    Path callerDir = Files.createDirectory(dir.resolve("caller"));
    Files.writeString(callerDir.resolve("jobs.yaml"), "name: from-file\nschedule: every minute\ncommand:\n"
        + "  shell: \"true\"\n");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = CliLauncher.relay(CliLauncher.connect(socket), new Wire.Request(Wire.Kind.RUN,
        List.of("job", "apply", "-f", "jobs.yaml"), Map.of(), callerDir.toString(), 0),
        InputStream.nullInputStream(), out, err);
    assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
    assertEquals("from-file", created.get(0).getName());
  }

  @Test
  void aCallerThatGoesAwayStopsItsCommand() throws Exception {
    var channel = CliLauncher.connect(socket);
    Thread caller = new Thread(() -> CliLauncher.relay(channel, request(Map.of(), List.of("run", "logs", "7", "-f")),
        InputStream.nullInputStream(), new ByteArrayOutputStream(), new ByteArrayOutputStream()));
    caller.start();
    assertTrue(following.await(10, TimeUnit.SECONDS), "the command never started following");
    channel.close(); // as when Ctrl-C ends the launcher
    assertTrue(followCancelled.await(10, TimeUnit.SECONDS), "the command's call was not cancelled");
    caller.join(10_000);
    daemon.awaitCallers(java.time.Duration.ofSeconds(10));
    assertEquals(0, daemon.running());
  }

  @Test
  void twoCallsAtOnceEachGetTheirOwnOutput() throws Exception {
    Call[] calls = new Call[2];
    Thread other = new Thread(() -> calls[1] = call(Map.of(), "", "job", "frobnicate"));
    other.start();
    calls[0] = call(Map.of(), "", "job", "list");
    other.join(10_000);
    assertEquals(0, calls[0].code());
    assertEquals(2, calls[1].code());
    assertFalse(calls[0].out().contains("Unmatched"));
    assertEquals("", calls[1].out());
  }

  @Test
  void oneDaemonPerSocketAndADeadOnesSocketIsTakenOver() throws Exception {
    assertThrows(CliDaemon.AlreadyRunning.class, () -> new CliDaemon(socket, null, Clock.systemUTC()));
    daemon.close();
    serving.join(10_000);
    Files.writeString(dir.resolve("dead.sock"), ""); // a file left where a dead daemon listened
    try (CliDaemon another = new CliDaemon(dir.resolve("dead.sock"), null, Clock.systemUTC())) {
      assertTrue(CliLauncher.connect(dir.resolve("dead.sock")) != null);
    }
  }

  @Test
  void stopEndsTheDaemonAndStatusSaysWhatRuns() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CliLauncher.relay(CliLauncher.connect(socket), new Wire.Request(Wire.Kind.STATUS, List.of(), Map.of(), "", 0),
        InputStream.nullInputStream(), out, out);
    assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("CLI daemon " + ProcessHandle.current().pid()
        + " running since"), out.toString(StandardCharsets.UTF_8));
    CliLauncher.relay(CliLauncher.connect(socket), new Wire.Request(Wire.Kind.STOP, List.of(), Map.of(), "", 0),
        InputStream.nullInputStream(), out, out);
    serving.join(10_000);
    assertFalse(serving.isAlive());
    assertFalse(Files.exists(socket));
    assertEquals(null, CliLauncher.connect(socket));
  }

  @Test
  void theDirectoryMustBeThisUsersAlone() throws IOException {
    Path shared = Files.createDirectory(dir.resolve("shared"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-x---")));
    assertFalse(DaemonHome.privateDirectory(shared));
    assertTrue(DaemonHome.privateDirectory(dir.resolve("made").resolve("baton")));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("made")
        .resolve("baton"))));
  }

  @Test
  void aRebuiltClassPathIsAnotherBuild() throws IOException {
    Path jar = Files.writeString(dir.resolve("cli.jar"), "one");
    String before = DaemonHome.buildOf(jar.toString(), "/jdk");
    Files.writeString(jar, "other");
    assertFalse(before.equals(DaemonHome.buildOf(jar.toString(), "/jdk")));
    assertFalse(before.equals(DaemonHome.buildOf(jar.toString(), "/another-jdk")));
  }

  private record Call(int code, String out, String err) {}

  private Call call(Map<String, String> env, String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = CliLauncher.relay(CliLauncher.connect(socket), request(env, List.of(args)),
        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), out, err);
    return new Call(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Wire.Request request(Map<String, String> env, List<String> args) {
    return new Wire.Request(Wire.Kind.RUN, args, env, dir.toString(), 0);
  }

  private final class Jobs extends JobServiceGrpc.JobServiceImplBase {
    @Override
    public void listJobs(ListJobsRequest request, StreamObserver<ListJobsResponse> reply) {
      reply.onNext(ListJobsResponse.newBuilder().addJobs(Job.newBuilder().setName("nightly-backup")).build());
      reply.onCompleted();
    }

    @Override
    public void createJob(CreateJobRequest request, StreamObserver<Job> reply) {
      created.add(request.getJob());
      reply.onNext(request.getJob());
      reply.onCompleted();
    }
  }

  private final class Runs extends RunServiceGrpc.RunServiceImplBase {
    @Override
    public void streamOutput(StreamOutputRequest request, StreamObserver<OutputChunk> reply) {
      ((ServerCallStreamObserver<OutputChunk>) reply).setOnCancelHandler(followCancelled::countDown);
      following.countDown(); // and never ends: a live run
    }
  }
}
