package dev.baton.coordinator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.proto.v1.MisfirePolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TickPlannerTest {
  private static final Duration GRACE = Duration.ofSeconds(60);
  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

  private static Schedule everyMinute() throws ScheduleException {
    return ScheduleParser.parse("* * * * *", ZoneOffset.UTC, T0);
  }

  private static Instant t(int minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  @Test
  void anOnTimeTickMakesOneRunAndMovesToTheNext() throws Exception {
    TickPlan plan = TickPlanner.plan(everyMinute(), t(0), t(0).plusMillis(3), MisfirePolicy.MISFIRE_POLICY_RUN_ONCE,
        100, GRACE);
    assertEquals(List.of(t(0)), plan.runTimes());
    assertEquals(0, plan.foldedTicks());
    assertEquals(0, plan.skippedTicks());
    assertEquals(Optional.of(t(1)), plan.nextFire());
  }

  @Test
  void runOnceFoldsEveryMissedTickIntoOneRun() throws Exception {
    TickPlan plan = TickPlanner.plan(everyMinute(), t(0), t(10).plusSeconds(5),
        MisfirePolicy.MISFIRE_POLICY_RUN_ONCE, 100, GRACE);
    assertEquals(List.of(t(10)), plan.runTimes());
    assertEquals(10, plan.foldedTicks());
    assertEquals(Optional.of(t(11)), plan.nextFire());
  }

  @Test
  void skipRecordsMissedTicksAndRunsOnlyAnOnTimeOne() throws Exception {
    TickPlan onTime = TickPlanner.plan(everyMinute(), t(0), t(10).plusSeconds(5), MisfirePolicy.MISFIRE_POLICY_SKIP,
        100, GRACE);
    assertEquals(List.of(t(10)), onTime.runTimes());
    assertEquals(10, onTime.skippedTicks());
    assertEquals(Optional.of(t(9)), onTime.lastSkipped());

    // With a 30 s grace, a tick processed 45 s late was missed too.
    TickPlan late = TickPlanner.plan(everyMinute(), t(0), t(10).plusSeconds(45),
        MisfirePolicy.MISFIRE_POLICY_SKIP, 100, Duration.ofSeconds(30));
    assertTrue(late.runTimes().isEmpty());
    assertEquals(11, late.skippedTicks());
  }

  @Test
  void runAllMakesOneRunPerMissedTickUpToTheCap() throws Exception {
    TickPlan all = TickPlanner.plan(everyMinute(), t(0), t(9).plusSeconds(1), MisfirePolicy.MISFIRE_POLICY_RUN_ALL,
        100, GRACE);
    assertEquals(10, all.runTimes().size());
    assertEquals(t(0), all.runTimes().get(0));
    assertEquals(0, all.skippedTicks());

    TickPlan capped = TickPlanner.plan(everyMinute(), t(0), t(9).plusSeconds(1),
        MisfirePolicy.MISFIRE_POLICY_RUN_ALL, 3, GRACE);
    assertEquals(List.of(t(7), t(8), t(9)), capped.runTimes());
    assertEquals(7, capped.skippedTicks());
    assertFalse(capped.countCapped());
  }

  @Test
  void aOneTimeScheduleHasNoNextFire() throws Exception {
    Schedule once = ScheduleParser.parse("at 2026-11-22 10:00", ZoneOffset.UTC, T0);
    TickPlan plan = TickPlanner.plan(once, t(0), t(0), MisfirePolicy.MISFIRE_POLICY_RUN_ONCE, 100, GRACE);
    assertEquals(List.of(t(0)), plan.runTimes());
    assertEquals(Optional.empty(), plan.nextFire());
  }

  @Test
  void countingStopsAtTheCapAndSaysSo() throws Exception {
    Schedule everySecond = ScheduleParser.parse("every 1s", ZoneOffset.UTC, T0);
    TickPlan plan = TickPlanner.plan(everySecond, T0, T0.plus(Duration.ofDays(30)),
        MisfirePolicy.MISFIRE_POLICY_RUN_ONCE, 100, GRACE);
    assertTrue(plan.countCapped());
    assertEquals(TickPlanner.MAX_COUNTED - 1, plan.foldedTicks());
    assertEquals(Optional.of(T0.plus(Duration.ofDays(30)).plusSeconds(1)), plan.nextFire());
  }
}
