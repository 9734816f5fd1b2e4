package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.ScheduleView;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.ExplainScheduleResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code baton schedule explain TEXT [-n N] [--timezone TZ]}: ExplainSchedule; creates nothing. */
@Command(name = "explain", description = "Show how a schedule text is understood and when it fires next.")
public final class ScheduleExplainCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "TEXT",
      description = "A schedule, e.g. '0 9 * * 1-5', 'every 90s', 'weekdays at 9:00' (quote it).")
  String text;

  @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "5", converter = Converters.CountConverter.class,
      description = "How many next fire times (1-100, default ${DEFAULT-VALUE}).")
  int count;

  @Option(names = "--timezone", paramLabel = "TZ", description = "IANA time zone (default UTC).")
  String timezone;

  public ScheduleExplainCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ExplainScheduleRequest.Builder request = ExplainScheduleRequest.newBuilder().setSchedule(text).setCount(count);
    if (timezone != null) {
      request.setTimezone(timezone);
    }
    ExplainScheduleResponse response = cli.client().jobs().explainSchedule(request.build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      ScheduleView.explain(response, timezone, printer.out());
    } else {
      printer.message(response);
    }
    return 0;
  }
}
