package dev.baton.agent.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.OutputChunk;
import dev.baton.proto.v1.RunFinished;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Output flow control: bounded memory, the newest bytes complete and in order, a result after its output. */
class OutputPumpTest {
  private final List<AgentMessage> sent = new CopyOnWriteArrayList<>();
  private volatile boolean ready;
  private volatile boolean connected = true;
  private final OutputPump pump = new OutputPump(new OutputPump.Sink() {
    @Override
    public boolean ready() {
      return ready;
    }

    @Override
    public void send(AgentMessage message) {
      sent.add(message);
    }

    @Override
    public boolean connected() {
      return connected;
    }
  });

  @AfterEach
  void close() {
    pump.close();
  }

  private static OutputChunk chunk(long offset, String text) {
    return OutputChunk.newBuilder().setRunId("1").setAttempt(1).setOffset(offset)
        .setData(ByteString.copyFromUtf8(text)).build();
  }

  private void awaitSent(int count) throws InterruptedException {
    long end = System.nanoTime() + 10_000_000_000L;
    while (sent.size() < count && System.nanoTime() < end) {
      Thread.sleep(5);
    }
    assertEquals(count, sent.size(), sent.toString());
  }

  @Test
  void aSlowStreamKeepsOnlyTheNewestWindowOfUnsentOutputWithItsOffsets() throws Exception {
    pump.window(10);
    // The stream takes nothing while 26 bytes are read: only the newest 10 stay, the cut chunk trimmed in front.
    pump.output(chunk(0, "abcdefgh"));
    pump.output(chunk(8, "ijklmnop"));
    pump.output(chunk(16, "qrstuvwxyz"));
    pump.output(chunk(26, "0123"));
    assertEquals(10, pump.bufferedBytes());

    ready = true;
    pump.wake();
    awaitSent(2);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long expected = 20;
    for (AgentMessage m : sent) {
      assertEquals(expected, m.getOutput().getOffset());
      m.getOutput().getData().writeTo(bytes);
      expected += m.getOutput().getData().size();
    }
    assertEquals("uvwxyz0123", bytes.toString());
    assertEquals(0, pump.bufferedBytes());
  }

  @Test
  void aResultGoesAfterTheOutputBeforeItAndWaitsForAStreamThatTakesIt() throws Exception {
    pump.output(chunk(0, "hello "));
    pump.output(chunk(6, "world"));
    pump.finished(RunFinished.newBuilder().setRunId("1").setAttempt(1).build());
    Thread.sleep(100);
    assertEquals(List.of(), sent, "nothing goes while the stream is not ready");

    ready = true;
    pump.wake();
    awaitSent(3);
    assertTrue(sent.get(0).hasOutput() && sent.get(1).hasOutput(), sent.toString());
    assertTrue(sent.get(2).hasFinished(), sent.toString());
  }

  @Test
  void aResultWithNoOutputLeftGoesEvenWhileBulkOutputWaits() throws Exception {
    pump.output(chunk(0, "bulk"));
    pump.finished(RunFinished.newBuilder().setRunId("2").setAttempt(1).build());
    awaitSent(1);
    assertEquals("2", sent.get(0).getFinished().getRunId());
  }

  @Test
  void theResultOfAnAttemptThatWroteNothingGoesAtOnceOnTheCallersThread() {
    pump.finished(RunFinished.newBuilder().setRunId("4").setAttempt(1).build());
    assertEquals(1, sent.size(), "sent before finished() returned");
    assertEquals("4", sent.get(0).getFinished().getRunId());
  }

  @Test
  void resultsPendingAtADisconnectAreLeftToTheJournalAndRunningOutputGoesOnAfterwards() throws Exception {
    connected = false;
    pump.output(chunk(0, "still running"));
    pump.finished(RunFinished.newBuilder().setRunId("3").setAttempt(1).build());
    pump.disconnected();
    connected = true;
    ready = true;
    pump.wake();
    awaitSent(1);
    Thread.sleep(100);
    assertEquals(1, sent.size(), sent.toString());
    assertEquals("still running", sent.get(0).getOutput().getData().toStringUtf8());
  }
}
