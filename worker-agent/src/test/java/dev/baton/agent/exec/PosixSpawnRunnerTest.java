package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The runner as agents use it on glibc 2.34+: posix_spawn with POSIX_SPAWN_SETSID, one exec per run. */
class PosixSpawnRunnerTest extends ProcessRunnerTest {
  @Override
  boolean throughSetsid() {
    return false;
  }

  @Test
  void availableOnTheMachinesBatonSupports() {
    assertTrue(SpawnedProcess.available(), LibC.UNAVAILABLE_BECAUSE);
  }

  @Test
  void theCommandStartsWithNoSignalBlockedOrIgnored() {
    try (ProcessRunner runner = new ProcessRunner(Clock.systemUTC(), false)) {
      RecordingListener listener = new RecordingListener();
      runner.start(spec(argv("grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status")), listener);
      listener.await(SOON);
      assertTrue(listener.stdout().matches("SigBlk:\\s+0+\nSigIgn:\\s+0+\n"), listener.stdout());
    }
  }
}
