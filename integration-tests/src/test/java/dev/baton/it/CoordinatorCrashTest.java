package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.TriggerJobRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A coordinator JVM killed with SIGKILL while clients create jobs and trigger runs loses nothing it acknowledged:
 * every acknowledged job and run is there after a restart.
 */
class CoordinatorCrashTest {
  private static final int CLIENTS = 8;
  private static final int ACKS_BEFORE_KILL = 3000;

  @TempDir Path work;

  @Test
  void killNineLosesNoAcknowledgedJobOrRun() throws Exception {
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work).start()) {
      Queue<String> ackedJobs = new ConcurrentLinkedQueue<>();
      Queue<String> ackedRuns = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        for (int c = 0; c < CLIENTS; c++) {
          int id = c;
          clients.submit(() -> {
            for (int i = 0; !stop.get(); i++) {
              String name = "c" + id + "-job-" + i;
              try {
                client.jobs().createJob(CreateJobRequest.newBuilder().setJob(job(name, i)).build());
                ackedJobs.add(name);
                if (i % 4 == 0) {
                  Run run = client.jobs().triggerJob(TriggerJobRequest.newBuilder().setName(name).build()).getRun();
                  ackedRuns.add(run.getId());
                }
              } catch (RuntimeException e) {
                return; // the coordinator is gone: whatever was in flight has no acknowledgement
              }
            }
          });
        }
        Deadline.await(Duration.ofSeconds(90), ACKS_BEFORE_KILL + " acknowledged creates",
            () -> ackedJobs.size() >= ACKS_BEFORE_KILL);
        // Kill while the clients are still writing.
        coordinator.kill9();
        stop.set(true);
        clients.shutdown();
        assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));
      }

      coordinator.start();
      assertEquals(2, coordinator.epoch());
      try (BatonClient client = BatonClient.connect(coordinator.target())) {
        Set<String> stored = new HashSet<>();
        String token = "";
        do {
          ListJobsResponse page = client.jobs().listJobs(
              ListJobsRequest.newBuilder().setPageSize(1000).setPageToken(token).build());
          page.getJobsList().forEach(j -> stored.add(j.getName()));
          token = page.getNextPageToken();
        } while (!token.isEmpty());

        List<String> lost = new ArrayList<>();
        for (String name : ackedJobs) {
          if (!stored.contains(name)) {
            lost.add(name);
          }
        }
        assertEquals(List.of(), lost, "acknowledged jobs lost: " + lost.size() + " of " + ackedJobs.size());
        for (String runId : ackedRuns) {
          Run run = client.runs().getRun(GetRunRequest.newBuilder().setId(runId).build());
          assertEquals(RunState.RUN_STATE_QUEUED, run.getState());
        }
        System.out.printf("acknowledged %d jobs and %d runs before kill -9; all present after restart%n",
            ackedJobs.size(), ackedRuns.size());
      }
    }
  }

  private static Job job(String name, int i) {
    // Overlap allowed: these jobs are scheduled and triggered, and a tick on the wall clock must not make a trigger
    // refused (FORBID) and end a client early.
    Job.Builder job = Job.newBuilder().setName(name).setOverlap(dev.baton.proto.v1.OverlapPolicy.OVERLAP_POLICY_ALLOW);
    if (i % 2 == 0) {
      job.setSchedule("*/10 * * * *").setCommand(Command.newBuilder().setShell("echo " + name));
    } else {
      job.setSchedule("every 5 minutes").setCommand(Command.newBuilder().setArgv(
          Argv.newBuilder().addArgs("/bin/echo").addArgs(name)));
    }
    return job.build();
  }
}
