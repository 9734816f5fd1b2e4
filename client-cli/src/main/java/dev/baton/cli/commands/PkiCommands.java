package dev.baton.cli.commands;

import dev.baton.cli.pki.Pki;
import dev.baton.client.DurationText;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton pki ...}: a CA and certificates for a secure cluster, as PEM files. */
@Command(name = "pki", description = "Make a CA and certificates for coordinators, agents and clients (PEM files).",
    subcommands = {PkiCommands.Init.class, PkiCommands.Issue.class})
public final class PkiCommands extends GroupCommand {

  /** {@code baton pki init}: ca.pem and ca-key.pem. */
  @Command(name = "init", description = "Make the cluster's CA: ca.pem and ca-key.pem (mode 0600) in --dir.")
  public static final class Init implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".", description = "Where to write (default: here).")
    Path dir;

    @Option(names = "--days", paramLabel = "N", defaultValue = "3650", description = "Valid for N days (3650).")
    int days;

    public Init(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
      Path ca = new Pki(dir).init(Duration.ofDays(days));
      cli.printer().out().println("wrote " + ca + " and " + dir.resolve(Pki.CA_KEY) + " (keep the key safe: it "
          + "signs every certificate of the cluster)");
      return 0;
    }
  }

  /** {@code baton pki issue KIND NAME}: NAME.pem and NAME-key.pem. */
  @Command(name = "issue", description = "Issue a certificate signed by the CA in --dir: NAME.pem and NAME-key.pem "
      + "(mode 0600). KIND is coordinator (serves; also dials peers and etcd), agent (NAME is the agent's --name) or "
      + "client.")
  public static final class Issue implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "KIND", description = "coordinator, agent or client.")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME", description = "The certificate's name (CN; also a DNS name).")
    String name;

    @Option(names = "--dns", paramLabel = "NAME", description = "Another DNS name it is valid for (repeatable). "
        + "A coordinator given no --dns and no --ip is valid for localhost, 127.0.0.1 and ::1.")
    List<String> dns = new ArrayList<>();

    @Option(names = "--ip", paramLabel = "ADDRESS", description = "An IP address it is valid for (repeatable).")
    List<String> ips = new ArrayList<>();

    @Option(names = "--days", paramLabel = "N", defaultValue = "825", description = "Valid for N days (825).")
    int days;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = ".", description = "Where the CA is and the files go "
        + "(default: here).")
    Path dir;

    public Issue(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() throws Exception {
      Pki.Kind k;
      try {
        k = Pki.Kind.valueOf(kind.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandException("'" + kind + "' is not a kind of certificate: coordinator, agent or client");
      }
      Path cert = new Pki(dir).issue(k, name, dns, ips, Duration.ofDays(days));
      cli.printer().out().println("wrote " + cert + " and " + dir.resolve(name + "-key.pem") + " (" + kind
          + " '" + name + "', valid " + DurationText.format(Duration.ofDays(days)) + ")");
      return 0;
    }
  }
}
