package dev.baton.coordinator.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class TransportLogTest {
  @Test
  void anHttpOneRequestIsOneLineAndOtherTransportRecordsPass() {
    LogRecord http = new LogRecord(Level.INFO, "Transport failed");
    http.setThrown(new IllegalStateException("Unexpected HTTP/1.x request: GET / "));
    assertFalse(TransportLog.keep(http));

    LogRecord wrapped = new LogRecord(Level.INFO, "Transport failed");
    wrapped.setThrown(new RuntimeException("outer", new IllegalStateException("Unexpected HTTP/1.x request: POST /x")));
    assertFalse(TransportLog.keep(wrapped));

    LogRecord other = new LogRecord(Level.INFO, "Transport failed");
    other.setThrown(new java.io.IOException("Connection reset by peer"));
    assertTrue(TransportLog.keep(other));
    assertTrue(TransportLog.keep(new LogRecord(Level.FINE, "no exception")));
  }

  @Test
  void theFilterIsOnTheLoggerGrpcUsesForConnections() throws Exception {
    String transport = Class.forName("io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport").getName();
    org.junit.jupiter.api.Assertions.assertEquals(transport + ".connections", TransportLog.TRANSPORT_LOGGER);
    TransportLog.install();
    org.junit.jupiter.api.Assertions.assertNotNull(
        java.util.logging.Logger.getLogger(TransportLog.TRANSPORT_LOGGER).getFilter());
  }
}
