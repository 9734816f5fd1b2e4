package dev.baton.cli;

import dev.baton.cli.commands.Cli;
import dev.baton.cli.commands.ClusterCommands;
import dev.baton.cli.commands.JobCommands;
import dev.baton.cli.commands.RunCommands;
import dev.baton.cli.commands.ScheduleCommands;
import dev.baton.cli.output.OutputFormat;
import dev.baton.cli.output.Printer;
import dev.baton.client.BatonClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
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

/**
 * The {@code baton} command: global options, the command tree, and the one place failures become a line on
 * stderr and an exit code (0 success, 1 a failed call or command, 2 a usage error). Tests build it with a client
 * factory and their own writers: {@code new Main(target -> BatonClient.create(inProcessBuilder), in, out, err)}.
 */
@Command(name = "baton", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class, usageHelpAutoWidth = true,
    description = "Drive a Baton cluster: jobs, schedules, runs.",
    subcommands = {JobCommands.class, ScheduleCommands.class, RunCommands.class, ClusterCommands.class,
        HelpCommand.class})
public final class Main implements Cli, Callable<Integer> {
  private final Function<String, BatonClient> clients;
  private final InputStream in;
  private final PrintWriter out;
  private final PrintWriter err;

  private String coordinator;
  private OutputFormat output;
  private BatonClient client;

  @Spec
  CommandSpec spec;

  /** The real command: connects over the network, uses the process's standard streams. */
  public Main() {
    this(BatonClient::connect, System.in,
        new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8)),
        new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8)));
  }

  /**
   * @param clients makes the client for a target ({@code host:port}); called at most once per run, only by
   *     commands that call the coordinator
   */
  public Main(Function<String, BatonClient> clients, InputStream in, PrintWriter out, PrintWriter err) {
    this.clients = clients;
    this.in = in;
    this.out = out;
    this.err = err;
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

  /** Runs one command line and returns its exit code. A Main runs one command line. */
  public int run(String... args) {
    CommandLine commandLine = new CommandLine(this, new Factory(this));
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(this::onUsageError);
    commandLine.setExecutionExceptionHandler(this::onFailure);
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
  @Option(names = "--coordinator", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      description = "Coordinator to talk to (default: $BATON_COORDINATOR, else " + BatonClient.DEFAULT_TARGET + ").")
  void setCoordinator(String value) {
    if (value != null) {
      coordinator = value;
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
      client = clients.apply(target());
    }
    return client;
  }

  @Override
  public String target() {
    return coordinator != null && !coordinator.isBlank() ? coordinator.trim() : BatonClient.targetFromEnvironment();
  }

  @Override
  public Printer printer() {
    return new Printer(out, output == null ? OutputFormat.TABLE : output);
  }

  @Override
  public InputStream in() {
    return in;
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
    err.println("baton: " + Errors.describe(e, target()));
    return Errors.FAILURE;
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

  /** The version Maven wrote into {@code version.properties} at build time. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream s = Main.class.getResourceAsStream("version.properties")) {
        if (s != null) {
          p.load(s);
        }
      }
      return new String[] {"baton " + p.getProperty("version", "(unknown version)")};
    }
  }
}
