package dev.baton.client;

import com.google.protobuf.Timestamp;
import java.time.Instant;

/** Conversions between {@link Instant} and the API's {@link Timestamp}, keeping every nanosecond. */
public final class Times {
  private Times() {}

  public static Timestamp toProto(Instant instant) {
    return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
  }

  public static Instant toInstant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
