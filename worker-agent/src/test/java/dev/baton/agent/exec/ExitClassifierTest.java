package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.agent.exec.ExitClassifier.Stop;
import dev.baton.agent.exec.ExitClassifier.StopCause;
import dev.baton.agent.exec.ExitClassifier.Verdict;
import dev.baton.proto.v1.AttemptOutcome;
import java.time.Duration;
import java.util.EnumSet;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ExitClassifierTest {

  private static final Set<Signal> NONE = EnumSet.noneOf(Signal.class);

  @Test
  void exitZeroSucceeds() {
    assertEquals(
        new Verdict(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, OptionalInt.of(0), OptionalInt.empty(), ""),
        ExitClassifier.classify(0, null, NONE));
  }

  @Test
  void nonZeroExitFailsWithTheCodeAsIs() {
    assertEquals(
        new Verdict(AttemptOutcome.ATTEMPT_OUTCOME_FAILED, OptionalInt.of(3), OptionalInt.empty(), ""),
        ExitClassifier.classify(3, null, NONE));
    // Killed by a signal nobody here sent: Java's 128+N is all there is to report.
    assertEquals(OptionalInt.of(139), ExitClassifier.classify(139, null, NONE).exitCode());
  }

  @Test
  void timeoutThatEndedItBySigtermReportsTheSignal() {
    Verdict verdict =
        ExitClassifier.classify(143, Stop.timeout(Duration.ofSeconds(5)), EnumSet.of(Signal.TERM));
    assertEquals(
        new Verdict(
            AttemptOutcome.ATTEMPT_OUTCOME_TIMED_OUT,
            OptionalInt.empty(),
            OptionalInt.of(15),
            "timed out after 5s"),
        verdict);
  }

  @Test
  void theSignalThatMatchesTheStatusIsReported() {
    Stop cancel = new Stop(StopCause.CANCEL, "by alice");
    Set<Signal> both = EnumSet.of(Signal.TERM, Signal.KILL);
    assertEquals(OptionalInt.of(9), ExitClassifier.classify(137, cancel, both).signal());
    // Died of the SIGTERM just before the SIGKILL went out.
    assertEquals(OptionalInt.of(15), ExitClassifier.classify(143, cancel, both).signal());
    assertEquals(
        AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED,
        ExitClassifier.classify(137, cancel, both).outcome());
    assertEquals("by alice", ExitClassifier.classify(137, cancel, both).error());
  }

  @Test
  void anAttemptKilledBecauseTheAgentLostItsCoordinatorIsLost() {
    Verdict verdict = ExitClassifier.classify(137, new Stop(StopCause.LOST, "no coordinator heard for 7 s"),
        EnumSet.of(Signal.KILL));
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_LOST, verdict.outcome());
    assertEquals(OptionalInt.of(9), verdict.signal());
    assertEquals("no coordinator heard for 7 s", verdict.error());
  }

  @Test
  void processThatHandledTheSignalKeepsItsExitCode() {
    Verdict verdict =
        ExitClassifier.classify(
            1, new Stop(StopCause.CANCEL, "stop"), EnumSet.of(Signal.TERM));
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_CANCELLED, verdict.outcome());
    assertEquals(OptionalInt.of(1), verdict.exitCode());
    assertEquals(OptionalInt.empty(), verdict.signal());
  }

  @Test
  void durationsReadAsPeopleWriteThem() {
    assertEquals("5s", ExitClassifier.humanize(Duration.ofSeconds(5)));
    assertEquals("0.5s", ExitClassifier.humanize(Duration.ofMillis(500)));
    assertEquals("1m30s", ExitClassifier.humanize(Duration.ofSeconds(90)));
    assertEquals("2h", ExitClassifier.humanize(Duration.ofHours(2)));
  }
}
