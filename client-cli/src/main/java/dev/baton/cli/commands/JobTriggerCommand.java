package dev.baton.cli.commands;

import dev.baton.cli.output.EnumText;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.RunProgress;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveState;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.TriggerJobResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton job trigger NAME [--force] [--wait]}: TriggerJob; prints the new run's id, so scripts can follow it.
 * With {@code --wait} it then follows the run to its end, one line per change, and exits 0 only if it succeeded;
 * with {@code -o json|yaml} it prints no progress, only the run as it ended.
 */
@Command(name = "trigger", description = "Start a manual run of a job now; prints the run's id. With --wait, "
    + "follows the run to its end and exits 0 only if it succeeded.")
public final class JobTriggerCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(index = "0", paramLabel = "NAME", description = "The job's name.")
  String name;

  @Option(names = {"-p", "--param"}, paramLabel = "NAME=VALUE",
      description = "A parameter for this run (repeatable), recorded on it; its command gets it as the environment "
          + "variable BATON_PARAM_<NAME>.")
  java.util.Map<String, String> params;

  @Option(names = "--force", description = "Start the run even if the job's overlap policy would refuse it.")
  boolean force;

  @Option(names = "--wait", description = "Follow the run until it is over, printing each change of its state; "
      + "exit 1 unless it succeeded.")
  boolean await;

  @Option(names = "--wave", description = "With --wait: follow the whole dependency wave the run starts, one line "
      + "per change of a job's state in it; exit 1 unless the wave succeeded.")
  boolean wave;

  @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "With --wait: stop waiting after this long (e.g. 10m) and exit 1; the run goes on.")
  com.google.protobuf.Duration waitTimeout;

  public JobTriggerCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if ((waitTimeout != null || wave) && !await) {
      throw new CommandException((wave ? "--wave" : "--wait-timeout") + " needs --wait");
    }
    TriggerJobResponse response = cli.client().jobs().triggerJob(
        TriggerJobRequest.newBuilder().setName(name).setForce(force)
            .putAllParams(params == null ? java.util.Map.of() : params).build());
    Run run = response.getRun();
    Printer printer = cli.printer();
    PrintWriter out = printer.out();
    if (printer.isTable()) {
      out.println(run.getId());
      out.flush();
    }
    if (!await) {
      if (!printer.isTable()) {
        printer.message(run);
      }
      return 0;
    }
    Consumer<String> progress = printer.isTable() ? line -> {
      out.println(line);
      out.flush();
    } : line -> { };
    java.time.Duration timeout = waitTimeout == null ? null
        : java.time.Duration.ofSeconds(waitTimeout.getSeconds(), waitTimeout.getNanos());
    if (wave) {
      Wave ended = new WaveWaiter(cli.client(), progress, timeout).await(run.getWaveId());
      if (!printer.isTable()) {
        printer.message(ended);
      }
      if (ended.getState() != WaveState.WAVE_STATE_SUCCEEDED) {
        throw new CommandException("wave " + ended.getId() + " " + EnumText.name(ended.getState()));
      }
      return 0;
    }
    Run ended = new RunWaiter(cli.client(), progress, timeout).await(run);
    if (!printer.isTable()) {
      printer.message(ended);
    }
    if (ended.getState() != RunState.RUN_STATE_SUCCEEDED) {
      throw new CommandException(RunProgress.failure(ended));
    }
    return 0;
  }
}
