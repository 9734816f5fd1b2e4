package dev.baton.cli.output;

import dev.baton.proto.v1.Worker;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Workers as people read them. */
public final class WorkerView {
  /** Characters of a worker's id shown in tables: enough to tell workers apart. */
  static final int SHORT_ID = 8;

  private WorkerView() {}

  /**
   * NAME, ID (its first 8 characters), STATE, SLOTS, FREE, RUNS (how many it holds), LABELS ({@code k=v,...} in
   * key order), HEARTBEAT (age of the last one, seen at {@code now}).
   */
  public static void table(List<Worker> workers, Instant now, PrintWriter out) {
    Table t = new Table(HEADER);
    for (Worker w : workers) {
      row(t, w, now);
    }
    t.print(out);
    for (Worker w : workers) {
      reason(w, out);
    }
  }

  private static final String[] HEADER = {"NAME", "ID", "STATE", "SLOTS", "FREE", "RUNS", "LABELS", "HEARTBEAT"};

  /** An empty table of workers, to add rows to ({@link #row}) and print as they come. */
  public static Table table() {
    return new Table(HEADER);
  }

  /** Adds a worker's row to a table of workers. */
  public static void row(Table t, Worker w, Instant now) {
    String id = w.getId().length() > SHORT_ID ? w.getId().substring(0, SHORT_ID) : w.getId();
    t.row(w.getName(), id, EnumText.name(w.getState()), Integer.toUnsignedString(w.getSlots()),
        Integer.toUnsignedString(w.getFreeSlots()), Integer.toString(w.getRunIdsCount()), labels(w.getLabelsMap()),
        TimeText.age(w.getLastHeartbeatTime(), now));
  }

  /** Why a worker is in its state, if it says: {@code w1 is UNHEALTHY: ...}. */
  public static void reason(Worker w, PrintWriter out) {
    if (!w.getStateReason().isEmpty()) {
      out.println(w.getName() + " is " + EnumText.name(w.getState()) + ": " + w.getStateReason());
    }
  }

  static String labels(Map<String, String> labels) {
    return new TreeMap<>(labels).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(","));
  }
}
