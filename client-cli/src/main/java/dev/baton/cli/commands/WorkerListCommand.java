package dev.baton.cli.commands;

import com.google.protobuf.util.Durations;
import dev.baton.cli.output.Printer;
import dev.baton.cli.output.Table;
import dev.baton.cli.output.WorkerView;
import java.util.LinkedHashMap;
import java.util.Map;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.Worker;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code baton worker list [--include-dead]}: ListWorkers, in name order. */
@Command(name = "list",
    description = "List workers: state, slots, free slots, runs held, labels and the age of the last heartbeat.")
public final class WorkerListCommand implements Callable<Integer> {
  private final Cli cli;

  @Option(names = "--include-dead", description = "Also list workers declared dead and not yet forgotten.")
  boolean includeDead;

  @Option(names = {"-w", "--watch"}, description = "After the list, print a worker again when its state, slots, "
      + "runs or labels change, and say when one goes (asking every --interval), until Ctrl-C.")
  boolean watch;

  @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s",
      converter = Converters.DurationConverter.class, description = "How often --watch asks (default ${DEFAULT-VALUE}).")
  com.google.protobuf.Duration interval;

  public WorkerListCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() throws InterruptedException {
    List<Worker> workers = list();
    Printer printer = cli.printer();
    Table table = WorkerView.table();
    for (Worker w : workers) {
      WorkerView.row(table, w, cli.clock().instant());
    }
    if (printer.isTable()) {
      table.print(printer.out());
      workers.forEach(w -> WorkerView.reason(w, printer.out()));
    } else {
      printer.messages(workers);
    }
    printer.out().flush();
    Map<String, Worker> seen = new LinkedHashMap<>();
    workers.forEach(w -> seen.put(w.getId(), w));
    while (watch) {
      Thread.sleep(Math.max(1, Durations.toMillis(interval)));
      Map<String, Worker> now = new LinkedHashMap<>();
      list().forEach(w -> now.put(w.getId(), w));
      for (Worker w : now.values()) {
        Worker before = seen.get(w.getId());
        if (before == null || !withoutHeartbeat(before).equals(withoutHeartbeat(w))) {
          if (printer.isTable()) {
            WorkerView.row(table, w, cli.clock().instant());
            table.printNewRows(printer.out());
            WorkerView.reason(w, printer.out());
          } else {
            printer.message(w);
          }
        }
      }
      for (Worker gone : seen.values()) {
        if (!now.containsKey(gone.getId()) && printer.isTable()) {
          printer.out().println(gone.getName() + " is gone (forgotten by the coordinator)");
        }
      }
      printer.out().flush();
      seen.clear();
      seen.putAll(now);
    }
    return 0;
  }

  private List<Worker> list() {
    return cli.client().cluster().listWorkers(ListWorkersRequest.newBuilder().setIncludeDead(includeDead).build())
        .getWorkersList();
  }

  /** A worker without what changes on every heartbeat: what a watch compares. */
  private static Worker withoutHeartbeat(Worker w) {
    return w.toBuilder().clearLastHeartbeatTime().build();
  }
}
