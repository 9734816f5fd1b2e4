package dev.baton.cli.commands;

import com.google.protobuf.Duration;
import dev.baton.cli.output.ClusterView;
import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.SetDispatchPolicyRequest;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code baton cluster policy set POLICY [--aging DURATION]}: SetDispatchPolicy; prints the settings in force
 * afterwards. Without {@code --aging} the coordinator keeps the aging it has. {@code --aging} is refused with any
 * policy but priority, the only one it applies to.
 */
@Command(name = "set", description = "Switch the dispatch policy; applies from the next dispatch decision on and "
    + "survives restarts. Prints the settings in force.")
public final class ClusterPolicySetCommand implements Callable<Integer> {
  private final Cli cli;

  @Spec
  CommandSpec spec;

  @Parameters(index = "0", paramLabel = "POLICY", converter = Converters.DispatchPolicyConverter.class,
      completionCandidates = Converters.DispatchPolicyNames.class,
      description = "One of ${COMPLETION-CANDIDATES}: priority runs HIGH before MEDIUM before LOW, oldest first "
          + "within a level; fcfs runs the oldest ready run first; sjf the shortest expected run first; "
          + "round-robin rotates across jobs.")
  DispatchPolicy policy;

  @Option(names = "--aging", paramLabel = "DURATION", converter = Converters.DurationConverter.class,
      description = "For priority: a run waiting longer than this moves up one level (1s to 1d; default: keep the "
          + "current aging, 1m unless changed).")
  Duration aging;

  public ClusterPolicySetCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    if (aging != null && policy != DispatchPolicy.DISPATCH_POLICY_PRIORITY) {
      throw new ParameterException(spec.commandLine(), "--aging applies only to the priority policy");
    }
    DispatchSettings.Builder settings = DispatchSettings.newBuilder().setPolicy(policy);
    if (aging != null) {
      settings.setAging(aging);
    }
    DispatchSettings now = cli.client().cluster().setDispatchPolicy(
        SetDispatchPolicyRequest.newBuilder().setSettings(settings).build());
    Printer printer = cli.printer();
    if (printer.isTable()) {
      printer.out().println("dispatch policy: " + ClusterView.dispatch(now));
    } else {
      printer.message(now);
    }
    return 0;
  }
}
