package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.TimeText;
import dev.baton.proto.v1.AuditRecord;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ListAuditRecordsResponse;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton audit list}: who changed what, when, and how it ended. */
@Command(name = "audit", description = "The audit log: every call that changed something, who made it, its outcome.",
    subcommands = {AuditCommands.ListRecords.class})
public final class AuditCommands extends GroupCommand {

  /** {@code baton audit list [--since 1h|TIME] [--who NAME] [--limit N]}. */
  @Command(name = "list", description = "List audit records, oldest first.")
  public static final class ListRecords implements Callable<Integer> {
    private final Cli cli;

    @Option(names = "--since", paramLabel = "AGE|TIME", description = "Records of the last AGE (1h, 7d) or from TIME "
        + "(2026-12-01T10:00:00Z) on; default all.")
    String since;

    @Option(names = "--who", paramLabel = "NAME", description = "One caller's records: a token or agent name, or "
        + "'token NAME'.")
    String who;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N records (100).")
    int limit;

    public ListRecords(Cli cli) {
      this.cli = cli;
    }

    @Override
    public Integer call() {
      ListAuditRecordsRequest.Builder request = ListAuditRecordsRequest.newBuilder().setPageSize(limit);
      if (since != null) {
        request.setSince(com.google.protobuf.util.Timestamps.fromMillis(start(since).toEpochMilli()));
      }
      if (who != null) {
        request.setWho(who);
      }
      ListAuditRecordsResponse page = cli.client().access().listAuditRecords(request.build());
      Printer printer = cli.printer();
      if (!printer.isTable()) {
        printer.messages(page.getRecordsList());
        return 0;
      }
      Table table = new Table("TIME", "WHO", "CALL", "TARGET", "OUTCOME", "MESSAGE");
      for (AuditRecord r : page.getRecordsList()) {
        table.row(TimeText.format(r.getTime(), TimeText.UTC), r.getWho(),
            r.getMethod().substring(r.getMethod().indexOf('.', "baton.".length()) + 1), r.getTarget(),
            r.getOutcome(), r.getMessage());
      }
      table.print(printer.out());
      if (!page.getNextPageToken().isEmpty()) {
        cli.err().println("(more records: raise --limit or narrow --since)");
      }
      return 0;
    }

    private Instant start(String text) {
      try {
        return TimeText.since(text, cli.clock().instant());
      } catch (IllegalArgumentException e) {
        throw new CommandException("--since: " + e.getMessage());
      }
    }
  }
}
