package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a restarted agent kills: real process groups recorded by a previous RunRecords on the same directory. */
class RunRecordsTest {
  @TempDir Path dir;

  @Test
  void aRestartKillsTheGroupsStillRecordedAndNothingElse() throws Exception {
    try (ProcessRunner runner = new ProcessRunner(Clock.systemUTC())) {
      RecordingListener leftover = new RecordingListener();
      RecordingListener ended = new RecordingListener();
      RunningProcess left = runner.start(ProcessRunnerTest.spec(ProcessRunnerTest.shell("sleep 60 & sleep 60")),
          leftover);
      RunningProcess done = runner.start(ProcessRunnerTest.spec(ProcessRunnerTest.shell("sleep 60")), ended);
      RunRecords before = new RunRecords(dir);
      before.record(left.pid());
      before.record(done.pid());
      before.remove(done.pid()); // ended as far as the agent knew: not the next agent's to kill
      // A group recorded with another start time is a reused pid: never killed.
      RunningProcess stranger = runner.start(ProcessRunnerTest.spec(ProcessRunnerTest.shell("sleep 60")),
          new RecordingListener());
      Files.writeString(dir.resolve(RunRecords.FILE), "+" + stranger.pid() + " 1\n",
          java.nio.file.StandardOpenOption.APPEND);
      // The previous agent dies without a word (no close).

      RunRecords after = new RunRecords(dir);
      assertEquals(1, after.killLeftovers());

      ProcFs.awaitGroupGone(left.pid(), Duration.ofSeconds(5));
      assertTrue(done.isAlive(), "a group recorded as ended is left alone");
      assertTrue(stranger.isAlive(), "a process whose start time differs from the record's is left alone");
      stranger.kill("test over");
      assertEquals(0, after.killLeftovers(), "the records are cleared");
      done.kill("test over");
      ProcFs.awaitGroupGone(done.pid(), Duration.ofSeconds(5));
    }
  }

  @Test
  void theStartTimeIsField22OfProcStatAndEmptyForAProcessThatIsGone() throws Exception {
    long self = ProcessHandle.current().pid();
    String stat = Files.readString(Path.of("/proc", Long.toString(self), "stat"));
    String expected = stat.substring(stat.lastIndexOf(')') + 2).split(" ")[19];
    assertEquals(java.util.Optional.of(expected), RunRecords.startTime(self));
    assertEquals(java.util.Optional.empty(), RunRecords.startTime(Integer.MAX_VALUE)); // above any pid_max
  }

  @Test
  void theFileIsEmptiedWhenNoGroupIsLeft() throws Exception {
    RunRecords records = new RunRecords(dir);
    long self = ProcessHandle.current().pid();
    records.record(self);
    assertTrue(Files.size(dir.resolve(RunRecords.FILE)) > 0);
    records.remove(self);
    assertEquals(0, Files.size(dir.resolve(RunRecords.FILE)));
    records.close();
  }
}
