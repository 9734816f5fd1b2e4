package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper kills, when the lifeline is cut, exactly the groups the records list as live at that moment. */
class LifelineTest {
  @TempDir Path dir;
  private ProcessRunner runner;
  private RunRecords records;
  private Lifeline lifeline;

  @BeforeEach
  void start() throws Exception {
    runner = new ProcessRunner(Clock.systemUTC());
    records = new RunRecords(dir);
    lifeline = Lifeline.start(records.file());
  }

  @AfterEach
  void stop() {
    lifeline.close();
    records.close();
    runner.close();
  }

  @Test
  void whenTheLifelineIsCutTheGroupsStillRecordedDieAndNoOther() throws Exception {
    RunningProcess live = start("sleep 60 & sleep 60");
    RunningProcess ended = start("sleep 60");
    records.record(live.pid());
    records.record(ended.pid());
    records.remove(ended.pid()); // ended as far as the agent knows
    // Recorded after the reaper started: it reads the records only when the lifeline is cut.
    RunningProcess late = start("sleep 60");
    records.record(late.pid());

    lifeline.cut();

    ProcFs.awaitGroupGone(live.pid(), Duration.ofSeconds(10));
    ProcFs.awaitGroupGone(late.pid(), Duration.ofSeconds(10));
    assertTrue(ended.isAlive(), "a group recorded as ended is left alone");
    ended.kill("test over");
    ProcFs.awaitGroupGone(ended.pid(), Duration.ofSeconds(5));
  }

  @Test
  void anOrderlyCloseKillsNothing() throws Exception {
    RunningProcess kept = start("sleep 60");
    records.record(kept.pid());
    lifeline.close();
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (lifeline.alive() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertFalse(lifeline.alive(), "the reaper ends on an orderly close");
    assertTrue(kept.isAlive(), "a run kept going (on_disconnect: keep) outlives an orderly stop");
    kept.kill("test over");
    ProcFs.awaitGroupGone(kept.pid(), Duration.ofSeconds(5));
  }

  private RunningProcess start(String shell) {
    return runner.start(ProcessRunnerTest.spec(ProcessRunnerTest.shell(shell)), new RecordingListener());
  }
}
