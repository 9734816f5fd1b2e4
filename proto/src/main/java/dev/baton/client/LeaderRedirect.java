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
    return errorInfo(failure).map(info -> info.getReason().equals(NO_LEADER)).orElse(false);
  }

  /** The leader's address a standby named in {@code failure}, if it is such an answer. */
  public static Optional<String> leaderOf(Throwable failure) {
    Status status = StatusProto.fromThrowable(failure);
    if (status == null || status.getCode() != com.google.rpc.Code.FAILED_PRECONDITION_VALUE) {
      return Optional.empty();
    }
    return errorInfo(failure).filter(info -> info.getReason().equals(NOT_LEADER))
        .map(info -> info.getMetadataOrDefault("leader", "")).filter(leader -> !leader.isEmpty());
  }

  /** The {@code ErrorInfo} a coordinator put in a failure's status, if any. */
  private static Optional<ErrorInfo> errorInfo(Throwable failure) {
    Status status = StatusProto.fromThrowable(failure);
    if (status == null) {
      return Optional.empty();
    }
    for (Any detail : status.getDetailsList()) {
      if (detail.is(ErrorInfo.class)) {
        try {
          return Optional.of(detail.unpack(ErrorInfo.class));
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
