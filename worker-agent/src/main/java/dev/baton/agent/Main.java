package dev.baton.agent;

import dev.baton.agent.config.AgentConfig;
import dev.baton.agent.config.FileDefaults;
import dev.baton.agent.exec.RunLimits;
import dev.baton.agent.exec.UserAccount;
import dev.baton.client.Credentials;
import dev.baton.ops.OpsServer;
import java.nio.file.Path;
import java.util.List;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton-agent}: runs a worker agent until drained or stopped (SIGTERM drains it). */
@Command(
    name = "baton-agent",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs a Baton worker agent: connects to the coordinator and runs the jobs it assigns.",
    footer = {"", "Each option falls back to an environment variable, then to the --config file (YAML: the flags "
        + "without their dashes), then to its default. SIGTERM drains the agent: it takes no new work, lets running "
        + "work finish, then exits."})
public final class Main implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", defaultValue = "${env:BATON_AGENT_CONFIG}",
      description = "YAML settings: the flags without their dashes (coordinator: ..., tls-ca: ..., allowed-commands: "
          + "[...]) (BATON_AGENT_CONFIG).")
  private Path configFile;

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

  @Option(names = "--http", paramLabel = "HOST:PORT", defaultValue = "${env:BATON_AGENT_HTTP}",
      description = "HTTP port for /healthz, /readyz (connected to a coordinator) and /metrics (Prometheus); "
          + "default none. HTTPS with --tls-cert/--tls-key when given.")
  private String http;

  @Option(names = "--allowed-commands", paramLabel = "GLOB[,GLOB...]",
      defaultValue = "${env:BATON_AGENT_ALLOWED_COMMANDS}", split = ",",
      description = "Run only programs whose argv[0], as written or as found on PATH, matches one of these globs "
          + "(/usr/bin/*, /opt/jobs/**); shell commands only with --allow-shell. Default: any program.")
  private List<String> allowedCommands;

  @Option(names = "--allow-shell", defaultValue = "${env:BATON_AGENT_ALLOW_SHELL:-false}",
      description = "With --allowed-commands: also run shell commands (/bin/sh -c ...).")
  private boolean allowShell;

  @Option(names = "--run-as", paramLabel = "USER", defaultValue = "${env:BATON_AGENT_RUN_AS}",
      description = "Run commands as this user (the agent must be root to switch), unless their job names an "
          + "allowed run_as.")
  private String runAs;

  @Option(names = "--allowed-users", paramLabel = "USER[,USER...]", defaultValue = "${env:BATON_AGENT_ALLOWED_USERS}",
      split = ",", description = "Users a job's run_as may name; a job naming another is refused.")
  private List<String> allowedUsers;

  @Option(names = "--allow-root", defaultValue = "${env:BATON_AGENT_ALLOW_ROOT:-false}",
      description = "Let commands run as root. Without it an agent started as root refuses jobs that would run as "
          + "root: give it --run-as USER.")
  private boolean allowRoot;

  @Option(names = "--allow-env", paramLabel = "NAME[,NAME...]", defaultValue = "${env:BATON_AGENT_ALLOW_ENV}",
      split = ",", description = "Which of PATH and LD_* (LD_PRELOAD, LD_LIBRARY_PATH, ...) a job's env may set; "
          + "default none: a job setting one is refused.")
  private List<String> allowEnv;

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
          Credentials.of(Credentials.TlsFiles.of(tlsCa, tlsCert, tlsKey)).withToken(token()),
          limits());
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("baton-agent: " + e.getMessage());
      return 2;
    }
    Agent agent = new Agent(config, Clock.systemUTC()).start();
    OpsServer ops = null;
    if (http != null && !http.isBlank() && !http.trim().equalsIgnoreCase("off")) {
      try {
        ops = OpsServer.builder(http.trim())
            .tls(Credentials.TlsFiles.of(tlsCa, tlsCert, tlsKey))
            .metrics(agent.metrics().registry())
            .readiness(() -> agent.connected() ? java.util.Optional.empty()
                : java.util.Optional.of("not connected to a coordinator"))
            .start();
      } catch (java.io.IOException | IllegalArgumentException e) {
        System.err.println("baton-agent: cannot listen on http " + http + ": " + e.getMessage());
        agent.close();
        return 2;
      }
    }
    OpsServer opsServer = ops;
    Thread shutdown = new Thread(() -> {
      try {
        agent.drain();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      agent.close();
      if (opsServer != null) {
        opsServer.close();
      }
    }, "baton-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    // Tools and tests wait for this line.
    System.out.println("baton-agent " + config.name() + " id " + agent.id() + " started, coordinator "
        + config.coordinator() + (opsServer == null ? "" : ", http on port " + opsServer.port()));
    System.out.flush();
    agent.awaitDrained(); // a drain from the coordinator ends the agent once idle
    agent.drain();
    agent.close();
    return 0;
  }

  /** The limits the flags set, with every user they name looked up (an unknown one stops the agent at start). */
  private RunLimits limits() throws java.io.IOException {
    int uid = (Integer) java.nio.file.Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    java.util.Optional<UserAccount> user = java.util.Optional.empty();
    if (runAs != null && !runAs.isBlank()) {
      user = java.util.Optional.of(account(runAs.trim()));
    }
    java.util.Map<String, UserAccount> allowed = new java.util.HashMap<>();
    for (String name : clean(allowedUsers)) {
      allowed.put(name, account(name));
    }
    if (uid == 0 && user.isEmpty() && !allowRoot) {
      System.err.println("baton-agent: running as root without --run-as: jobs that would run as root are refused "
          + "(give --run-as USER, or --allow-root to run them as root)");
    }
    return new RunLimits(clean(allowedCommands), allowShell || clean(allowedCommands).isEmpty(), user, allowed,
        allowRoot, java.util.Set.copyOf(clean(allowEnv)), uid);
  }

  private static UserAccount account(String name) throws java.io.IOException {
    return UserAccount.lookup(name).orElseThrow(() -> new IllegalArgumentException("no user named '" + name
        + "' on this host"));
  }

  private static List<String> clean(List<String> values) {
    return values == null ? List.of() : values.stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
  }

  /** The agent token: from --token-file, else BATON_TOKEN; none by default (a certificate proves the name). */
  private String token() throws java.io.IOException {
    if (tokenFile != null) {
      return java.nio.file.Files.readString(tokenFile).trim();
    }
    return System.getenv("BATON_TOKEN");
  }

  public static void main(String[] args) {
    CommandLine commandLine = new CommandLine(new Main());
    Path config = configFile(args);
    if (config != null) {
      try {
        commandLine.setDefaultValueProvider(FileDefaults.read(config, commandLine.getCommandSpec(), System.getenv()));
      } catch (java.io.IOException e) {
        System.err.println("baton-agent: cannot read " + config + ": " + e.getMessage());
        System.exit(2);
      } catch (IllegalArgumentException e) {
        System.err.println("baton-agent: " + e.getMessage());
        System.exit(2);
      }
    }
    System.exit(commandLine.execute(args));
  }

  /** The config file: --config FILE (or --config=FILE), else BATON_AGENT_CONFIG; read before the other options. */
  private static Path configFile(String[] args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith("--config=")) {
        return Path.of(args[i].substring("--config=".length()));
      }
    }
    String fromEnv = System.getenv("BATON_AGENT_CONFIG");
    return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
  }

  /** This build's version, for {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"baton-agent " + Agent.VERSION};
    }
  }
}
