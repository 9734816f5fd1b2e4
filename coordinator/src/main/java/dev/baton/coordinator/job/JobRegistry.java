package dev.baton.coordinator.job;

import dev.baton.proto.v1.BackfillJobResponse;
import dev.baton.proto.v1.ErrorReason;
import com.google.common.util.concurrent.Striped;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.FieldMask;
import com.google.protobuf.WireFormat;
import com.google.protobuf.Timestamp;
import dev.baton.client.Times;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.Violations;
import dev.baton.coordinator.request.AnswerRecorder;
import dev.baton.coordinator.run.ActiveRuns;
import dev.baton.coordinator.run.BackfillQueue;
import dev.baton.coordinator.run.NewRun;
import dev.baton.coordinator.run.OverlapRules;
import dev.baton.coordinator.run.RunStore;
import dev.baton.coordinator.schedule.CompiledSchedules;
import dev.baton.coordinator.schedule.NextFireIndex;
import dev.baton.coordinator.schedule.TickPlan;
import dev.baton.coordinator.schedule.TickPlanner;
import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.PageToken;
import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.store.StoreException;
import dev.baton.coordinator.wave.DependencyGraph;
import dev.baton.coordinator.wave.WaveRules;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListJobsResponse;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunReason;
import dev.baton.proto.v1.RunState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * The jobs: their definitions in {@link ColumnFamily#JOBS}, their next ticks in {@link ColumnFamily#SCHEDULE}, and
 * the in-memory indexes rebuilt from those at start (the dependency graph, the next-fire index, the count).
 *
 * <p>Locking: a change to one job holds that job's striped lock, so changes to different jobs commit concurrently
 * and RocksDB groups their synced writes. Changes that must see every job at once (updates, whose new dependencies
 * may close a cycle; deletes, which must know every dependent) hold {@link #graphLock} exclusively; everything
 * else holds it shared.
 */
public final class JobRegistry {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JobRegistry.class);
  public static final int DEFAULT_PAGE = 100;
  public static final int MAX_PAGE = 1000;
  public static final int MAX_BACKFILL = 10_000;
  /** Most due ticks committed in one synced write. */
  static final int TICK_BATCH = 1_000;
  /**
   * How long before its time a tick may be decided and its run written, QUEUED but held until the tick: a tick then
   * costs its job nothing at its time, however many jobs share that second (see {@link #fireDue}).
   */
  public static final Duration TICK_LEAD = Duration.ofSeconds(1);
  /** Resource types in error details. */
  private static final String JOB_TYPE = "baton.v1.Job";
  private static final String RUN_TYPE = "baton.v1.Run";
  /** ErrorInfo metadata: the request fields an error's message names (clients may show them their own way). */
  private static final String FIELDS = "fields";
  private static final byte[] EMPTY = new byte[0];
  /** Settable fields an update mask may name; message fields are replaced whole. */
  private static final Set<String> UPDATABLE = Set.of(
      "description", "labels", "enabled", "schedule", "timezone", "command", "env", "working_dir", "priority",
      "dependencies", "retry", "timeout", "kill_grace", "overlap", "misfire", "max_catchup", "start_deadline",
      "selector", "slots", "on_disconnect", "max_lost_attempts", "run_as");

  private final Store store;
  private final RunStore runs;
  private final Clock clock;
  private final Duration misfireGrace;
  private final Runnable scheduleChanged;
  private final CompiledSchedules schedules = new CompiledSchedules();
  private final NextFireIndex fireIndex = new NextFireIndex();
  private final DependencyGraph graph = new DependencyGraph();
  private final ReadWriteLock graphLock = new ReentrantReadWriteLock();
  private final Striped<Lock> jobLocks = Striped.lock(1024);
  private final AtomicLong count = new AtomicLong();
  /** Names of the jobs that have a start deadline: dispatch checks their queued runs once a second. */
  private final Set<String> withStartDeadline = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private final ActiveRuns active;
  private final BackfillQueue backfills;
  /** Cancels a run (the dispatcher's), for REPLACE; set once the dispatcher exists. */
  private volatile BiFunction<String, String, CompletableFuture<Run>> canceller =
      (id, why) -> CompletableFuture.failedFuture(new IllegalStateException("no dispatcher"));

  /**
   * @param misfireGrace how late a tick may be processed and still count as on time
   * @param scheduleChanged called after a commit that may have moved the earliest next fire time earlier
   */
  public JobRegistry(Store store, RunStore runs, ActiveRuns active, BackfillQueue backfills, Clock clock,
      Duration misfireGrace, Runnable scheduleChanged) {
    this.active = active;
    this.backfills = backfills;
    this.store = store;
    this.runs = runs;
    this.clock = clock;
    this.misfireGrace = misfireGrace;
    this.scheduleChanged = scheduleChanged;
  }

  /** Rebuilds the in-memory indexes from the store. Call once, before serving. */
  public void load() {
    store.scan(ColumnFamily.JOBS, null, null, false, (key, value) -> {
      count.incrementAndGet();
      IndexedFields job = indexedFieldsOf(value);
      if (!job.dependencies().isEmpty()) {
        graph.setDependencies(job.name(), job.dependencies());
      }
      if (job.startDeadline()) {
        withStartDeadline.add(job.name());
      }
      return true;
    });
    store.scan(ColumnFamily.SCHEDULE, null, null, false, (key, value) -> {
      fireIndex.put(Keys.scheduleJob(key), Keys.scheduleTime(key));
      return true;
    });
  }

  /** What the in-memory indexes need of a stored job. */
  private record IndexedFields(String name, List<String> dependencies, boolean startDeadline) {}

  /**
   * Reads only the fields the indexes use from a stored job, skipping the rest unparsed and allocating nothing for
   * them: at a start with a million jobs, parsing whole definitions (or copying fields into a new message) costs
   * seconds, most of it in the garbage it makes.
   */
  private static IndexedFields indexedFieldsOf(byte[] job) {
    try {
      CodedInputStream in = CodedInputStream.newInstance(job);
      String name = "";
      List<String> dependencies = List.of();
      boolean startDeadline = false;
      for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
        switch (WireFormat.getTagFieldNumber(tag)) {
          case Job.NAME_FIELD_NUMBER -> name = in.readStringRequireUtf8();
          case Job.DEPENDENCIES_FIELD_NUMBER -> {
            if (dependencies.isEmpty()) {
              dependencies = new ArrayList<>();
            }
            dependencies.add(in.readStringRequireUtf8());
          }
          case Job.START_DEADLINE_FIELD_NUMBER -> {
            com.google.protobuf.Duration deadline = com.google.protobuf.Duration.parseFrom(in.readBytes());
            startDeadline = deadline.getSeconds() != 0 || deadline.getNanos() != 0;
          }
          default -> in.skipField(tag);
        }
      }
      return new IndexedFields(name, dependencies, startDeadline);
    } catch (java.io.IOException e) {
      throw new StoreException("corrupt job in the store: " + e.getMessage(), e);
    }
  }

  private void noteStartDeadline(Job job) {
    var deadline = job.getStartDeadline();
    if (job.hasStartDeadline() && (deadline.getSeconds() != 0 || deadline.getNanos() != 0)) {
      withStartDeadline.add(job.getName());
    } else {
      withStartDeadline.remove(job.getName());
    }
  }

  /** Whether the job has a start deadline (a cheap in-memory check, for dispatch's sweep of the queue). */
  public boolean hasStartDeadline(String job) {
    return withStartDeadline.contains(job);
  }

  /** Whether any job has a start deadline. */
  public boolean anyStartDeadline() {
    return !withStartDeadline.isEmpty();
  }

  /** How REPLACE cancels the runs it replaces. */
  public void canceller(BiFunction<String, String, CompletableFuture<Run>> cancel) {
    this.canceller = cancel;
  }

  /** The dependency edges between jobs (thread-safe for reads). */
  public DependencyGraph graph() {
    return graph;
  }

  /** Jobs defined. */
  public long count() {
    return count.get();
  }

  /**
   * When the ticker must look again after {@link #fireDue} at {@code now}: at the tick of a job left to its time
   * (one whose decision could still change), or {@link #TICK_LEAD} before the first tick beyond this look's reach.
   */
  public Optional<Instant> nextLook(Instant now) {
    Optional<Instant> leftToItsTime = fireIndex.firstAfter(now);
    Optional<Instant> nextToDecide = fireIndex.firstAfter(now.plus(TICK_LEAD)).map(t -> t.minus(TICK_LEAD));
    return Stream.of(leftToItsTime, nextToDecide).flatMap(Optional::stream).min(Instant::compareTo);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reads

  /** The job with its output fields. NOT_FOUND if there is none. */
  public Job get(String name) {
    return find(name).map(this::withStatus).orElseThrow(() -> notFound(name));
  }

  /** The stored definition of a job, without the derived status fields; empty if there is none. */
  public Optional<Job> find(String name) {
    return store.get(ColumnFamily.JOBS, Keys.job(name), Job.parser());
  }

  /** The name of every job, in name order (a scan of keys only). */
  public List<String> names() {
    List<String> names = new ArrayList<>();
    store.scan(ColumnFamily.JOBS, null, null, false, (key, value) -> {
      names.add(new String(key, java.nio.charset.StandardCharsets.UTF_8));
      return true;
    });
    return names;
  }

  /** Jobs in name order, filtered and paged. */
  public ListJobsResponse list(ListJobsRequest request) {
    int pageSize = PageToken.pageSize(request.getPageSize(), DEFAULT_PAGE, MAX_PAGE, "page_size");
    byte[] prefix = Keys.job(request.getNamePrefix());
    byte[] from = PageToken.decode(request)
        .map(last -> java.util.Arrays.copyOf(last, last.length + 1)) // the key right after the last one returned
        .orElse(prefix);
    byte[] to = prefix.length == 0 ? null : Keys.prefixEnd(prefix);
    List<Job> page = new ArrayList<>();
    byte[][] lastKey = {null};
    boolean[] more = {false};
    store.scan(ColumnFamily.JOBS, from, to, false, (key, value) -> {
      if (page.size() == pageSize) {
        more[0] = true;
        return false;
      }
      Job job = Store.parse(Job.parser(), value);
      if (matches(job, request)) {
        page.add(withStatus(job));
        lastKey[0] = key;
      }
      return true;
    });
    ListJobsResponse.Builder response = ListJobsResponse.newBuilder().addAllJobs(page);
    if (more[0]) {
      response.setNextPageToken(PageToken.encode(request, lastKey[0]));
    }
    return response.build();
  }

  private static boolean matches(Job job, ListJobsRequest request) {
    for (Map.Entry<String, String> label : request.getLabelsMap().entrySet()) {
      if (!label.getValue().equals(job.getLabelsMap().get(label.getKey()))) {
        return false;
      }
    }
    if (request.hasEnabled() && request.getEnabled() != job.getEnabled()) {
      return false;
    }
    return request.getPriority() == Priority.PRIORITY_UNSPECIFIED || request.getPriority() == job.getPriority();
  }

  /** Adds the fields derived from other state: the next fire time and the latest run. */
  private Job withStatus(Job stored) {
    Job.Builder job = stored.toBuilder();
    fireIndex.nextFireOf(stored.getName()).ifPresent(t -> job.setNextFireTime(timestamp(t)));
    runs.latestOf(stored.getName()).ifPresent(run -> job.setLastRunId(run.getId()).setLastRunState(run.getState()));
    return job.build();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Changes

  /** Creates a job. ALREADY_EXISTS, or INVALID_ARGUMENT for bad fields and unknown dependencies. */
  public Job create(Job requested) {
    return create(requested, false);
  }

  /** As {@link #create(Job)}; with {@code validateOnly}, checks it and returns it as it would be, creating nothing. */
  public Job create(Job requested, boolean validateOnly) {
    return create(requested, validateOnly, AnswerRecorder.NONE);
  }

  /** As {@link #create(Job, boolean)}, recording the answer with the job ({@code recorder} is not called on a dry run). */
  public Job create(Job requested, boolean validateOnly, AnswerRecorder recorder) {
    Instant now = clock.instant();
    Job job = JobValidator.normalize(requested, now);
    checkOneTimeAhead(job, now);
    return underSharedLock(job.getName(), () -> {
      if (store.contains(ColumnFamily.JOBS, Keys.job(job.getName()))) {
        throw BatonException.alreadyExists(ErrorReason.ERROR_REASON_JOB_EXISTS, JOB_TYPE, job.getName(),
            "job '" + job.getName() + "' already exists");
      }
      checkDependenciesExist(job);
      Job stored = job.toBuilder().setVersion(1).setCreateTime(timestamp(now)).setUpdateTime(timestamp(now)).build();
      Optional<Instant> firstFire = firstFire(stored, now);
      Job.Builder created = stored.toBuilder();
      firstFire.ifPresent(t -> created.setNextFireTime(timestamp(t)));
      if (validateOnly) {
        return created.build();
      }
      try (Batch batch = store.batch()) {
        batch.put(ColumnFamily.JOBS, Keys.job(stored.getName()), stored);
        moveSchedule(batch, stored.getName(), Optional.empty(), firstFire);
        batch.afterCommit(() -> {
          graph.setDependencies(stored.getName(), stored.getDependenciesList());
          noteStartDeadline(stored);
          count.incrementAndGet();
        });
        recorder.record(batch, created.build());
        store.commit(batch);
      }
      return created.build();
    });
  }

  /**
   * Changes the fields of {@code requested} that {@code mask} names (all settable fields if it is empty).
   * NOT_FOUND, ABORTED for a stale version, INVALID_ARGUMENT as for create and for a dependency cycle.
   */
  public Job update(Job requested, FieldMask mask) {
    return update(requested, mask, false);
  }

  /**
   * As {@link #update(Job, FieldMask)}; with {@code validateOnly}, checks it and returns the job as it would be
   * after the update, changing nothing.
   */
  public Job update(Job requested, FieldMask mask, boolean validateOnly) {
    Instant now = clock.instant();
    String name = requested.getName();
    Violations v = new Violations();
    for (String path : mask.getPathsList()) {
      v.check(UPDATABLE.contains(path), "update_mask", "'" + path + "' cannot be updated; allowed: "
          + String.join(", ", UPDATABLE.stream().sorted().toList()));
    }
    v.throwIfAny();
    return underExclusiveLock(() -> {
      Job current = find(name).orElseThrow(() -> notFound(name));
      if (requested.getVersion() != 0 && requested.getVersion() != current.getVersion()) {
        throw BatonException.aborted(ErrorReason.ERROR_REASON_STALE_VERSION, "job '" + name + "' is at version "
            + current.getVersion() + ", not " + requested.getVersion()
            + ": it changed since it was read; read it again and retry")
            .concerning(JOB_TYPE, name).with("current_version", Long.toString(current.getVersion()));
      }
      Job job = JobValidator.normalize(merge(current, requested, mask), now);
      if (job.getSchedule().equals(current.getSchedule()) && job.getTimezone().equals(current.getTimezone())) {
        // The same text keeps its resolution: "in 10 minutes" applied again is not another ten minutes from now,
        // and a job read and applied back (get -o yaml | apply) does what it did.
        job = job.toBuilder().setResolvedSchedule(current.getResolvedSchedule()).build();
      } else {
        checkOneTimeAhead(job, now);
      }
      checkDependenciesExist(job);
      graph.cycleIf(name, job.getDependenciesList()).ifPresent(cycle -> {
        throw BatonException.invalid("job.dependencies", "dependency cycle: " + DependencyGraph.describe(cycle));
      });
      Job.Builder updated = job.toBuilder()
          .setVersion(current.getVersion() + 1)
          .setCreateTime(current.getCreateTime())
          .setUpdateTime(timestamp(now));
      if (validateOnly) {
        Job.Builder shown = wouldBe(current, updated, now).toBuilder();
        runs.latestOf(name).ifPresent(run -> shown.setLastRunId(run.getId()).setLastRunState(run.getState()));
        return shown.build();
      }
      Job stored;
      try (Batch batch = store.batch()) {
        stored = putMovingSchedule(batch, current, updated, now);
        batch.afterCommit(() -> {
          graph.setDependencies(name, stored.getDependenciesList());
          noteStartDeadline(stored);
        });
        store.commit(batch);
      }
      return withStatus(stored);
    });
  }

  /**
   * Writes {@code next} over {@code current} in {@code batch} and moves the job's schedule to match: the one place a
   * job is paused or resumed, whether by PauseJob/ResumeJob or by an update of {@code enabled} (UpdateJob, apply).
   * A pause records the tick it stopped at ({@code paused_fire_time}); a resume with the schedule unchanged works
   * out the ticks missed meanwhile by the misfire policy; a changed schedule starts afresh from now (a paused job's
   * missed ticks then count from the new schedule's first tick).
   *
   * @return the job as stored
   */
  private Job putMovingSchedule(Batch batch, Job current, Job.Builder next, Instant now) {
    String name = current.getName();
    Optional<Instant> scheduled = fireIndex.nextFireOf(name);
    Job proposed = next.clearPausedFireTime().build();
    List<Run> ahead = withdrawnTicks(current, proposed, now);
    ScheduleMove move = scheduleMove(current, proposed, standingTick(scheduled, ahead), now);
    move.pausedAt().ifPresent(t -> next.setPausedFireTime(timestamp(t)));
    Job stored = next.build();
    batch.put(ColumnFamily.JOBS, Keys.job(name), stored);
    Optional<Instant> nextFire = move.catchUpFrom().isPresent()
        ? addTickRuns(batch, stored, move.catchUpFrom().get(), now, new ArrayList<>())
        : move.nextFire();
    if (!nextFire.equals(scheduled)) {
      moveSchedule(batch, name, scheduled, nextFire);
    }
    if (!ahead.isEmpty()) {
      String why = "withdrawn before its tick: " + (stored.getEnabled() ? "the job's schedule changed"
          : "the job was paused");
      List<Long> ids = ahead.stream().map(run -> Long.parseLong(run.getId())).toList();
      batch.afterCommit(() -> cancelAll(ids, why));
    }
    return stored;
  }

  /**
   * The runs of ticks decided ahead ({@link #fireDue}) that a change from {@code current} to {@code next} withdraws:
   * they belong to the schedule they were decided by, so a pause or a schedule change before their time cancels
   * them, and the schedule stands again at the first of their ticks ({@link #standingTick}) as if it had not come.
   */
  private List<Run> withdrawnTicks(Job current, Job next, Instant now) {
    if (!current.getEnabled() || (next.getEnabled() && sameSchedule(current, next))) {
      return List.of();
    }
    List<Run> ahead = new ArrayList<>();
    for (long id : active.of(current.getName())) {
      runs.find(Long.toString(id))
          .filter(run -> run.getState() == RunState.RUN_STATE_QUEUED && run.getReason() == RunReason.RUN_REASON_SCHEDULE
              && Times.toInstant(run.getScheduledTime()).isAfter(now))
          .ifPresent(ahead::add);
    }
    return ahead;
  }

  /** The job's next tick as if the withdrawn ticks had not been decided yet. */
  private static Optional<Instant> standingTick(Optional<Instant> scheduled, List<Run> withdrawn) {
    return Stream.concat(scheduled.stream(), withdrawn.stream().map(run -> Times.toInstant(run.getScheduledTime())))
        .min(Instant::compareTo);
  }

  /**
   * What an update would store and show, without writing: the version, the paused tick, the next fire time as
   * {@link #putMovingSchedule} would set them (the runs a resume would catch up are not made).
   */
  private Job wouldBe(Job current, Job.Builder next, Instant now) {
    Job proposed = next.clearPausedFireTime().clearNextFireTime().build();
    ScheduleMove move = scheduleMove(current, proposed,
        standingTick(fireIndex.nextFireOf(current.getName()), withdrawnTicks(current, proposed, now)), now);
    move.pausedAt().ifPresent(t -> next.setPausedFireTime(timestamp(t)));
    // After a catch-up, the next tick is the first one after now.
    move.nextFire().or(() -> move.catchUpFrom().flatMap(from -> firstTick(next.build(), now)))
        .ifPresent(t -> next.setNextFireTime(timestamp(t)));
    return next.build();
  }

  /**
   * How a change from one version of a job to the next moves its schedule; the one decision behind
   * {@link #putMovingSchedule} and {@link #wouldBe}.
   *
   * @param pausedAt the tick a paused job stopped at, counted from on resume
   * @param nextFire the job's next tick, when no catch-up decides it
   * @param catchUpFrom the first missed tick of a resume with the schedule unchanged, for the misfire policy
   */
  private record ScheduleMove(Optional<Instant> pausedAt, Optional<Instant> nextFire,
      Optional<Instant> catchUpFrom) {}

  /** @param scheduled the job's next tick as it stands (after {@link #standingTick}) */
  private ScheduleMove scheduleMove(Job current, Job next, Optional<Instant> scheduled, Instant now) {
    boolean sameSchedule = sameSchedule(current, next);
    if (!next.getEnabled()) {
      Optional<Instant> stoppedAt = current.getEnabled() ? scheduled
          : sameSchedule && current.hasPausedFireTime() ? Optional.of(Times.toInstant(current.getPausedFireTime()))
          : firstTick(next, now);
      return new ScheduleMove(stoppedAt, Optional.empty(), Optional.empty());
    }
    if (current.getEnabled() && sameSchedule) {
      return new ScheduleMove(Optional.empty(), scheduled, Optional.empty());
    }
    if (!current.getEnabled() && sameSchedule && current.hasPausedFireTime()) {
      Instant missedFrom = Times.toInstant(current.getPausedFireTime());
      return missedFrom.isAfter(now) || !next.hasResolvedSchedule()
          ? new ScheduleMove(Optional.empty(), Optional.of(missedFrom), Optional.empty())
          : new ScheduleMove(Optional.empty(), Optional.empty(), Optional.of(missedFrom));
    }
    return new ScheduleMove(Optional.empty(), firstTick(next, now), Optional.empty());
  }

  /** The first tick of the job's schedule after {@code now}, whether or not it is paused. */
  private Optional<Instant> firstTick(Job job, Instant now) {
    return job.hasResolvedSchedule() ? schedules.of(job.getResolvedSchedule()).nextFireAfter(now) : Optional.empty();
  }

  /**
   * A one-time schedule being set must still be ahead: one in the past would never fire as written. (A job whose
   * one-time tick has passed can still be updated otherwise: its schedule is not being set then.)
   */
  private static void checkOneTimeAhead(Job job, Instant now) {
    if (job.hasResolvedSchedule()
        && job.getResolvedSchedule().getKind() == dev.baton.proto.v1.ScheduleKind.SCHEDULE_KIND_ONE_TIME
        && Times.toInstant(job.getResolvedSchedule().getInstant()).isBefore(now)) {
      throw BatonException.invalid("job.schedule", "'" + job.getSchedule() + "' is "
          + Times.toInstant(job.getResolvedSchedule().getInstant()) + ", in the past; a one-time schedule must be "
          + "ahead (trigger the job to run it now)");
    }
  }

  /** The current job with the masked fields taken from the request; an empty mask replaces all settable fields. */
  private static Job merge(Job current, Job requested, FieldMask mask) {
    if (mask.getPathsCount() == 0) {
      Job.Builder replaced = requested.toBuilder().setName(current.getName());
      if (!requested.hasEnabled()) {
        replaced.setEnabled(current.getEnabled());
      }
      return replaced.build();
    }
    Job.Builder merged = current.toBuilder();
    for (String path : mask.getPathsList()) {
      var field = Job.getDescriptor().findFieldByName(path);
      if (field.isRepeated() || requested.hasField(field) || !field.hasPresence()) {
        merged.setField(field, requested.getField(field));
      } else {
        merged.clearField(field);
      }
    }
    return merged.build();
  }

  /**
   * Deletes a job (and, with cascade, everything that depends on it). FAILED_PRECONDITION naming the dependents if
   * there are any and cascade is off. Runs stay in the history.
   */
  public List<String> delete(String name, boolean cascade) {
    return delete(name, cascade, false);
  }

  /**
   * As {@link #delete(String, boolean)}; with {@code validateOnly}, makes the same checks and returns what would be
   * deleted, deleting nothing.
   */
  public List<String> delete(String name, boolean cascade, boolean validateOnly) {
    return underExclusiveLock(() -> {
      if (!store.contains(ColumnFamily.JOBS, Keys.job(name))) {
        throw notFound(name);
      }
      List<String> dependents = graph.transitiveDependents(name);
      if (!dependents.isEmpty() && !cascade) {
        BatonException e = BatonException.failedPrecondition(ErrorReason.ERROR_REASON_HAS_DEPENDENTS,
            "job '" + name + "' has dependents: " + String.join(", ", dependents.stream().sorted().toList())
            + "; delete them first, or delete with cascade");
        dependents.stream().sorted().forEach(d -> e.blockedBy("DEPENDENT", JOB_TYPE + "/" + d,
            "job '" + d + "' depends on '" + name + "'"));
        throw e.with(FIELDS, "cascade");
      }
      List<String> deleted = new ArrayList<>();
      deleted.add(name);
      deleted.addAll(dependents);
      if (validateOnly) {
        return deleted;
      }
      List<String> doomed = new ArrayList<>(dependents);
      doomed.add(name);
      try (Batch batch = store.batch()) {
        for (String job : doomed) {
          batch.delete(ColumnFamily.JOBS, Keys.job(job));
          moveSchedule(batch, job, fireIndex.nextFireOf(job), Optional.empty());
          batch.afterCommit(() -> {
            graph.remove(job);
            withStartDeadline.remove(job);
            count.decrementAndGet();
          });
        }
        store.commit(batch);
      }
      return deleted;
    });
  }

  /**
   * Pauses (false) or resumes (true) a job. Setting the state it already has changes nothing. A paused job keeps
   * the tick that was next; on resume the ticks missed since then follow its misfire policy, as after downtime.
   */
  public Job setEnabled(String name, boolean enabled) {
    Instant now = clock.instant();
    return underSharedLock(name, () -> {
      Job current = find(name).orElseThrow(() -> notFound(name));
      if (current.getEnabled() == enabled) {
        return withStatus(current);
      }
      Job.Builder next = current.toBuilder().setEnabled(enabled).setVersion(current.getVersion() + 1)
          .setUpdateTime(timestamp(now));
      try (Batch batch = store.batch()) {
        putMovingSchedule(batch, current, next, now);
        store.commit(batch);
      }
      return withStatus(find(name).orElseThrow());
    });
  }

  /**
   * Records a MANUAL run of the job, QUEUED, as its overlap policy allows: FAILED_PRECONDITION when FORBID (or a
   * full QUEUE_ONE) refuses it and {@code force} is off; REPLACE cancels the active runs first. With ALLOW no job
   * lock is taken, so triggers of one job commit concurrently (and RocksDB groups their syncs).
   */
  public Run trigger(String name, String requestedBy, boolean force) {
    return trigger(name, requestedBy, force, Map.of(), AnswerRecorder.NONE);
  }

  /**
   * As {@link #trigger(String, String, boolean)}, with the run's parameters, recording the run as the answer, with
   * the run.
   */
  public Run trigger(String name, String requestedBy, boolean force, Map<String, String> params,
      AnswerRecorder recorder) {
    Job job = find(name).orElseThrow(() -> notFound(name));
    if (job.getOverlap() == OverlapPolicy.OVERLAP_POLICY_ALLOW) {
      return addManualRun(job, requestedBy, params, recorder);
    }
    return underSharedLock(name, () -> {
      Job current = find(name).orElseThrow(() -> notFound(name));
      OverlapRules.Decision decision =
          OverlapRules.decide(name, current.getOverlap(), active.of(name), true, force);
      if (decision instanceof OverlapRules.Refuse refuse) {
        throw BatonException.failedPrecondition(ErrorReason.ERROR_REASON_RUN_ACTIVE, refuse.reason())
            .concerning(RUN_TYPE, Long.toString(refuse.activeRun()))
            .blockedBy("ACTIVE_RUN", RUN_TYPE + "/" + refuse.activeRun(), refuse.reason()).with(FIELDS, "force");
      }
      if (decision instanceof OverlapRules.Replace replace) {
        cancelAll(replace.cancel(), "replaced by a new run (overlap: replace)");
      }
      return addManualRun(current, requestedBy, params, recorder);
    });
  }

  private Run addManualRun(Job job, String requestedBy, Map<String, String> params, AnswerRecorder recorder) {
    try (Batch batch = store.batch()) {
      Run run = runs.add(batch, NewRun.queued(job, RunReason.RUN_REASON_MANUAL, clock.instant(), requestedBy)
          .withParams(params));
      recorder.record(batch, run);
      store.commit(batch);
      return run;
    }
  }

  /**
   * Records one BACKFILL run per tick of the job's schedule in [from, to], each its own wave, PENDING: dispatch
   * releases them into the queue a few at a time, honoring the job's overlap policy.
   */
  public List<Run> backfill(String name, Instant from, Instant to, int maxRuns) {
    return backfill(name, from, to, maxRuns, AnswerRecorder.NONE);
  }

  /**
   * As {@link #backfill(String, Instant, Instant, int)}, recording the runs (as a {@code BackfillJobResponse}) with
   * them.
   */
  public List<Run> backfill(String name, Instant from, Instant to, int maxRuns, AnswerRecorder recorder) {
    Instant now = clock.instant();
    Violations v = new Violations();
    v.check(!from.isAfter(to), "from", "must not be after to");
    v.check(!to.isAfter(now), "to", "must not be in the future");
    v.check(maxRuns >= 1 && maxRuns <= MAX_BACKFILL, "max_runs", "between 1 and " + MAX_BACKFILL);
    v.throwIfAny();
    Job job = find(name).orElseThrow(() -> notFound(name));
    if (!job.hasResolvedSchedule()
        || job.getResolvedSchedule().getKind() == dev.baton.proto.v1.ScheduleKind.SCHEDULE_KIND_ONE_TIME) {
      throw BatonException.failedPrecondition(ErrorReason.ERROR_REASON_NO_RECURRING_SCHEDULE,
          "job '" + name + "' has no recurring schedule to backfill");
    }
    List<Instant> ticks = new ArrayList<>();
    for (Instant t : schedules.of(job.getResolvedSchedule()).nextFireTimes(from.minusNanos(1), maxRuns + 1)) {
      if (!t.isAfter(to)) {
        ticks.add(t);
      }
    }
    if (ticks.size() > maxRuns) {
      throw BatonException.resourceExhausted(ErrorReason.ERROR_REASON_TOO_MANY_TICKS, "the range holds more than "
          + maxRuns + " ticks of job '" + name + "'; narrow it or raise max_runs (at most " + MAX_BACKFILL + ")")
          .with(FIELDS, "max_runs");
    }
    List<Run> created = new ArrayList<>();
    try (Batch batch = store.batch()) {
      for (Instant tick : ticks) {
        Run run = runs.add(batch, new NewRun(job, RunReason.RUN_REASON_BACKFILL, tick, RunState.RUN_STATE_PENDING,
            "backfill: waits to be released into the queue", 0, "backfill", ""));
        backfills.add(batch, name, Long.parseLong(run.getId()));
        created.add(run);
      }
      recorder.record(batch, BackfillJobResponse.newBuilder().addAllRuns(created).build());
      store.commit(batch);
    }
    return created;
  }

  /** Asks the dispatcher to cancel runs; a run that ended meanwhile is fine. */
  private void cancelAll(List<Long> runIds, String reason) {
    for (Long id : runIds) {
      canceller.apply(Long.toString(id), reason).exceptionally(e -> null);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Ticks

  /**
   * Turns every tick due at {@code now} into runs, and decides ahead the ticks of the next {@link #TICK_LEAD} whose
   * decision cannot change before their time. Ticks due together are committed together, up to {@link #TICK_BATCH}
   * jobs per synced write: with one fsync per job, 100,000 jobs due in the same minute would not all fire within it.
   * Each job's runs and its schedule move are in the same write, so a tick is never half done.
   *
   * <p>Why ahead: deciding a tick costs a job tens of microseconds, so the 1,700 jobs of one second of 100,000
   * spread over a minute would reach the queue up to 80 ms after their tick. A tick decided ahead is a QUEUED run
   * whose attempt is queued at the tick's time: the queue holds it until then ({@code ReadyQueue#readyAt}), and a
   * restart finds it there. Only ticks whose decision cannot change meanwhile are decided ahead: the job has no
   * dependencies (their latest runs may still finish) and no active run, unless its runs may overlap. A pause or a
   * schedule change before the tick withdraws its run ({@link #putMovingSchedule}); other ticks wait for their time.
   *
   * @return the runs created
   */
  public List<Run> fireDue(Instant now) {
    List<Map.Entry<String, Instant>> due = fireIndex.due(now.plus(TICK_LEAD));
    List<Run> created = new ArrayList<>();
    for (int from = 0; from < due.size(); from += TICK_BATCH) {
      created.addAll(fireTogether(due.subList(from, Math.min(due.size(), from + TICK_BATCH)), now));
    }
    return created;
  }

  /** Fires a group of due ticks in one synced write, each job under its own lock (taken in stripe order). */
  private List<Run> fireTogether(List<Map.Entry<String, Instant>> group, Instant now) {
    List<Lock> locks = new ArrayList<>();
    jobLocks.bulkGet(group.stream().map(Map.Entry::getKey).toList()).forEach(locks::add);
    Lock shared = graphLock.readLock();
    shared.lock();
    locks.forEach(Lock::lock);
    try (Batch batch = store.batch()) {
      List<Run> created = new ArrayList<>();
      for (Map.Entry<String, Instant> tick : group) {
        int before = created.size();
        batch.setSavePoint();
        try {
          fireInto(batch, tick.getKey(), tick.getValue(), now, created);
          batch.releaseSavePoint();
        } catch (StoreException e) {
          throw e;
        } catch (RuntimeException e) {
          batch.rollbackToSavePoint();
          created.subList(before, created.size()).clear();
          stopBrokenSchedule(batch, tick.getKey(), tick.getValue(), e, created);
        }
      }
      store.commit(batch);
      return created;
    } finally {
      for (int i = locks.size() - 1; i >= 0; i--) {
        locks.get(i).unlock();
      }
      shared.unlock();
    }
  }

  /**
   * Adds one job's tick to {@code batch}, its runs and its schedule move, if it is due or can be decided ahead. Its
   * job lock is held.
   */
  private void fireInto(Batch batch, String name, Instant due, Instant now, List<Run> created) {
    if (!fireIndex.nextFireOf(name).equals(Optional.of(due))) {
      return; // changed since the due list was taken: updated, paused or deleted
    }
    Optional<Job> found = find(name);
    if (found.isEmpty() || !found.get().hasResolvedSchedule()) {
      // The index must never outlive its job; drop the stray entry.
      moveSchedule(batch, name, Optional.of(due), Optional.empty());
      return;
    }
    boolean ahead = due.isAfter(now);
    if (ahead && !decidableAhead(found.get())) {
      return; // decided at its time
    }
    Optional<Instant> next = addTickRuns(batch, found.get(), due, ahead ? due : now, created);
    moveSchedule(batch, name, Optional.of(due), next);
  }

  /**
   * Whether a tick of the job decided now would be decided the same at its time: nothing the decision reads
   * (dependencies' latest runs, the job's active runs under its overlap policy) can change before then, except by a
   * trigger, which then sees the tick's run as it would after the tick.
   */
  private boolean decidableAhead(Job job) {
    return job.getDependenciesCount() == 0
        && (job.getOverlap() == OverlapPolicy.OVERLAP_POLICY_ALLOW || active.of(job.getName()).isEmpty());
  }

  /**
   * A job whose tick cannot be processed (a stored value the code cannot use, a bug) must not hold up every other
   * job's ticks: the tick is recorded as a SKIPPED run with the error as its reason, and the job's schedule stops
   * until the job is updated (its next tick cannot be worked out either).
   */
  private void stopBrokenSchedule(Batch batch, String name, Instant due, RuntimeException e, List<Run> created) {
    log.error("the tick of job {} at {} cannot be processed; its schedule stops until the job is updated", name, due,
        e);
    find(name).ifPresent(job -> created.add(runs.add(batch, NewRun.skipped(job, RunReason.RUN_REASON_SCHEDULE,
        due, NewRun.ERROR_PREFIX + e + "; the job's schedule is stopped until the job is updated", 0))));
    moveSchedule(batch, name, Optional.of(due), Optional.empty());
  }

  /**
   * Adds to {@code batch} the runs of a job's ticks from {@code due} to {@code now}, as its misfire, dependency and
   * overlap rules say, and returns the next tick after them.
   */
  private Optional<Instant> addTickRuns(Batch batch, Job job, Instant due, Instant now, List<Run> created) {
    String name = job.getName();
    TickPlan plan = TickPlanner.plan(schedules.of(job.getResolvedSchedule()), due, now, job.getMisfire(),
        job.getMaxCatchup(), misfireGrace);
    if (plan.skippedTicks() > 0) {
      String why = NewRun.MISFIRE_PREFIX + (plan.countCapped() ? "at least " : "") + plan.skippedTicks()
          + " tick(s) missed while the coordinator was down or the job paused";
      created.add(runs.add(batch, NewRun.skipped(job, RunReason.RUN_REASON_SCHEDULE,
          plan.lastSkipped().orElseThrow(), why, plan.skippedTicks())));
    }
    // A job with dependencies starts a wave at its tick only if its dependencies' latest runs succeeded.
    Optional<String> blocked = job.getDependenciesCount() == 0 ? Optional.empty()
        : WaveRules.tickBlockedBy(graph, name, runs::latestFinishedStateOf);
    List<Long> activeRuns = new ArrayList<>(active.of(name));
    // Several runs at once are a RUN_ALL catch-up: each is decided against the runs active before it, and they
    // start one after another (dispatch holds each back while the job's other runs execute).
    boolean catchUp = plan.runTimes().size() > 1;
    List<Long> activeBefore = catchUp ? List.copyOf(activeRuns) : activeRuns;
    for (Instant tick : plan.runTimes()) {
      OverlapRules.Decision overlap = blocked.isPresent() ? new OverlapRules.Start()
          : OverlapRules.decide(name, job.getOverlap(), catchUp ? activeBefore : activeRuns, false, false);
      NewRun run;
      if (blocked.isPresent()) {
        run = NewRun.skipped(job, RunReason.RUN_REASON_SCHEDULE, tick, blocked.get(), plan.foldedTicks());
      } else if (overlap instanceof OverlapRules.Skip skip) {
        run = NewRun.skipped(job, RunReason.RUN_REASON_SCHEDULE, tick, skip.reason(), plan.foldedTicks());
      } else {
        if (overlap instanceof OverlapRules.Replace replace) {
          cancelAll(replace.cancel(), "replaced by the tick of " + tick + " (overlap: replace)");
        }
        run = NewRun.queued(job, RunReason.RUN_REASON_SCHEDULE, tick, "scheduler")
            .withMissedTicks(plan.foldedTicks());
        if (catchUp) {
          run = run.asCatchUp();
        }
      }
      Run added = runs.add(batch, run);
      if (ActiveRuns.isActive(added)) {
        activeRuns.add(Long.parseLong(added.getId()));
      }
      created.add(added);
    }
    return plan.nextFire();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  /** The first tick of a job after {@code now}; empty if it is paused, has no schedule, or no tick is left. */
  private Optional<Instant> firstFire(Job job, Instant now) {
    if (!job.getEnabled() || !job.hasResolvedSchedule()) {
      return Optional.empty();
    }
    return schedules.of(job.getResolvedSchedule()).nextFireAfter(now);
  }

  /** Whether two versions of a job tick at the same times (paused or not). */
  private static boolean sameSchedule(Job before, Job after) {
    return before.getResolvedSchedule().getNormalized().equals(after.getResolvedSchedule().getNormalized())
        && before.getResolvedSchedule().getTimezone().equals(after.getResolvedSchedule().getTimezone());
  }

  /** Replaces a job's entry in the schedule index, in the store now and in memory once committed. */
  private void moveSchedule(Batch batch, String job, Optional<Instant> from, Optional<Instant> to) {
    from.ifPresent(t -> batch.delete(ColumnFamily.SCHEDULE, Keys.schedule(t, job)));
    to.ifPresent(t -> batch.put(ColumnFamily.SCHEDULE, Keys.schedule(t, job), EMPTY));
    batch.afterCommit(() -> {
      if (to.isPresent()) {
        fireIndex.put(job, to.get());
        scheduleChanged.run();
      } else {
        fireIndex.remove(job);
      }
    });
  }

  private void checkDependenciesExist(Job job) {
    Violations v = new Violations();
    for (String dep : job.getDependenciesList()) {
      v.check(store.contains(ColumnFamily.JOBS, Keys.job(dep)), "job.dependencies", "unknown job '" + dep + "'");
    }
    v.throwIfAny();
  }

  private <T> T underSharedLock(String name, Supplier<T> action) {
    Lock shared = graphLock.readLock();
    Lock job = jobLocks.get(name);
    shared.lock();
    job.lock();
    try {
      return action.get();
    } finally {
      job.unlock();
      shared.unlock();
    }
  }

  private <T> T underExclusiveLock(Supplier<T> action) {
    Lock exclusive = graphLock.writeLock();
    exclusive.lock();
    try {
      return action.get();
    } finally {
      exclusive.unlock();
    }
  }

  private static BatonException notFound(String name) {
    return BatonException.notFound(ErrorReason.ERROR_REASON_JOB_NOT_FOUND, JOB_TYPE, name,
        "no job named '" + name + "'");
  }

  private static Timestamp timestamp(Instant t) {
    return Times.toProto(t);
  }
}
