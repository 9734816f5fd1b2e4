package dev.baton.cli.commands;

import com.google.protobuf.util.Durations;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.TimeText;
import dev.baton.client.DurationText;
import dev.baton.proto.v1.CreateTokenRequest;
import dev.baton.proto.v1.CreateTokenResponse;
import dev.baton.proto.v1.ListTokensRequest;
import dev.baton.proto.v1.RevokeTokenRequest;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.Token;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton token ...}: bearer tokens with roles (admin only). */
@Command(name = "token", description = "Create, list and revoke tokens (viewer, operator, admin, agent).",
    subcommands = {TokenCommands.Create.class, TokenCommands.ListTokens.class, TokenCommands.Revoke.class})
public final class TokenCommands extends GroupCommand {

  /** {@code baton token create NAME --role R [--expires 30d]}. */
  @Command(name = "create", description = "Make a token. Its secret is printed once, now; the coordinator keeps "
      + "only a hash of it.")
  public static final class Create implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME", description = "The token's name (who uses it: alice, ci).")
    String name;

    @Option(names = "--role", required = true, paramLabel = "ROLE",
        description = "viewer (every read), operator (viewer + trigger, cancel, pause, resume, redrive, purge, "
            + "drain, backfill), admin (everything), or agent (the agent stream only, as agent NAME).")
    String role;

    @Option(names = "--expires", paramLabel = "DURATION", description = "Valid for this long (30d, 12h); "
        + "default: until revoked.")
    String expires;

    public Create(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      CreateTokenRequest.Builder request = CreateTokenRequest.newBuilder().setName(name).setRole(role(role));
      if (expires != null) {
        Duration ttl;
        try {
          ttl = DurationText.parse(expires);
        } catch (IllegalArgumentException e) {
          throw new CommandException("--expires: " + e.getMessage());
        }
        request.setTtl(Durations.fromNanos(ttl.toNanos()));
      }
      CreateTokenResponse created = cli.client().access().createToken(request.build());
      Printer printer = cli.printer();
      if (printer.isTable()) {
        printer.out().println(created.getSecret());
        cli.err().println("token " + created.getToken().getName() + " (" + text(created.getToken().getRole())
            + ") created" + (created.getToken().hasExpireTime() ? ", expires "
            + TimeText.format(created.getToken().getExpireTime(), TimeText.UTC) : "")
            + ": its secret, above, is shown only now (pass it as --token or BATON_TOKEN)");
      } else {
        printer.message(created);
      }
      return 0;
    }
  }

  /** {@code baton token list}. */
  @Command(name = "list", description = "List tokens: name, role, state, expiry, who made them. Never secrets.")
  public static final class ListTokens implements Callable<Integer> {
    private final Cli cli;

    public ListTokens(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      List<Token> tokens = cli.client().access().listTokens(ListTokensRequest.getDefaultInstance()).getTokensList();
      Printer printer = cli.printer();
      if (!printer.isTable()) {
        printer.messages(tokens);
        return 0;
      }
      Table table = new Table("NAME", "ROLE", "STATE", "CREATED", "EXPIRES", "CREATED BY");
      long now = cli.clock().millis();
      for (Token t : tokens) {
        String state = t.hasRevokeTime() ? "revoked"
            : t.hasExpireTime() && com.google.protobuf.util.Timestamps.toMillis(t.getExpireTime()) <= now ? "expired"
            : "active";
        table.row(t.getName(), text(t.getRole()), state, TimeText.format(t.getCreateTime(), TimeText.UTC),
            t.hasExpireTime() ? TimeText.format(t.getExpireTime(), TimeText.UTC) : "never", t.getCreatedBy());
      }
      table.print(printer.out());
      return 0;
    }
  }

  /** {@code baton token revoke NAME}. */
  @Command(name = "revoke", description = "Revoke a token: its next call is refused, on every coordinator.")
  public static final class Revoke implements Callable<Integer> {
    private final Cli cli;

    @Parameters(index = "0", paramLabel = "NAME", description = "The token's name.")
    String name;

    public Revoke(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      Token token = cli.client().access().revokeToken(RevokeTokenRequest.newBuilder().setName(name).build());
      Printer printer = cli.printer();
      if (printer.isTable()) {
        printer.out().println("token " + token.getName() + " revoked");
      } else {
        printer.message(token);
      }
      return 0;
    }
  }

  static Role role(String text) {
    try {
      Role role = Role.valueOf("ROLE_" + text.trim().toUpperCase(Locale.ROOT));
      if (role != Role.ROLE_UNSPECIFIED && role != Role.UNRECOGNIZED && role != Role.ROLE_COORDINATOR) {
        return role;
      }
    } catch (IllegalArgumentException e) {
      // below
    }
    throw new CommandException("--role: '" + text + "' is not one of viewer, operator, admin, agent");
  }

  static String text(Role role) {
    return role == Role.ROLE_UNSPECIFIED ? "-" : role.name().substring("ROLE_".length()).toLowerCase(Locale.ROOT);
  }
}
