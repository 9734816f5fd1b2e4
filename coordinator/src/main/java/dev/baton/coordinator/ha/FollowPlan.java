package dev.baton.coordinator.ha;

import dev.baton.proto.v1.Era;
import dev.baton.proto.v1.History;
import java.util.List;

/**
 * How a standby catches up with the leader, decided from the two histories alone: by the leader's log from the
 * standby's next sequence number, when the standby's store is a prefix of the leader's; otherwise from a checkpoint.
 *
 * <p>A store's history lists the eras of the leaders that wrote it (epoch, first sequence number). Two stores that
 * share an era hold the same changes up to the end of that era in the shorter of them, because one leader wrote
 * them all. So the standby's store is a prefix of the leader's exactly when the leader's history has the standby's
 * last era, and the standby has nothing past where that era ends in the leader's store (a standby of a deposed
 * leader may have received changes its successor never got: those were never acknowledged, and the standby starts
 * again from a checkpoint).
 */
public sealed interface FollowPlan {
  /** Send the log from {@code from} on. */
  record Tail(long from) implements FollowPlan {}

  /** Send a checkpoint first; {@code why} is logged. */
  record Checkpoint(String why) implements FollowPlan {}

  static FollowPlan decide(History leader, long leaderLatest, History standby, long standbyLatest) {
    List<Era> standbyEras = standby.getErasList();
    if (standbyEras.isEmpty()) {
      return new Checkpoint("the standby's store has no history (new)");
    }
    Era last = standbyEras.get(standbyEras.size() - 1);
    List<Era> eras = leader.getErasList();
    int at = eras.indexOf(last);
    if (at < 0) {
      return new Checkpoint("the standby's last era (epoch " + last.getEpoch() + " from sequence "
          + last.getFirstSequence() + ") is not in the leader's history");
    }
    long eraEnd = at + 1 < eras.size() ? eras.get(at + 1).getFirstSequence() - 1 : leaderLatest;
    if (standbyLatest > eraEnd) {
      return new Checkpoint("the standby has changes of epoch " + last.getEpoch() + " past sequence " + eraEnd
          + " that the leader does not");
    }
    return new Tail(standbyLatest + 1);
  }
}
