package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.TimeText;
import dev.baton.client.Times;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.BackfillJobResponse;
import dev.baton.proto.v1.Run;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code baton job backfill NAME --from TIME --to TIME [--max-runs N] [--timezone TZ]}: BackfillJob, one BACKFILL
 * run per schedule tick in the range (both ends included), each its own wave. TIME is read by
 * {@link TimeText#parseTime}: {@code 2026-11-01T00:00:00Z}, {@code '2026-11-01 00:00'} or {@code 2026-11-01}; a
 * time written without an offset is read in {@code --timezone}, UTC by default.
 */
@Command(name = "backfill", description = "Create one run per schedule tick of a job in a past time range, both "
    + "ends included; prints the runs queued.")
public final class JobBackfillCommand implements Callable<Integer> {
  private final Cli cli;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name; it must have a recurring schedule.")
  String name;

  @Option(names = "--from", required = true, paramLabel = "TIME",
      description = "First instant of the range: 2026-11-01T00:00:00Z, '2026-11-01 00:00' or 2026-11-01 "
          + "(midnight).")
  String from;

  @Option(names = "--to", required = true, paramLabel = "TIME",
      description = "Last instant of the range, in the same forms; not in the future.")
  String to;

  @Option(names = "--timezone", paramLabel = "TZ",
      description = "IANA time zone of a TIME written without an offset (default UTC).")
  String timezone;

  @Option(names = "--max-runs", paramLabel = "N", converter = Converters.CountConverter.class,
      description = "Refuse a range with more than N ticks (1-10000; default 1000).")
  int maxRuns;

  public JobBackfillCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    ZoneId zone = zone();
    Instant start = time("--from", from, zone);
    Instant end = time("--to", to, zone);
    if (start.isAfter(end)) {
      throw new ParameterException(spec.commandLine(), "--from " + from + " is after --to " + to);
    }
    BackfillJobRequest.Builder request = BackfillJobRequest.newBuilder().setName(name)
        .setFrom(Times.toProto(start)).setTo(Times.toProto(end));
    if (maxRuns > 0) {
      request.setMaxRuns(maxRuns);
    }
    BackfillJobResponse response = cli.client().jobs().backfillJob(request.build());
    Printer printer = cli.printer();
    if (!printer.isTable()) {
      printer.messages(response.getRunsList());
      return 0;
    }
    int n = response.getRunsCount();
    printer.out().println("backfill of " + name + ": " + n + (n == 1 ? " run" : " runs") + " queued");
    if (n > 0) {
      Table t = new Table("RUN", "SCHEDULED");
      for (Run r : response.getRunsList()) {
        t.row(r.getId(), TimeText.format(r.getScheduledTime(), zone));
      }
      t.print(printer.out());
    }
    return 0;
  }

  private ZoneId zone() {
    if (timezone == null) {
      return TimeText.UTC;
    }
    try {
      return ZoneId.of(timezone.trim());
    } catch (DateTimeException e) {
      throw new ParameterException(spec.commandLine(), "--timezone: '" + timezone + "' is not an IANA time zone "
          + "(e.g. Europe/Berlin, UTC)");
    }
  }

  private Instant time(String flag, String text, ZoneId zone) {
    try {
      return TimeText.parseTime(text, zone);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), flag + ": " + e.getMessage());
    }
  }
}
