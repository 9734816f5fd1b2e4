package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteJobResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code baton job delete NAME... [--cascade] [--yes]}: DeleteJob for each name. Every name is checked first (a dry
 * run), so that a name that cannot be deleted changes nothing; a cascade that would take jobs not named is shown
 * and asked about first, unless {@code --yes}.
 */
@Command(name = "delete", description = "Delete jobs; their runs stay in the history. With --cascade also the jobs "
    + "that depend on them, after asking (--yes: without asking).")
public final class JobDeleteCommand implements Callable<Integer> {
  private final Cli cli;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "The jobs' names.")
  List<String> names;

  @Option(names = "--cascade", description = "Also delete every job that depends on them, transitively.")
  boolean cascade;

  @Option(names = {"-y", "--yes"}, description = "Do not ask before a cascade deletes jobs not named.")
  boolean yes;

  public JobDeleteCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws IOException {
    Set<String> named = new LinkedHashSet<>(names);
    Set<String> doomed = new LinkedHashSet<>();
    for (String name : named) {
      doomed.addAll(cli.client().jobs().deleteJob(DeleteJobRequest.newBuilder().setName(name).setCascade(cascade)
          .setValidateOnly(true).build()).getDeletedList());
    }
    List<String> notNamed = doomed.stream().filter(job -> !named.contains(job)).toList();
    if (!notNamed.isEmpty() && !yes && !confirmed(notNamed)) {
      cli.err().println("baton: nothing deleted");
      return 1;
    }
    Printer printer = cli.printer();
    List<String> deleted = new ArrayList<>();
    for (String name : named) {
      if (deleted.contains(name)) {
        continue; // a dependent of a job deleted before it, gone with that one's cascade
      }
      DeleteJobResponse response = cli.client().jobs().deleteJob(
          DeleteJobRequest.newBuilder().setName(name).setCascade(cascade).build());
      deleted.addAll(response.getDeletedList());
      if (printer.isTable()) {
        for (String job : response.getDeletedList()) {
          printer.out().println("deleted job " + job);
        }
        printer.out().flush();
      }
    }
    if (!printer.isTable()) {
      printer.message(DeleteJobResponse.newBuilder().addAllDeleted(deleted).build());
    }
    return 0;
  }

  /** Asks on standard error, reads the answer from standard input: yes only for y or yes. */
  private boolean confirmed(List<String> notNamed) throws IOException {
    cli.err().println("--cascade also deletes " + notNamed.size() + " job" + (notNamed.size() == 1 ? "" : "s")
        + " that depend on " + String.join(", ", names) + ": " + String.join(", ", notNamed));
    cli.err().print("Delete them too? [y/N] ");
    cli.err().flush();
    String answer = new BufferedReader(new InputStreamReader(cli.in(), StandardCharsets.UTF_8)).readLine();
    return answer != null && List.of("y", "yes").contains(answer.trim().toLowerCase(Locale.ROOT));
  }
}
