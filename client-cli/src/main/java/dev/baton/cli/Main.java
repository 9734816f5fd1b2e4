package dev.baton.cli;

import dev.baton.cli.commands.AuditCommands;
import dev.baton.cli.commands.Cli;
import dev.baton.cli.commands.ClusterCommands;
import dev.baton.cli.commands.CommandException;
import dev.baton.cli.commands.CompletionCommand;
import dev.baton.cli.commands.DaemonCommands;
import dev.baton.cli.commands.DlqCommands;
import dev.baton.cli.commands.JobCommands;
import dev.baton.cli.commands.NotifyCommands;
import dev.baton.cli.commands.PkiCommands;
import dev.baton.cli.commands.RunCommands;
import dev.baton.cli.commands.ScheduleCommands;
import dev.baton.cli.commands.TokenCommands;
import dev.baton.cli.commands.VersionCommand;
import dev.baton.cli.commands.WaveCommands;
import dev.baton.cli.commands.WhoAmICommand;
import dev.baton.cli.commands.WorkerCommands;
import dev.baton.cli.output.OutputFormat;
import dev.baton.cli.output.Printer;
import dev.baton.client.BatonClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The {@code baton} command: global options, the command tree, and the one place failures become a line on
 * stderr and an exit code (0 success, 1 a failed call or command, 2 a usage error). Tests build it with a client
 * factory and their own streams and clock:
 * {@code new Main(target -> BatonClient.create(inProcessBuilder), in, out, err, clock)}.
 */
@Command(name = "baton", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class, usageHelpAutoWidth = true,
    description = "Drive a Baton cluster: jobs, schedules, runs, waves, the dead-letter queue, workers.",
    subcommands = {JobCommands.class, ScheduleCommands.class, RunCommands.class, WaveCommands.class,
        DlqCommands.class, WorkerCommands.class, ClusterCommands.class, TokenCommands.class, AuditCommands.class,
        NotifyCommands.class, WhoAmICommand.class, PkiCommands.class, DaemonCommands.class, VersionCommand.class,
        CompletionCommand.class, HelpCommand.class})
public final class Main implements Cli, Callable<Integer> {
  private final Function<String, BatonClient> clients;
  private final InputStream in;
  private final PrintWriter out;
  private final OutputStream rawOut;
  private final PrintWriter err;
  private final Clock clock;
  private final Invocation invocation;

  private String coordinator;
  private String context;
  private final Map<String, String> connectionFlags = new HashMap<>();
  private OutputFormat output;
  /** Volatile: {@link #abort} closes it from another thread. */
  private volatile BatonClient client;

  @Spec
  CommandSpec spec;

  /** The real command: connects over the network, uses the process's standard streams and the system clock. */
  public Main() {
    this(null, System.in, System.out, System.err, Clock.systemUTC());
  }

  /**
   * Where and for whom a command line runs: the caller's environment, working directory and terminal width. The
   * CLI daemon runs each command line for another process, so none of these may be read from its own.
   *
   * @param env the environment variables (BATON_COORDINATOR, BATON_TOKEN, HOME, ...)
   * @param cwd what relative file names are relative to
   * @param columns the terminal's width for help text; 0 when standard output is no terminal; -1: let picocli
   *     find out (this process's own terminal)
   */
  public record Invocation(Map<String, String> env, Path cwd, int columns) {
    /** This process's own. */
    public static Invocation ofThisProcess() {
      return new Invocation(System.getenv(), Path.of(""), -1);
    }
  }

  /**
   * A command on writers, with the system clock; bytes written to standard output (a run's output) reach
   * {@code out} decoded as UTF-8.
   *
   * @param clients makes the client for a target ({@code host:port}); called at most once per run, only by
   *     commands that call the coordinator; null: over the network, with the TLS and token settings
   */
  public Main(Function<String, BatonClient> clients, InputStream in, PrintWriter out, PrintWriter err) {
    this(clients, in, out, new DecodingOutputStream(out), err, Clock.systemUTC());
  }

  /**
   * A command on byte streams (text is written as UTF-8) and a clock.
   *
   * @param clients makes the client for a target ({@code host:port}); called at most once per run, only by
   *     commands that call the coordinator
   * @param clock what ages (a worker's last heartbeat) are measured against
   */
  public Main(Function<String, BatonClient> clients, InputStream in, OutputStream out, OutputStream err,
      Clock clock) {
    this(clients, in, out, err, clock, Invocation.ofThisProcess());
  }

  /** A command line run for another process ({@link Invocation}), on byte streams. */
  public Main(Function<String, BatonClient> clients, InputStream in, OutputStream out, OutputStream err,
      Clock clock, Invocation invocation) {
    this(clients, in, writer(out), out, writer(err), clock, invocation);
  }

