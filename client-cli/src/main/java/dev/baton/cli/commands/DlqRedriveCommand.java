package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.Run;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton dlq redrive RUN_ID [--by NAME]}: RedriveDeadLetter. The run leaves the queue with a fresh series of
 * attempts (its retries count again from the new attempt); who asked is recorded on it: {@code --by}, else the
 * {@code USER} environment variable, else {@code cli}.
 */
@Command(name = "redrive", description = "Give a dead-lettered run a fresh series of attempts: it is queued again "
    + "and its retries count anew.")
public final class DlqRedriveCommand implements Callable<Integer> {
  /** Who redrives when neither {@code --by} nor {@code USER} says. */
  static final String DEFAULT_REQUESTER = "cli";

  private final Cli cli;

  @Parameters(index = "0", paramLabel = "RUN_ID", description = "The dead-lettered run's id.")
  String id;

  @Option(names = "--by", paramLabel = "NAME",
      description = "Who redrives it, recorded on the run (default: $USER, else '" + DEFAULT_REQUESTER + "').")
  String by;

  public DlqRedriveCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    Run run = cli.client().runs().redriveDeadLetter(RedriveDeadLetterRequest.newBuilder().setRunId(id)
        .setRequestedBy(requester(by, System::getenv)).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      String attempt = attempt(run);
      printer.out().println("redriven run " + (run.getId().isEmpty() ? id : run.getId()) + ": queued"
          + (attempt.isEmpty() ? "" : " as attempt " + attempt));
    } else {
      printer.message(run);
    }
    return 0;
  }

  /** {@code --by} if given, else the {@code USER} environment variable if set, else {@value #DEFAULT_REQUESTER}. */
  static String requester(String by, UnaryOperator<String> environment) {
    if (by != null && !by.isBlank()) {
      return by.trim();
    }
    String user = environment.apply("USER");
    return user == null || user.isBlank() ? DEFAULT_REQUESTER : user.trim();
  }

  /** The number of the attempt the new series starts with; empty if the answer does not say. */
  private static String attempt(Run run) {
    if (run.getSeriesStartAttempt() != 0) {
      return Integer.toUnsignedString(run.getSeriesStartAttempt());
    }
    if (run.getAttemptsCount() == 0) {
      return "";
    }
    Attempt last = run.getAttempts(run.getAttemptsCount() - 1);
    return Integer.toUnsignedString(last.getNumber() == 0 ? run.getAttemptsCount() : last.getNumber());
  }
}
