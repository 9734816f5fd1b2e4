package dev.baton.cli.output;

import com.google.protobuf.Timestamp;
import dev.baton.proto.v1.ExplainScheduleResponse;
import dev.baton.proto.v1.ResolvedSchedule;
import java.io.PrintWriter;
import java.time.ZoneId;

/** {@code baton schedule explain}: how a schedule text was understood and when it fires next. */
public final class ScheduleView {
  private ScheduleView() {}

  /**
   * The text, normalized form, kind, description and time zone, then one next fire time per line in the
   * schedule's time zone with the weekday ({@code 2026-11-23 09:00:00 Mon UTC}).
   *
   * @param requestedZone the zone asked for, used when the answer names none
   */
  public static void explain(ExplainScheduleResponse response, String requestedZone, PrintWriter out) {
    ResolvedSchedule r = response.getResolved();
    String zoneName = r.getTimezone().isEmpty() ? requestedZone : r.getTimezone();
    ZoneId zone = TimeText.zone(zoneName);
    Details d = new Details();
    d.always("Schedule", r.getText());
    d.always("Normalized", r.getNormalized());
    d.always("Kind", EnumText.name(r.getKind()));
    d.always("Description", r.getDescription());
    d.always("Timezone", zone.getId());
    d.print(out);
    int n = response.getNextFireTimesCount();
    out.println(n == 0 ? "No next fire time." : "Next " + (n == 1 ? "fire time" : n + " fire times") + ":");
    for (Timestamp t : response.getNextFireTimesList()) {
      out.println("  " + TimeText.formatWithWeekday(t, zone));
    }
  }
}