  private Main(Function<String, BatonClient> clients, InputStream in, PrintWriter out, OutputStream rawOut,
      PrintWriter err, Clock clock) {
    this(clients, in, out, rawOut, err, clock, Invocation.ofThisProcess());
  }

  private Main(Function<String, BatonClient> clients, InputStream in, PrintWriter out, OutputStream rawOut,
      PrintWriter err, Clock clock, Invocation invocation) {
    this.clients = clients;
    this.in = in;
    this.out = out;
    this.rawOut = new AfterWriter(out, rawOut);
    this.err = err;
    this.clock = clock;
    this.invocation = invocation;
  }

  private static PrintWriter writer(OutputStream stream) {
    return new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
  }

  /**
   * gRPC reports some connection failures (an unknown host) through java.util.logging with a stack trace, before
   * the call fails with the same status: the call's one line says it all, so the CLI process silences that log.
   * Held here because java.util.logging keeps loggers only weakly, and a collected logger forgets its level.
   */
  private static final Logger GRPC_LOG = Logger.getLogger("io.grpc");

  public static void main(String[] args) {
    GRPC_LOG.setLevel(Level.OFF);
    System.exit(new Main().run(args));
  }

  /** Help text width when it is not written to a terminal (picocli's default), and the narrowest picocli takes. */
  private static final int DEFAULT_WIDTH = 80;
  private static final int MIN_WIDTH = 55;

  /** Runs one command line and returns its exit code. A Main runs one command line. */
  public int run(String... args) {
    CommandLine commandLine = new CommandLine(this, new Factory(this));
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(this::onUsageError);
    commandLine.setExecutionExceptionHandler(this::onFailure);
    // File names on the command line are the caller's: relative to its working directory.
    commandLine.registerConverter(Path.class, this::path);
    if (invocation.columns() >= 0) {
      commandLine.setUsageHelpAutoWidth(false);
      commandLine.setUsageHelpWidth(invocation.columns() == 0 ? DEFAULT_WIDTH
          : Math.max(MIN_WIDTH, invocation.columns()));
    }
    try {
      return commandLine.execute(args);
    } finally {
      if (client != null) {
        client.close();
        client = null;
      }
      out.flush();
      err.flush();
    }
  }

  // Setters rather than fields: the options are inherited by every subcommand and written through these from
  // wherever they appear; the null picocli passes to reset a subcommand's copy must not erase a value given
  // before the subcommand.
  @Option(names = "--coordinator", paramLabel = "HOST:PORT[,...]", scope = ScopeType.INHERIT,
      description = "Coordinator to talk to, or several of an HA cluster (calls follow the leader) "
          + "(default: $BATON_COORDINATOR, else " + BatonClient.DEFAULT_TARGET + ").")
  void setCoordinator(String value) {
    if (value != null) {
      coordinator = value;
    }
  }

