package dev.baton.bench;

import dev.baton.client.BatonClient;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.Worker;
import dev.baton.proto.v1.WorkerState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standalone coordinator and its agents, each a separate process started through the {@code bin/} launchers, as
 * an operator would start them, with their stdout and stderr in {@code WORK/logs}.
 */
final class Cluster {
  private static final Pattern LISTENING = Pattern.compile("listening on ([^\\s]+):(\\d+) epoch (\\d+)");
  private static final long START_TIMEOUT_NANOS = 60_000_000_000L;

  /** One started process. */
  record Node(String name, Process process, Path out, Path err) {
    long pid() {
      return process.pid();
    }
  }

  private final Path root;
  private final Path work;
  private final Path logs;
  private final Cleanup cleanup;
  private Node coordinator;
  private final List<Node> agents = new ArrayList<>();
  private String target;

  Cluster(Path root, Path work, Cleanup cleanup) throws IOException {
    this.root = root;
    this.work = work;
    this.logs = Files.createDirectories(work.resolve("logs"));
    this.cleanup = cleanup;
  }

  /** Starts the coordinator on a free loopback port and waits for its "listening on" line. */
  void startCoordinator() throws IOException, InterruptedException {
    startCoordinatorOn("127.0.0.1:0");
  }

  /**
   * Stops the coordinator (SIGTERM, as an operator would) and starts it again on the same port and data directory.
   *
   * @return nanoseconds from the new process's launch to its "listening on" line
   */
  long restartCoordinator() throws IOException, InterruptedException {
    coordinator.process().destroy();
    if (!coordinator.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
      throw new IllegalStateException("the coordinator did not stop within 60 s of SIGTERM");
    }
    long start = System.nanoTime();
    startCoordinatorOn(target);
    return System.nanoTime() - start;
  }

  private void startCoordinatorOn(String listen) throws IOException, InterruptedException {
    coordinator = launch("coordinator", List.of(launcher("baton-coordinator"), "--listen", listen,
        "--data-dir", work.resolve("coordinator-data").toString(), "--http", "127.0.0.1:0"));
    Matcher[] found = {null};
    await("the coordinator to listen", coordinator, () -> {
      Matcher m = LISTENING.matcher(read(coordinator.out()));
      if (m.find()) {
        found[0] = m;
        return true;
      }
      return false;
    });
    if (!found[0].group(1).equals("127.0.0.1")) {
      throw new IllegalStateException("coordinator listens on " + found[0].group(1) + ", not 127.0.0.1");
    }
    target = "127.0.0.1:" + found[0].group(2);
  }

  /** Starts an agent and waits for its " started, coordinator " line. */
  void startAgent(String name, int slots) throws IOException, InterruptedException {
    Node agent = launch("agent-" + name, List.of(launcher("baton-agent"), "--coordinator", target, "--name", name,
        "--slots", Integer.toString(slots), "--state-dir", work.resolve("agent-" + name).toString(),
        // Jobs run as whoever runs the bench; as root, that needs saying.
        "--allow-root"));
    agents.add(agent);
    await("agent " + name + " to start", agent, () -> read(agent.out()).contains(" started, coordinator "));
  }

  /** Waits until the coordinator lists every agent LIVE. */
  void awaitWorkersLive(BatonClient client, int slotsEach) throws InterruptedException {
    long end = System.nanoTime() + START_TIMEOUT_NANOS;
    List<Worker> workers = List.of();
    while (System.nanoTime() < end) {
      workers = client.cluster().listWorkers(ListWorkersRequest.getDefaultInstance()).getWorkersList();
      long live = workers.stream()
          .filter(w -> w.getState() == WorkerState.WORKER_STATE_LIVE && w.getSlots() == slotsEach).count();
      if (live == agents.size()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the coordinator does not list " + agents.size() + " live workers with "
        + slotsEach + " slots: " + workers);
  }

  /** Stops the agents, then the coordinator (SIGTERM), and waits for them. */
  void stop() throws InterruptedException {
    List<Node> all = new ArrayList<>(agents);
    all.add(coordinator);
    for (Node n : all) {
      n.process().destroy();
      if (!n.process().waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
        n.process().destroyForcibly();
      }
    }
  }

  String target() {
    return target;
  }

  Node coordinator() {
    return coordinator;
  }

  List<Node> agents() {
    return agents;
  }

  /** How an agent starts commands, from its start line ("... commands start HOW"). */
  String agentLaunch(Node agent) {
    String marker = "commands start ";
    for (String line : read(agent.err()).split("\n")) {
      int at = line.indexOf(marker);
      if (at >= 0) {
        return line.substring(at + marker.length()).trim();
      }
    }
    throw new IllegalStateException(agent.name() + " logged no start line saying how commands start");
  }

  /** The last lines of every process's stderr, for a failure report. */
  String logTails(int lines) {
    StringBuilder out = new StringBuilder();
    List<Node> all = new ArrayList<>();
    if (coordinator != null) {
      all.add(coordinator);
    }
    all.addAll(agents);
    for (Node n : all) {
      String[] text = read(n.err()).split("\n");
      out.append("--- ").append(n.name()).append(" stderr (last ").append(lines).append(" lines)")
          .append(n.process().isAlive() ? "" : ", exited " + n.process().exitValue()).append('\n');
      for (int i = Math.max(0, text.length - lines); i < text.length; i++) {
        out.append(text[i]).append('\n');
      }
    }
    return out.toString();
  }

  private String launcher(String name) {
    Path path = root.resolve("bin").resolve(name);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException(path + " is missing or not executable");
    }
    return path.toString();
  }

  private Node launch(String name, List<String> command) throws IOException {
    Path out = logs.resolve(name + ".out");
    Path err = logs.resolve(name + ".err");

    Process process = new ProcessBuilder(command).directory(work.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    cleanup.track(process, name);
    return new Node(name, process, out, err);
  }

  private static void await(String what, Node node, BooleanSupplier ready) throws InterruptedException {
    long end = System.nanoTime() + START_TIMEOUT_NANOS;
    while (!ready.getAsBoolean()) {
      if (!node.process().isAlive()) {
        throw new IllegalStateException(node.name() + " exited with " + node.process().exitValue()
            + " before it was ready:\n" + read(node.err()));
      }
      if (System.nanoTime() > end) {
        throw new IllegalStateException("timed out after 60 s waiting for " + what + ":\n" + read(node.err()));
      }
      Thread.sleep(20);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }
}
