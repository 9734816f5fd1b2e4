package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.client.Times;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.HaCluster;
import dev.baton.it.fixture.RunLog;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failover with real processes: etcd, three coordinators and two agents, each its own process. Whatever happens to
 * the leader, every write a client saw acknowledged is on the new leader, no run executes twice at once, each run
 * succeeds exactly once, and runs in flight are not killed by fencing.
 */
class FailoverTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int WRITERS = 8;

  @TempDir Path dir;

  /** What the writers saw acknowledged. */
  private final Queue<String> jobsAcknowledged = new ConcurrentLinkedQueue<>();
  private final Queue<String> runsAcknowledged = new ConcurrentLinkedQueue<>();
  private final AtomicInteger refused = new AtomicInteger();

  /** Eight clients creating jobs and triggering the logged job until told to stop. */
  private List<Future<?>> startWriters(ExecutorService pool, BatonClient client, AtomicBoolean stop) {
    List<Future<?>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      writers.add(pool.submit(() -> {
        for (int i = 0; !stop.get(); i++) {
          String name = "w" + writer + "-" + i;
          try {
            client.jobs().createJob(CreateJobRequest.newBuilder().setJob(Job.newBuilder().setName(name)
                .setCommand(Command.newBuilder().setShell("true"))).build());
            jobsAcknowledged.add(name);
            if (i % 4 == 0) {
              runsAcknowledged.add(client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName("work").build())
                  .getRun().getId());
            }
          } catch (StatusRuntimeException e) {
            refused.incrementAndGet(); // not acknowledged: nothing to check
          }
          sleepQuietly(Duration.ofMillis(50));
        }
      }));
    }
    return writers;
  }

  private static void sleepQuietly(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Every acknowledged job is on the leader; every acknowledged run succeeded, once, without overlap. A run may have
   * more than one attempt only if the others never executed: assigned by the old leader, which died before its agent
   * got the assignment, so the new leader gave it again.
   */
  private void assertNothingAcknowledgedIsLost(BatonClient client, RunLog log) {
    for (String job : jobsAcknowledged) {
      assertEquals(job, client.jobs().getJob(GetJobRequest.newBuilder().setName(job).build()).getName());
    }
    int reassigned = 0;
    for (String run : runsAcknowledged) {
      Run done = Runs.awaitSucceeded(client, run, WAIT);
      for (int attempt = 1; attempt < done.getAttemptsCount(); attempt++) {
        reassigned++;
        assertTrue(!log.started(run, attempt), "attempt " + attempt + " of run " + run + " executed and was "
            + "replaced: " + done);
      }
    }
    System.out.println(reassigned + " attempts assigned but never executed were given again");
    log.assertNoOverlapAndOneSuccessEach(List.copyOf(runsAcknowledged));
    System.out.println(jobsAcknowledged.size() + " jobs and " + runsAcknowledged.size()
        + " runs acknowledged, all on the leader; " + refused.get() + " calls refused");
  }

  @Test
  void killingTheLeaderUnderLoadLosesNothingAcknowledgedAndKillsNoRunningWork() throws Exception {
    RunLog log = new RunLog(dir.resolve("runs.log"));
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    try (HaCluster cluster = new HaCluster(dir, 3);
        BatonClient client = cluster.client()) {
      CoordinatorProcess leader = cluster.awaitLeader(WAIT);
      cluster.awaitInSync(leader, 2, WAIT);
      try (AgentProcess a1 = new AgentProcess(dir, "a1", "--slots", "8").start(cluster.targets());
          AgentProcess a2 = new AgentProcess(dir, "a2", "--slots", "8").start(cluster.targets())) {
        Runs.create(client, Job.newBuilder().setName("work").setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
            .setCommand(Command.newBuilder().setShell(log.command(Duration.ofSeconds(1)))));
        Runs.create(client, Job.newBuilder().setName("long").setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
            .setCommand(Command.newBuilder().setShell(log.command(Duration.ofSeconds(12)))));
        Runs.create(client, Job.newBuilder().setName("probe").setOverlap(OverlapPolicy.OVERLAP_POLICY_ALLOW)
            .setCommand(Command.newBuilder().setShell("true")));
        List<String> inFlight = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          inFlight.add(log.awaitExecuting(client, Runs.trigger(client, "long").getId(), WAIT).getId());
        }

        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> writers = startWriters(pool, client, stop);
        Thread.sleep(3_000); // writers at work
        Instant killed = Instant.now();
        leader.kill9();
        CoordinatorProcess next = cluster.awaitLeader(WAIT, leader);
        Duration elected = Duration.between(killed, Instant.now());
        Run probe = Runs.awaitSucceeded(client, Runs.trigger(client, "probe").getId(), WAIT);
        Duration dispatching = Duration.between(killed, Times.toInstant(probe.getAttempts(0).getStartTime()));
        System.out.println("failover: " + next.target() + " leads " + elected.toMillis() + " ms after the kill of "
            + leader.target() + "; its first run started " + dispatching.toMillis() + " ms after the kill");
        Thread.sleep(3_000); // writers go on against the new leader
        stop.set(true);
        for (Future<?> w : writers) {
          w.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        for (String run : inFlight) {
          Run done = Runs.awaitSucceeded(client, run, WAIT);
          assertEquals(1, done.getAttemptsCount(), "a run in flight during the failover ran on: " + done);
        }
        runsAcknowledged.addAll(inFlight);
        assertNothingAcknowledgedIsLost(client, log);
        assertTrue(dispatching.compareTo(Duration.ofSeconds(4)) <= 0,
            "a new leader dispatches within 4 s of the kill (lease TTL 3 s); took " + dispatching);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