  @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
      description = "Bearer token (default: $BATON_TOKEN, else the context's). Prefer the variable or a context: "
          + "a flag shows in the process list.")
  void setToken(String value) {
    putFlag("token", value);
  }

  @Option(names = "--tls-ca", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Talk TLS, checking the coordinator against this CA certificate (default: $BATON_TLS_CA).")
  void setTlsCa(String value) {
    putFlag("tls-ca", value);
  }

  @Option(names = "--tls-cert", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "A client certificate to present (optional; default: $BATON_TLS_CERT).")
  void setTlsCert(String value) {
    putFlag("tls-cert", value);
  }

  @Option(names = "--tls-key", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "Its private key (default: $BATON_TLS_KEY).")
  void setTlsKey(String value) {
    putFlag("tls-key", value);
  }

  @Option(names = "--context", paramLabel = "NAME", scope = ScopeType.INHERIT,
      description = "A context of ~/.config/baton/config.yaml (or $BATON_CONFIG) other than its current-context "
          + "(default: $BATON_CONTEXT).")
  void setContext(String value) {
    if (value != null) {
      context = value;
    }
  }

  private void putFlag(String key, String value) {
    if (value != null) {
      connectionFlags.put(key, value);
    }
  }

  private ClientSettings settings() {
    Map<String, String> flags = new HashMap<>(connectionFlags);
    if (coordinator != null) {
      flags.put("coordinator", coordinator);
    }
    try {
      return ClientSettings.resolve(flags, context, invocation.env(), invocation.cwd());
    } catch (IllegalArgumentException e) {
      throw new CommandException(e.getMessage());
    }
  }

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
      converter = FormatConverter.class,
      description = "Output format: table (default), json or yaml.")
  void setOutput(OutputFormat value) {
    if (value != null) {
      output = value;
    }
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "missing command: choose one of "
        + String.join(", ", spec.subcommands().keySet()));
  }

  @Override
  public BatonClient client() {
    if (client == null) {
      if (clients != null) {
        client = clients.apply(target());
      } else {
        ClientSettings settings = settings();
        try {
          client = BatonClient.connect(settings.target(), settings.credentials());
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
          throw new CommandException(e.getMessage());
        }
      }
    }
    return client;
  }

  @Override
  public String target() {
    if (clients != null) {
      return coordinator != null && !coordinator.isBlank() ? coordinator.trim() : targetFromEnvironment();
    }
    try {
      return settings().target();
    } catch (CommandException e) {
      return coordinator != null ? coordinator : targetFromEnvironment(); // the failure is told elsewhere
    }
  }

  private String targetFromEnvironment() {
    return BatonClient.targetFrom(invocation.env());
  }

  @Override
  public Map<String, String> env() {
    return invocation.env();
  }

  @Override
  public Path path(String name) {
    return invocation.cwd().resolve(name);
  }

  /**
   * Stops the command from another thread (the CLI daemon's, when its caller went away): closes the client, which
   * cancels the calls in flight, so that the command fails at once instead of waiting or watching on.
   */
  public void abort() {
    BatonClient current = client;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public Printer printer() {
    return new Printer(out, output == null ? OutputFormat.TABLE : output);
  }

  @Override
  public InputStream in() {
    return in;
  }

  @Override
  public OutputStream rawOut() {
    return rawOut;
  }

  @Override
  public Clock clock() {
    return clock;
  }

  @Override
  public PrintWriter err() {
    return err;
  }

  private int onUsageError(ParameterException e, String[] args) {
    CommandLine where = e.getCommandLine();
    String message = Errors.oneLine(String.valueOf(e.getMessage())).replaceFirst("^Error: ", "");
    StringBuilder line = new StringBuilder("baton: ").append(message);
    if (e instanceof UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
      line.append(" (did you mean ").append(String.join(" or ", unmatched.getSuggestions())).append("?)");
    }
    line.append("; see '").append(where.getCommandSpec().qualifiedName()).append(" --help'");
    err.println(line);
    return where.getCommandSpec().exitCodeOnInvalidInput();
  }

  private int onFailure(Exception e, CommandLine commandLine, ParseResult parsed) {
    out.flush();
    err.println("baton: " + Errors.describe(e, target(), commandLine.getCommandSpec()));
    return Errors.FAILURE;
  }

  /** Standard output's bytes, written after whatever the writer on the same output still holds. */
  private static final class AfterWriter extends OutputStream {
    private final PrintWriter writer;
    private final OutputStream bytes;

    AfterWriter(PrintWriter writer, OutputStream bytes) {
      this.writer = writer;
      this.bytes = bytes;
    }

    @Override
    public void write(int b) throws IOException {
      writer.flush();
      bytes.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      writer.flush();
      bytes.write(b, off, len);
    }

    /**
     * @throws IOException also when standard output is a {@link PrintStream} that has failed (the reader of a pipe
     *     quit): PrintStream keeps its errors to itself, and a command following a run's output must stop
     */
    @Override
    public void flush() throws IOException {
      writer.flush();
      bytes.flush();
      if (bytes instanceof PrintStream stream && stream.checkError()) {
        throw new IOException("standard output is closed");
      }
    }
  }

  /** {@code table}, {@code json} or {@code yaml}, in any case. */
  static final class FormatConverter implements CommandLine.ITypeConverter<OutputFormat> {
    @Override
    public OutputFormat convert(String text) {
      for (OutputFormat f : OutputFormat.values()) {
        if (f.name().equalsIgnoreCase(text.trim())) {
          return f;
        }
      }
      throw new CommandLine.TypeConversionException("'" + text + "' is not one of table, json, yaml");
    }
  }

  /** Gives commands that take a {@link Cli} this one; everything else is made by picocli's default factory. */
  private static final class Factory implements CommandLine.IFactory {
    private final Cli cli;

    Factory(Cli cli) {
      this.cli = cli;
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
      Constructor<K> withCli;
      try {
        withCli = type.getDeclaredConstructor(Cli.class);
      } catch (NoSuchMethodException e) {
        return CommandLine.defaultFactory().create(type);
      }
      return withCli.newInstance(cli);
    }
  }

  /** This client's version, for {@code --version}. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"baton " + dev.baton.client.BuildInfo.version()};
    }
  }
}
