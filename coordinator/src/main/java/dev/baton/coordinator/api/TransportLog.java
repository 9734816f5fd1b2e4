package dev.baton.coordinator.api;

import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps grpc-java's transport log readable: a client that speaks HTTP/1.x to the gRPC port (curl, a browser, a
 * health checker set up for HTTP) is one warning line naming what it sent, not an INFO record with a 25-line Netty
 * stack trace. Other transport records pass unchanged.
 */
public final class TransportLog {
  /** grpc-java logs a connection's transport failure here, through java.util.logging. */
  static final String TRANSPORT_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.NettyServerTransport.connections";
  private static final org.slf4j.Logger log = LoggerFactory.getLogger(TransportLog.class);
  /** Held: java.util.logging keeps loggers only weakly, and a collected one would lose its filter. */
  private static final Logger TRANSPORT = Logger.getLogger(TRANSPORT_LOGGER);

  private TransportLog() {}

  /** Installs the filter (once per process; calling again changes nothing). */
  public static void install() {
    TRANSPORT.setFilter(TransportLog::keep);
  }

  /** Whether a transport record is logged as it is; an HTTP/1.x request is logged here in one line instead. */
  static boolean keep(LogRecord record) {
    for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      int at = message.indexOf("HTTP/1.x request");
      if (at >= 0) {
        log.warn("refused a request that is not gRPC ({}): this port serves gRPC over HTTP/2 only; use the baton "
            + "CLI or a gRPC client", message.substring(at).trim());
        return false;
      }
    }
    return true;
  }
}
