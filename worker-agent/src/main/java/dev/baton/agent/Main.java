package dev.baton.agent;

import dev.baton.agent.config.AgentConfig;
import dev.baton.client.Credentials;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton-agent}: runs a worker agent until drained or stopped (SIGTERM drains it). */
@Command(
    name = "baton-agent",
    mixinStandardHelpOptions = true,
    version = "baton-agent " + Agent.VERSION,
    description = "Runs a Baton worker agent: connects to the coordinator and runs the jobs it assigns.",
    footer = {"", "Each option falls back to an environment variable, then to its default. SIGTERM drains the "
        + "agent: it takes no new work, lets running work finish, then exits."})
public final class Main implements Callable<Integer> {
  @Option(names = "--coordinator", paramLabel = "HOST:PORT[,...]",
      defaultValue = "${env:BATON_COORDINATOR:-127.0.0.1:7070}",
      description = "Coordinator address, or several of an HA cluster: the agent finds the leader through any of them "
          + "(BATON_COORDINATOR; default ${DEFAULT-VALUE}).")
  private String coordinator;

  @Option(names = "--name", paramLabel = "NAME", defaultValue = "${env:BATON_AGENT_NAME}",
      description = "Worker name (BATON_AGENT_NAME; default the host name).")
  private String name;

  @Option(names = "--labels", paramLabel = "K=V,...", defaultValue = "${env:BATON_AGENT_LABELS}",
      description = "Labels matched by job selectors (BATON_AGENT_LABELS).")
  private String labels;

  @Option(names = "--slots", paramLabel = "N", defaultValue = "${env:BATON_AGENT_SLOTS}",
      description = "Capacity in slots (BATON_AGENT_SLOTS; default the number of CPUs).")
  private Integer slots;

  @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = "${env:BATON_AGENT_STATE_DIR:-data/agent}",
      description = "Keeps the agent's id and result journal (BATON_AGENT_STATE_DIR; default ${DEFAULT-VALUE}).")
  private Path stateDir;

  @Option(names = "--work-dir", paramLabel = "DIR", defaultValue = "${env:BATON_AGENT_WORK_DIR}",
      description = "Where commands run unless their job says otherwise (default STATE_DIR/work).")
  private Path workDir;

  @Option(names = "--tls-ca", paramLabel = "FILE", defaultValue = "${env:BATON_TLS_CA}",
      description = "The cluster's CA certificate: talk TLS and check the coordinator against it (BATON_TLS_CA).")
  private String tlsCa;

  @Option(names = "--tls-cert", paramLabel = "FILE", defaultValue = "${env:BATON_TLS_CERT}",
      description = "This agent's certificate ('baton pki issue agent NAME'): its CN is the agent's name "
          + "(BATON_TLS_CERT).")
  private String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", defaultValue = "${env:BATON_TLS_KEY}",
      description = "Its private key (BATON_TLS_KEY).")
  private String tlsKey;

  @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:BATON_TOKEN_FILE}",
      description = "A file holding an agent token ('baton token create NAME --role agent'), to prove the agent's "
          + "name without a certificate (BATON_TOKEN_FILE; BATON_TOKEN holds the token itself).")
  private Path tokenFile;

  @Override
  public Integer call() throws Exception {
    AgentConfig config;
    try {
      config = new AgentConfig(coordinator,
          name == null || name.isBlank() ? AgentConfig.defaultName() : name,
          AgentConfig.parseLabels(labels),
          slots == null ? AgentConfig.defaultSlots() : slots,
          stateDir,
          workDir == null ? stateDir.resolve("work") : workDir,
          Credentials.of(Credentials.TlsFiles.of(tlsCa, tlsCert, tlsKey)).withToken(token()));
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("baton-agent: " + e.getMessage());
      return 2;
    }
    Agent agent = new Agent(config, Clock.systemUTC()).start();
    Thread shutdown = new Thread(() -> {
      try {
        agent.drain();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      agent.close();
    }, "baton-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    // Tools and tests wait for this line.
    System.out.println("baton-agent " + config.name() + " id " + agent.id() + " started, coordinator "
        + config.coordinator());
    System.out.flush();
    agent.awaitDrained(); // a drain from the coordinator ends the agent once idle
    agent.drain();
    agent.close();
    return 0;
  }

  /** The agent token: from --token-file, else BATON_TOKEN; none by default (a certificate proves the name). */
  private String token() throws java.io.IOException {
    if (tokenFile != null) {
      return java.nio.file.Files.readString(tokenFile).trim();
    }
    return System.getenv("BATON_TOKEN");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
