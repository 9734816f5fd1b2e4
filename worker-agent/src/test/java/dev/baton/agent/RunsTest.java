package dev.baton.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.agent.exec.ProcessRunner;
import dev.baton.agent.exec.RunRecords;
import dev.baton.agent.journal.ResultJournal;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.AgentMessage.KindCase;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Assignment;
import dev.baton.proto.v1.AttemptOutcome;
import dev.baton.proto.v1.Command;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent reports about an assignment, and in which order, with real processes. */
class RunsTest {
  @TempDir Path dir;

  @Test
  void anAssignmentIsReportedAcceptedThenStartedThenFinished() throws Exception {
    List<AgentMessage> sent = reportsOf(assignment("1", Command.newBuilder().setShell("exit 0").build(), 1), 1, 3);
    assertEquals(List.of(KindCase.ACCEPTED, KindCase.STARTED, KindCase.FINISHED), kinds(sent));
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_SUCCEEDED, sent.get(2).getFinished().getOutcome());
    assertEquals("1", sent.get(0).getAccepted().getRunId());
  }

  @Test
  void aCommandThatCannotStartIsReportedAcceptedThenFinishedFailed() throws Exception {
    Command missing = Command.newBuilder().setArgv(Argv.newBuilder().addArgs(dir.resolve("no-such").toString()))
        .build();
    List<AgentMessage> sent = reportsOf(assignment("2", missing, 1), 1, 2);
    assertEquals(List.of(KindCase.ACCEPTED, KindCase.FINISHED), kinds(sent));
    assertEquals(AttemptOutcome.ATTEMPT_OUTCOME_FAILED, sent.get(1).getFinished().getOutcome());
  }

  @Test
  void anAssignmentBeyondTheFreeSlotsIsOnlyRejected() throws Exception {
    List<AgentMessage> sent = reportsOf(assignment("3", Command.newBuilder().setShell("exit 0").build(), 2), 1, 1);
    assertEquals(List.of(KindCase.REJECTED), kinds(sent));
  }

  @Test
  void aRunsParametersReachItsCommandAsPrefixedVariables() throws Exception {
    Assignment withParams = assignment("4", Command.newBuilder().setShell("printf '%s|%s' \"$BATON_PARAM_date\" "
        + "\"$PATH\"").build(), 1).toBuilder().putParams("date", "2026-12-01").putParams("PATH", "/nowhere").build();
    List<AgentMessage> sent = reportsOf(withParams, 1, 4);
    String output = sent.stream().filter(AgentMessage::hasOutput).map(m -> m.getOutput().getData().toStringUtf8())
        .reduce("", String::concat);
    assertEquals("2026-12-01|" + System.getenv("PATH"), output, "a parameter named PATH sets BATON_PARAM_PATH only");
    assertTrue(sent.stream().filter(AgentMessage::hasOutput).allMatch(m -> m.getOutput().hasTime()),
        "output is stamped with when it was read");
  }

  private List<AgentMessage> reportsOf(Assignment assignment, int slots, int expected) throws Exception {
    LinkedBlockingQueue<AgentMessage> outbox = new LinkedBlockingQueue<>();
    try (ProcessRunner runner = new ProcessRunner(Clock.systemUTC());
        ResultJournal journal = new ResultJournal(dir.resolve("journal"));
        RunRecords records = new RunRecords(dir.resolve("running"))) {
      Runs runs = new Runs(runner, journal, records, dir, slots, java.time.Clock.systemUTC());
      runs.outbox(outbox::add);
      runs.assign(assignment);
      List<AgentMessage> sent = new ArrayList<>();
      for (AgentMessage m; sent.size() < expected && (m = outbox.poll(10, TimeUnit.SECONDS)) != null; ) {
        sent.add(m);
      }
      // Nothing more comes: wait for the agent to be idle, then look once more.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (runs.running() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      runs.close();
      outbox.drainTo(sent);
      return sent;
    }
  }

  private static Assignment assignment(String runId, Command command, int slots) {
    return Assignment.newBuilder().setRunId(runId).setAttempt(1).setEpoch(1).setJob("job").setCommand(command)
        .setSlots(slots).build();
  }

  private static List<KindCase> kinds(List<AgentMessage> messages) {
    return messages.stream().map(AgentMessage::getKindCase).toList();
  }
}
