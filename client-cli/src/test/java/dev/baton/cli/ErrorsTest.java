package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.io.IOException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
  private static final String TARGET = "127.0.0.1:7070";

  @Test
  void aPlaintextCallThatATlsServerDropsSaysSoWhicheverWayTheCloseArrives() {
    // A clean close (a quiet machine) and a reset that races the HTTP/2 preface (a loaded one).
    for (Status dropped : new Status[] {
        Status.UNAVAILABLE.withDescription("Network closed for unknown reason"),
        Status.UNAVAILABLE.withDescription("io exception").withCause(new IOException("Connection reset by peer")),
        Status.UNAVAILABLE.withDescription("io exception")
            .withCause(new IOException("wrapped", new IOException("Connection reset by peer")))}) {
      String line = Errors.describe(dropped.asRuntimeException(), TARGET);
      assertTrue(line.contains("probably serves TLS; pass --tls-ca"), line);
    }
  }

  @Test
  void nothingListeningIsCannotReach() {
    String line = Errors.describe(Status.UNAVAILABLE.withDescription("io exception")
        .withCause(new ConnectException("Connection refused")).asRuntimeException(), TARGET);
    assertTrue(line.startsWith("UNAVAILABLE: cannot reach the coordinator at " + TARGET), line);
  }
}
