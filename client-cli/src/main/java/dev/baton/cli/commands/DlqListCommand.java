package dev.baton.cli.commands;

import dev.baton.cli.output.DeadLetterView;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListDeadLettersResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton dlq list [--job J] [--limit N]}: ListDeadLetters, newest first, following page tokens. */
@Command(name = "list", description = "List dead-lettered runs, newest first: when each entered the queue, the last "
    + "exit code and why.")
public final class DlqListCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--job", paramLabel = "JOB", description = "Only runs of this job.")
  String job;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "50", converter = Converters.CountConverter.class,
      description = "At most N entries (default ${DEFAULT-VALUE}; 0: all).")
  int limit;

  public DlqListCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ListDeadLettersRequest.Builder base = ListDeadLettersRequest.newBuilder();
    if (job != null) {
      base.setJob(job);
    }
    List<DeadLetter> entries = Pages.collect(limit, (token, size) -> {
      ListDeadLettersResponse r = cli.client().runs().listDeadLetters(
          base.setPageToken(token).setPageSize(size).build());
      return new Pages.Page<>(r.getDeadLettersList(), r.getNextPageToken());
    }).items();
    Printer printer = cli.printer();
    if (printer.isTable()) {
      DeadLetterView.table(entries, printer.out());
    } else {
      printer.messages(entries);
    }
    return 0;
  }
}
