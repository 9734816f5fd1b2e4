package dev.baton.coordinator.run;

import dev.baton.proto.v1.ErrorReason;
import com.google.protobuf.Timestamp;
import dev.baton.client.Times;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.dispatch.ReadyQueue;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.PageToken;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.Attempt;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListWavesRequest;
import dev.baton.proto.v1.ListRunsResponse;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs in the store: {@link ColumnFamily#RUNS} by id and {@link ColumnFamily#RUNS_BY_JOB} per job. Run ids are a
 * counter that continues from the highest id in the store, so they increase in creation order.
 */
public final class RunStore {
  public static final int DEFAULT_PAGE = 100;
  public static final int MAX_PAGE = 1000;
  /** A page stops after looking at this many runs, so a rare filter cannot make one request scan everything. */
  private static final int MAX_SCANNED_PER_PAGE = 100_000;
  private static final byte[] EMPTY = new byte[0];

  private final Store store;
  private final ReadyQueue readyQueue;
  private final RunEventHub events;
  private final Clock clock;
  private final AtomicLong lastId;
  private volatile WriteHook hook = (batch, before, after) -> {};

  public RunStore(Store store, ReadyQueue readyQueue, RunEventHub events, Clock clock) {
    this.store = store;
    this.readyQueue = readyQueue;
    this.events = events;
    this.clock = clock;
    this.lastId = new AtomicLong(store.lastKey(ColumnFamily.RUNS).map(Keys::runId).orElse(0L));
  }

  /** Adds a new run to {@code batch} (and to the ready queue if it is queued) and returns it. */
  /** Hears every run written, as part of the batch that writes it (so that what it adds is as durable). */
  public interface WriteHook {
    /** @param before the run as stored before; empty for a new run */
    void written(Batch batch, Optional<Run> before, Run after);
  }

  /** Sets the hook that hears every run written (the notifications' outbox). */
  public void onWrite(WriteHook hook) {
    this.hook = hook;
  }

  public Run add(Batch batch, NewRun spec) {
    long id = lastId.incrementAndGet();
    String runId = Long.toString(id);
    // One clock read: the attempt's queue time is also the run's place in the ready queue.
    Timestamp now = Times.toProto(clock.instant());
    Run.Builder run = Run.newBuilder()
        .setId(runId)
        .setJob(spec.job().getName())
        .setState(spec.state())
        .setStateReason(spec.stateReason())
        .setReason(spec.reason())
        .setScheduledTime(Times.toProto(spec.scheduledTime()))
        .setWaveId(spec.waveId().isEmpty() ? runId : spec.waveId())
        .setPriority(spec.job().getPriority())
        .setJobVersion(spec.job().getVersion())
        .setCreateTime(now)
        .setUpdateTime(now)
        .setMissedTicks(spec.missedTicks())
        .setRequestedBy(spec.requestedBy())
        .setCatchUp(spec.catchUp())
        .putAllParams(spec.params());
    if (spec.state() == RunState.RUN_STATE_QUEUED) {
      // A run never starts before its scheduled time: a tick decided ahead is queued at the tick, and the queue
      // holds it until then.
      Timestamp queued = Timestamps.compare(now, run.getScheduledTime()) >= 0 ? now : run.getScheduledTime();
      run.addAttempts(Attempt.newBuilder().setNumber(1).setQueueTime(queued));
    }
    Run built = run.build();
    batch.put(ColumnFamily.RUNS, Keys.run(id), built);
    batch.put(ColumnFamily.RUNS_BY_JOB, Keys.runOfJob(built.getJob(), id), EMPTY);
    batch.put(ColumnFamily.RUNS_BY_WAVE, Keys.runOfWave(Long.parseLong(built.getWaveId()), id), EMPTY);
    if (spec.state() == RunState.RUN_STATE_QUEUED) {
      readyQueue.add(batch, built);
    }
    hook.written(batch, Optional.empty(), built);
    batch.afterCommit(() -> events.publishRun(built, RunState.RUN_STATE_UNSPECIFIED));
    return built;
  }

  /** Writes a changed run as part of {@code batch}. */
  public void put(Batch batch, Run before, Run after) {
    batch.put(ColumnFamily.RUNS, Keys.run(Long.parseLong(after.getId())), after);
    hook.written(batch, Optional.of(before), after);
  }

  /**
   * Removes a run from the history as part of {@code batch}: the run, its places in the job's and the wave's indexes,
   * and its output. For runs at rest only (retention); the caller checks.
   */
  public void delete(Batch batch, Run run) {
    long id = Long.parseLong(run.getId());
    batch.delete(ColumnFamily.RUNS, Keys.run(id));
    batch.delete(ColumnFamily.RUNS_BY_JOB, Keys.runOfJob(run.getJob(), id));
    batch.delete(ColumnFamily.RUNS_BY_WAVE, Keys.runOfWave(Long.parseLong(run.getWaveId()), id));
    for (int attempt = 1; attempt <= run.getAttemptsCount(); attempt++) {
      store.scanPrefix(ColumnFamily.OUTPUT, Keys.outputPrefix(id, attempt), false, (key, value) -> {
        batch.delete(ColumnFamily.OUTPUT, key);
        return true;
      });
    }
  }

  /** The run with this id. NOT_FOUND if there is none. */
  public Run get(String id) {
    return find(id).orElseThrow(() -> runNotFound(id));
  }

  /** NOT_FOUND for a run id. */
  public static BatonException runNotFound(String id) {
    return BatonException.notFound(ErrorReason.ERROR_REASON_RUN_NOT_FOUND, "baton.v1.Run", id,
        "no run with id '" + id + "'");
  }

  public Optional<Run> find(String id) {
    long number;
    try {
      number = Long.parseLong(id);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return store.get(ColumnFamily.RUNS, Keys.run(number), Run.parser());
  }

  /** The most recent run of {@code job}. */
  public Optional<Run> latestOf(String job) {
    long[] latest = {-1};
    store.scanPrefix(ColumnFamily.RUNS_BY_JOB, Keys.runsOfJobPrefix(job), true, (key, value) -> {
      latest[0] = Keys.runIdOfJobKey(key);
      return false;
    });
    return latest[0] < 0 ? Optional.empty() : store.get(ColumnFamily.RUNS, Keys.run(latest[0]), Run.parser());
  }

  /** Every run of a wave, oldest first. */
  public List<Run> ofWave(String waveId) {
    List<Run> out = new ArrayList<>();
    long wave;
    try {
      wave = Long.parseLong(waveId);
    } catch (NumberFormatException e) {
      return out;
    }
    store.scanPrefix(ColumnFamily.RUNS_BY_WAVE, Keys.run(wave), false, (key, value) -> {
      store.get(ColumnFamily.RUNS, java.util.Arrays.copyOfRange(key, Long.BYTES, 2 * Long.BYTES), Run.parser())
          .ifPresent(out::add);
      return true;
    });
    return out;
  }

  /** The state of the job's most recent run that has ended for good, if any (for dependencies). */
  public Optional<RunState> latestFinishedStateOf(String job) {
    RunState[] found = {null};
    store.scanPrefix(ColumnFamily.RUNS_BY_JOB, Keys.runsOfJobPrefix(job), true, (key, value) -> {
      Optional<Run> run = store.get(ColumnFamily.RUNS, Keys.run(Keys.runIdOfJobKey(key)), Run.parser());
      if (run.isPresent() && finishedForGood(run.get())) {
        found[0] = run.get().getState();
        return false;
      }
      return true;
    });
    return Optional.ofNullable(found[0]);
  }

  /** Whether a run has ended and will not move again by itself (no retry pending, not waiting in the DLQ). */
  public static boolean finishedForGood(Run run) {
    return switch (run.getState()) {
      case RUN_STATE_SUCCEEDED, RUN_STATE_SKIPPED, RUN_STATE_CANCELLED -> true;
      case RUN_STATE_FAILED, RUN_STATE_TIMED_OUT -> !run.hasNextAttemptTime();
      default -> false;
    };
  }

  /**
   * Whether a run is at rest: finished for good, or dead-lettered (it moves again only if a person redrives it).
   * A watch of one run ends here.
   */
  public static boolean atRest(Run run) {
    return finishedForGood(run) || run.getState() == RunState.RUN_STATE_DEAD_LETTERED;
  }

  /** Runs newest first, filtered and paged. */
  public ListRunsResponse list(ListRunsRequest request) {
    int pageSize = PageToken.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE, "page_size");
    Set<RunState> states = request.getStatesCount() == 0 ? null : EnumSet.copyOf(request.getStatesList());
    return page(request, request.getJob(), pageSize, run -> matches(run, request, states));
  }

  /** The root runs of waves (runs that started their own wave) newest first, optionally of one job, paged. */
  public ListRunsResponse listRoots(ListWavesRequest request) {
    int pageSize = PageToken.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE, "page_size");
    return page(request, request.getRootJob(), pageSize, run -> run.getWaveId().equals(run.getId()));
  }

  /**
   * A page of runs newest first, of one job (or all when {@code job} is empty), that {@code keep} accepts; at most
   * {@link #MAX_SCANNED_PER_PAGE} runs are looked at per page, so a rare filter still answers promptly (with a
   * token for the rest).
   */
  private ListRunsResponse page(com.google.protobuf.Message request, String job, int pageSize,
      java.util.function.Predicate<Run> keep) {
    Optional<Long> before = PageToken.decode(request, Long.BYTES).map(Keys::runId);
    List<Run> page = new ArrayList<>();
    long[] lastSeen = {-1};
    int[] scanned = {0};
    boolean[] more = {false};

    Store.Visitor collect = (key, value) -> {
      long id = job.isEmpty() ? Keys.runId(key) : Keys.runIdOfJobKey(key);
      if (page.size() == pageSize || scanned[0] == MAX_SCANNED_PER_PAGE) {
        more[0] = true;
        return false;
      }
      scanned[0]++;
      lastSeen[0] = id;
      Run run = job.isEmpty()
          ? Store.parse(Run.parser(), value)
          : store.get(ColumnFamily.RUNS, Keys.run(id), Run.parser()).orElse(null);
      if (run != null && keep.test(run)) {
        page.add(run);
      }
      return true;
    };
    if (job.isEmpty()) {
      store.scan(ColumnFamily.RUNS, null, before.map(Keys::run).orElse(null), true, collect);
    } else {
      byte[] prefix = Keys.runsOfJobPrefix(job);
      byte[] upper = before.map(id -> Keys.runOfJob(job, id)).orElse(Keys.prefixEnd(prefix));
      store.scan(ColumnFamily.RUNS_BY_JOB, prefix, upper, true, collect);
    }
    ListRunsResponse.Builder response = ListRunsResponse.newBuilder().addAllRuns(page);
    if (more[0]) {
      response.setNextPageToken(PageToken.encode(request, Keys.run(lastSeen[0])));
    }
    return response.build();
  }

  private static boolean matches(Run run, ListRunsRequest request, Set<RunState> states) {
    if (states != null && !states.contains(run.getState())) {
      return false;
    }
    if (!request.getWaveId().isEmpty() && !request.getWaveId().equals(run.getWaveId())) {
      return false;
    }
    if (request.hasCreatedAfter() && Timestamps.compare(run.getCreateTime(), request.getCreatedAfter()) < 0) {
      return false;
    }
    return !request.hasCreatedBefore() || Timestamps.compare(run.getCreateTime(), request.getCreatedBefore()) < 0;
  }
}
