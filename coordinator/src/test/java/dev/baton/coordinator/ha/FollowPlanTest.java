package dev.baton.coordinator.ha;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.baton.proto.v1.Era;
import dev.baton.proto.v1.History;
import org.junit.jupiter.api.Test;

class FollowPlanTest {
  private static History history(long... epochAndFirst) {
    History.Builder h = History.newBuilder();
    for (int i = 0; i < epochAndFirst.length; i += 2) {
      h.addEras(Era.newBuilder().setEpoch(epochAndFirst[i]).setFirstSequence(epochAndFirst[i + 1]));
    }
    return h.build();
  }

  @Test
  void aNewStandbyStartsFromACheckpoint() {
    assertInstanceOf(FollowPlan.Checkpoint.class, FollowPlan.decide(history(7, 1), 50, history(), 0));
  }

  @Test
  void aStandbyBehindInTheLeadersOwnEraTailsFromItsNextSequence() {
    assertEquals(new FollowPlan.Tail(31), FollowPlan.decide(history(7, 1), 50, history(7, 1), 30));
    assertEquals(new FollowPlan.Tail(51), FollowPlan.decide(history(7, 1), 50, history(7, 1), 50));
  }

  @Test
  void aStandbyOfThePreviousLeaderWithinWhatTheNewLeaderHadTails() {
    // Leader 9 took over at sequence 41 with everything of era 7 up to 40.
    assertEquals(new FollowPlan.Tail(39), FollowPlan.decide(history(7, 1, 9, 41), 60, history(7, 1), 38));
    assertEquals(new FollowPlan.Tail(41), FollowPlan.decide(history(7, 1, 9, 41), 60, history(7, 1), 40));
  }

  @Test
  void aStandbyWithChangesOfTheOldEraTheNewLeaderNeverGotStartsAgain() {
    assertInstanceOf(FollowPlan.Checkpoint.class, FollowPlan.decide(history(7, 1, 9, 41), 60, history(7, 1), 45));
  }

  @Test
  void aStandbyWhoseLastEraTheLeaderNeverHadStartsAgain() {
    // The standby was itself leader in epoch 8 (from 30) while the others went on with 7, then 9.
    assertInstanceOf(FollowPlan.Checkpoint.class,
        FollowPlan.decide(history(7, 1, 9, 41), 60, history(7, 1, 8, 30), 31));
  }

  @Test
  void aStandbyAheadOfTheLeaderInTheSameEraStartsAgain() {
    assertInstanceOf(FollowPlan.Checkpoint.class, FollowPlan.decide(history(7, 1), 50, history(7, 1), 51));
  }
}
