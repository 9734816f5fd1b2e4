package dev.baton.cli.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Tables, times and commands as people read them. */
class TextTest {
  @Test
  void tablesAlignColumnsAndDoNotPadTheLastOne() {
    StringWriter out = new StringWriter();
    new Table("A", "LONGER", "LAST").row("wide cell", "", "x\ny").row("b", "c", "").print(new PrintWriter(out, true));

    assertEquals("""
        A          LONGER  LAST
        wide cell  -       x y
        b          c       -
        """, out.toString());
  }

  @Test
  void timesAreShownInTheZoneAskedForAcrossDaylightSaving() {
    // 2026-03-29 is the day Europe/Berlin moves from CET to CEST.
    Timestamp before = Timestamp.newBuilder().setSeconds(1774744200L).build(); // 2026-03-29T00:30:00Z
    Timestamp after = Timestamp.newBuilder().setSeconds(1774746000L).build(); // 2026-03-29T01:00:00Z
    var berlin = TimeText.zone("Europe/Berlin");

    assertEquals("2026-03-29 01:30:00 Sun CET", TimeText.formatWithWeekday(before, berlin));
    assertEquals("2026-03-29 03:00:00 Sun CEST", TimeText.formatWithWeekday(after, berlin));
    assertEquals("2026-03-29 00:30:00 UTC", TimeText.format(before, TimeText.zone("")));
    assertEquals("-", TimeText.format(Timestamp.getDefaultInstance(), berlin));
    assertEquals(TimeText.UTC, TimeText.zone("Not/AZone"));
  }

  @Test
  void durationsReadAndWriteAsPeopleDo() {
    assertEquals("1h30m", TimeText.format(Duration.newBuilder().setSeconds(5400).build()));
    assertEquals("0s", TimeText.format(Duration.getDefaultInstance()));
    assertEquals(Duration.newBuilder().setSeconds(90).build(), TimeText.parseDuration("90s"));
    assertEquals(Duration.newBuilder().setNanos(500).build(), TimeText.parseDuration("0.000000500s"));
  }

  @Test
  void commandsAreQuotedForAShell() {
    assertEquals("sh -c 'echo \"hi\" > /tmp/x'", JobView.command(Command.newBuilder()
        .setShell("echo \"hi\" > /tmp/x").build()));
    assertEquals("/bin/echo 'it'\\''s' plain --x=1 ''", JobView.command(Command.newBuilder()
        .setArgv(Argv.newBuilder().addArgs("/bin/echo").addArgs("it's").addArgs("plain").addArgs("--x=1").addArgs(""))
        .build()));
  }
}
