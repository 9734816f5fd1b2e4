package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real {@code bin/baton} against a real coordinator process: the checks of issue 2's "done when". */
class CliTest {
  private static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}");

  @TempDir Path work;

  private static void assertOk(Cli.Result r) {
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals("", r.stderr(), r.toString());
  }

  /** A failure is a non-zero exit and exactly one line on stderr, never a stack trace. */
  private static void assertOneLineError(Cli.Result r, String contains) {
    assertNotEquals(0, r.exitCode(), r.toString());
    assertEquals(1, r.stderr().strip().lines().count(), r.toString());
    assertTrue(r.stderr().contains(contains), r.toString());
    assertFalse(r.stderr().contains("\tat "), r.toString());
  }

  private static String lineOf(String output, String start) {
    return output.lines().filter(l -> l.startsWith(start)).findFirst()
        .orElseThrow(() -> new AssertionError("no line starting with '" + start + "' in:\n" + output));
  }

  @Test
  void managesJobsEndToEnd() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start()) {
      Cli baton = new Cli(coordinator.target(), Files.createDirectories(work.resolve("cli")));

      assertOk(baton.run("--help"));
      assertOk(baton.run("job", "create", "a", "--schedule", "every 5 minutes", "--shell", "echo a"));
      assertOk(baton.run("job", "create", "b", "--schedule", "*/10 * * * *", "--depends-on", "a",
          "--priority", "high", "--", "/bin/echo", "b"));

      Cli.Result list = baton.run("job", "list");
      assertOk(list);
      for (String job : List.of("a", "b")) {
        Matcher next = DATE_TIME.matcher(lineOf(list.stdout(), job + " "));
        assertTrue(next.find(), "job " + job + " shows its next fire time:\n" + list.stdout());
      }

      Cli.Result explain = baton.run("schedule", "explain", "weekdays at 9:00", "-n", "3");
      assertOk(explain);
      List<String> times = explain.stdout().lines().filter(l -> l.contains("09:00:00")).toList();
      assertEquals(3, times.size(), explain.stdout());
      for (String t : times) {
        assertFalse(t.contains("Sat") || t.contains("Sun"), explain.stdout());
      }

      assertOneLineError(baton.run("job", "update", "a", "--depends-on", "b"), "a -> b -> a");
      assertOneLineError(baton.run("job", "get", "nope"), "NOT_FOUND");
      assertOneLineError(baton.run("job", "create", "Bad_Name", "--shell", "true"), "INVALID_ARGUMENT");
      assertOneLineError(baton.run("job", "delete", "a"), "FAILED_PRECONDITION");
      Cli.Result usage = baton.run("job", "create", "c", "--no-such-flag");
      assertEquals(2, usage.exitCode(), usage.toString());

      Path yaml = work.resolve("c.yaml");
      Files.writeString(yaml, "name: c\nschedule: weekends at 10am\ntimezone: Europe/Berlin\n"
          + "command:\n  shell: echo c\nlabels:\n  team: web\n");
      assertTrue(baton.run("job", "apply", "-f", yaml.toString()).stdout().contains("created job c"));
      Files.writeString(yaml, Files.readString(yaml).replace("team: web", "team: data"));
      Cli.Result applied = baton.run("job", "apply", "-f", yaml.toString());
      assertOk(applied);
      assertTrue(applied.stdout().contains("updated job c (version 2)"), applied.toString());

      Cli.Result json = baton.run("-o", "json", "job", "get", "c");
      assertOk(json);
      assertTrue(json.stdout().contains("\"team\": \"data\""), json.stdout());

      // A job without a schedule, so that no tick (the test runs on the wall clock) makes the trigger overlap.
      assertOk(baton.run("job", "create", "manual", "--shell", "true"));
      Cli.Result trigger = baton.run("job", "trigger", "manual");
      assertOk(trigger);
      Matcher runId = Pattern.compile("(\\d+)").matcher(trigger.stdout());
      assertTrue(runId.find(), trigger.stdout());
      Cli.Result run = baton.run("run", "get", runId.group(1));
      assertOk(run);
      assertTrue(run.stdout().contains("QUEUED"), run.stdout());
      assertTrue(baton.run("run", "list", "--job", "manual").stdout().contains(runId.group(1)));
      Cli.Result refused = baton.run("job", "trigger", "manual");
      assertOneLineError(refused, "overlap: forbid");
      assertOk(baton.run("job", "trigger", "manual", "--force"));

      assertOk(baton.run("job", "pause", "c"));
      assertTrue(lineOf(baton.run("job", "list").stdout(), "c ").contains("paused"));

      // kill -9 and restart: every acknowledged job is still there.
      coordinator.kill9AndRestart();
      Cli.Result after = baton.run("job", "list");
      assertOk(after);
      for (String job : List.of("a ", "b ", "c ")) {
        lineOf(after.stdout(), job);
      }
      Cli.Result status = baton.run("cluster", "status");
      assertOk(status);
      assertTrue(status.stdout().toLowerCase().contains("epoch"), status.stdout());
      assertTrue(status.stdout().contains("2"), status.stdout());
    }
  }

  @Test
  void anUnreachableCoordinatorIsOneClearLine() throws Exception {
    Cli baton = new Cli("127.0.0.1:1", Files.createDirectories(work.resolve("cli")));
    assertOneLineError(baton.run("job", "list"), "UNAVAILABLE");
  }
}
