package dev.baton.cli.output;

import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.CoordinatorInfo;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.QueueDepth;
import java.io.PrintWriter;
import java.util.stream.Collectors;

/** The cluster's status as people read it. */
public final class ClusterView {
  private ClusterView() {}

  public static void status(ClusterStatus s, PrintWriter out) {
    CoordinatorInfo self = s.getSelf();
    Details d = new Details();
    d.always("Role", EnumText.name(self.getRole()));
    d.add("Coordinator", self.getName().isEmpty() ? self.getAddress()
        : self.getName() + (self.getAddress().isEmpty() ? "" : " (" + self.getAddress() + ")"));
    d.always("Leader", s.getLeaderAddress());
    d.always("Epoch", Long.toUnsignedString(s.getEpoch()));
    d.always("Jobs", Long.toUnsignedString(s.getJobs()));
    d.always("Active runs", Long.toUnsignedString(s.getActiveRuns()));
    d.always("Workers", Integer.toUnsignedString(s.getLiveWorkers()) + " live");
    d.always("Slots", Integer.toUnsignedString(s.getTotalSlots()) + " total, "
        + Integer.toUnsignedString(s.getFreeSlots()) + " free");
    d.always("Queue depth", s.getQueueDepthList().isEmpty() ? "0"
        : s.getQueueDepthList().stream().map(ClusterView::depth).collect(Collectors.joining(", ")));
    d.always("Dispatch", dispatch(s.getDispatch()));
    d.always("Version", s.getVersion() + (s.getSchemaVersion() == 0 ? "" : " (schema " + s.getSchemaVersion() + ")"));
    d.add("Started", s.hasStartTime() ? TimeText.format(s.getStartTime(), TimeText.UTC) : "");
    d.print(out);
    if (s.getCoordinatorsCount() > 1) {
      out.println();
      // The lag of a standby: sequence numbers behind the leader's store, and for how long it has been behind.
      Table t = new Table("COORDINATOR", "ADDRESS", "ROLE", "IN SYNC", "CONNECTED", "LAG");
      for (CoordinatorInfo c : s.getCoordinatorsList()) {
        boolean standby = c.getRole() == dev.baton.proto.v1.CoordinatorRole.COORDINATOR_ROLE_STANDBY;
        String lag = Long.toUnsignedString(c.getReplicationLag())
            + (c.getReplicationLag() == 0 ? "" : " (" + TimeText.format(c.getReplicationLagTime()) + ")");
        t.row(c.getName(), c.getAddress(), EnumText.name(c.getRole()), standby ? (c.getInSync() ? "yes" : "no") : "",
            standby ? (c.getConnected() ? "yes" : "no") : "", standby ? lag : "");
      }
      t.print(out);
    }
  }

  private static String depth(QueueDepth q) {
    String p = EnumText.name(q.getPriority());
    return (p.isEmpty() ? "unspecified" : p) + " " + Long.toUnsignedString(q.getQueued());
  }

  /**
   * The dispatch settings as one phrase: {@code priority (aging 1m)}, {@code round-robin}. Aging is shown only under
   * the priority policy, the only one it applies to (the coordinator keeps it while another policy is in force).
   */
  public static String dispatch(DispatchSettings d) {
    boolean priority = d.getPolicy() == DispatchPolicy.DISPATCH_POLICY_PRIORITY
        || d.getPolicy() == DispatchPolicy.DISPATCH_POLICY_UNSPECIFIED;
    String policy = priority ? "priority" : EnumText.name(d.getPolicy());
    if (policy.isEmpty()) {
      policy = "unknown (" + d.getPolicyValue() + ")";
    }
    return priority && d.hasAging() ? policy + " (aging " + TimeText.format(d.getAging()) + ")" : policy;
  }
}
