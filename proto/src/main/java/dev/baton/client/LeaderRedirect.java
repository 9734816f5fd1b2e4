package dev.baton.client;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.Status;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Following the leader in HA mode: a standby coordinator answers {@code FAILED_PRECONDITION} with reason
 * {@code NOT_LEADER} and the leader's address in the {@code ErrorInfo} metadata ({@code leader}); agents and clients
 * ask that address instead.
 */
public final class LeaderRedirect {
  /** The reason a standby answers with. */
  public static final String NOT_LEADER = "NOT_LEADER";

  private LeaderRedirect() {}

  /** The reason a coordinator answers with while no leader is elected. */
  public static final String NO_LEADER = "NO_LEADER";

  /** Whether {@code failure} says that no leader is elected right now (an election is under way). */
  public static boolean noLeader(Throwable failure) {
    Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return false;
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return detail.unpack(ErrorInfo.class).getReason().equals(NO_LEADER);
        } catch (InvalidProtocolBufferException e) {
          return false;
        }
      }
    }
    return false;
  }

  /** The leader's address a standby named in {@code failure}, if it is such an answer. */
  public static Optional<String> leaderOf(Throwable failure) {
    Status status = StatusProto.fromThrowable(failure);
    if (status == null || status.getCode() != com.google.rpc.Code.FAILED_PRECONDITION_VALUE) {
      return Optional.empty();
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          ErrorInfo info = detail.unpack(ErrorInfo.class);
          if (info.getReason().equals(NOT_LEADER) && !info.getMetadataOrDefault("leader", "").isEmpty()) {
            return Optional.of(info.getMetadataOrThrow("leader"));
          }
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  /** {@code host:port[,host:port...]} as a list; at least one. */
  public static List<String> targets(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String part : commaSeparated.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no coordinator address in '" + commaSeparated + "'");
    }
    return out;
  }
}
