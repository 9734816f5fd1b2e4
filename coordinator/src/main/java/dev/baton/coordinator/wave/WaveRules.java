package dev.baton.coordinator.wave;

import static dev.baton.proto.v1.RunState.RUN_STATE_CANCELLED;
import static dev.baton.proto.v1.RunState.RUN_STATE_DEAD_LETTERED;
import static dev.baton.proto.v1.RunState.RUN_STATE_FAILED;
import static dev.baton.proto.v1.RunState.RUN_STATE_SKIPPED;
import static dev.baton.proto.v1.RunState.RUN_STATE_SUCCEEDED;
import static dev.baton.proto.v1.RunState.RUN_STATE_TIMED_OUT;
import static java.util.Objects.requireNonNull;

import dev.baton.proto.v1.RunState;
import dev.baton.proto.v1.WaveState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The decisions of dependency waves (DESIGN.md section 4): which runs a wave gets when one of its runs ends, whether
 * a scheduled job with dependencies may start a wave at its tick, a wave's status, and its tree.
 *
 * <p>Pure: no I/O, no clock, no threads. The caller feeds the wave's runs as a {@link WaveView}, persists the
 * decisions, and applies them to the view before asking again. Every answer is deterministic: jobs are visited in
 * dependency order with ties broken by name, never in hash order.
 *
 * <p><b>Membership.</b> A wave holds its root (the job of the run that started it: a schedule tick, a manual trigger,
 * a backfill or a redrive; the wave's id is that run's id) and every job downstream of the root (its transitive
 * dependents in the {@link DependencyGraph} given). A dependency of a member that is not itself a member is
 * <em>outside the wave</em>; it is judged by its latest finished run anywhere ({@link LatestFinished}). Membership is
 * computed from the graph passed in, so a dependency edit made while a wave is in flight changes that wave from the
 * next call on; {@link #owed} settles what such an edit (or a failover between persisting a result and persisting its
 * consequences) leaves undecided.
 *
 * <p><b>Rules.</b> Each member other than the root gets at most one run in a wave, decided once, the first time one
 * of these holds:
 *
 * <ul>
 *   <li>one of its dependencies in the wave has a run that ended without succeeding, for good (FAILED or TIMED_OUT
 *       with no retry pending, CANCELLED, DEAD_LETTERED, or SKIPPED): it gets a SKIPPED run with reason
 *       {@code upstream <job> failed}, naming the failed run's job even when the failure reaches it through jobs
 *       skipped on the way (chain {@code a -> b -> c}, {@code a} fails: {@code b} and {@code c} both read
 *       {@code upstream a failed}). A failure reaches every member downstream of it that has no run yet; a member
 *       that already has a run is left alone, so the first failure to reach a job names it. An upstream SKIPPED run
 *       that the rules did not make in the same decision reads {@code upstream <job> was skipped};
 *   <li>every dependency in the wave has SUCCEEDED in it, and every dependency outside the wave has a latest
 *       finished run that SUCCEEDED: it gets a real run;
 *   <li>every dependency in the wave has SUCCEEDED in it, but a dependency outside the wave has not (its latest
 *       finished run did not succeed, or it never ran): it gets a SKIPPED run with reason
 *       {@code dependency <x> (outside the wave) has not succeeded}, naming the first such dependency by name. The
 *       wave does not wait for {@code x}: nothing would wake it when {@code x} later succeeds elsewhere, and a wave
 *       must finish and show every job in it. Members downstream of that job get SKIPPED runs with reason
 *       {@code upstream <job> was skipped}.
 * </ul>
 *
 * <p>"Exactly once" holds as long as the view given shows every run already made in the wave.
 *
 * <p>Each call reads the graph several times; a caller that edits dependencies concurrently holds the job registry's
 * lock around a call, as {@link DependencyGraph} asks, so one call sees one graph.
 */
public final class WaveRules {
  private static final Set<RunState> FINAL = EnumSet.of(
      RUN_STATE_SUCCEEDED, RUN_STATE_FAILED, RUN_STATE_TIMED_OUT, RUN_STATE_SKIPPED, RUN_STATE_CANCELLED,
      RUN_STATE_DEAD_LETTERED);
  // A run in one of these may still be retried (the run state machine keeps it there during the retry delay).
  private static final Set<RunState> RETRYABLE = EnumSet.of(RUN_STATE_FAILED, RUN_STATE_TIMED_OUT);

  private WaveRules() {}

  /**
   * What the caller knows about one wave.
   *
   * @param waveId the wave's id (the id of its root run); only used in messages
   * @param rootJob the job of the run that started the wave
   * @param runStates the state of each job's run in the wave; a job without a run yet is absent (never mapped to
   *     {@code RUN_STATE_UNSPECIFIED})
   * @param retrying jobs whose run is FAILED or TIMED_OUT with a retry pending: not final yet
   */
  public record WaveView(String waveId, String rootJob, Map<String, RunState> runStates, Set<String> retrying) {
    public WaveView {
      requireNonNull(waveId, "waveId");
      requireNonNull(rootJob, "rootJob");
      runStates = Map.copyOf(runStates);
      retrying = Set.copyOf(retrying);
      for (Map.Entry<String, RunState> e : runStates.entrySet()) {
        if (e.getValue() == RunState.RUN_STATE_UNSPECIFIED || e.getValue() == RunState.UNRECOGNIZED) {
          throw new IllegalArgumentException(
              "wave " + waveId + ": job " + e.getKey() + " has run state " + e.getValue()
                  + "; leave a job without a run out of runStates");
        }
      }
    }

    /** A view with no retry pending. */
    public WaveView(String waveId, String rootJob, Map<String, RunState> runStates) {
      this(waveId, rootJob, runStates, Set.of());
    }

    /** The state of {@code job}'s run in the wave; empty if it has none yet. */
    public Optional<RunState> stateOf(String job) {
      return Optional.ofNullable(runStates.get(job));
    }

    /** Whether {@code job}'s run in the wave is final: it has one, and it will not change again by itself. */
    public boolean isFinal(String job) {
      RunState state = runStates.get(job);
      return state != null && FINAL.contains(state) && !(RETRYABLE.contains(state) && retrying.contains(job));
    }

    /** This view with {@code job}'s run in the final {@code state} (no retry pending). */
    public WaveView withFinal(String job, RunState state) {
      Map<String, RunState> states = new HashMap<>(runStates);
      states.put(job, state);
      Set<String> stillRetrying = new HashSet<>(retrying);
      stillRetrying.remove(job);
      return new WaveView(waveId, rootJob, states, stillRetrying);
    }
  }

  /** The latest finished run of a job anywhere (any wave, or none), for dependencies outside a wave. */
  @FunctionalInterface
  public interface LatestFinished {
    /** The final state of {@code job}'s latest finished run; empty if it has never finished a run. */
    Optional<RunState> of(String job);
  }

  /**
   * A run the wave gets.
   *
   * @param job the job to run in the wave
   * @param skipped true to record it SKIPPED at once, false for a real run (queued as a {@code DEPENDENCY} run)
   * @param reason why it is skipped; empty for a real run
   */
  public record NewWaveRun(String job, boolean skipped, String reason) {
    public NewWaveRun {
      requireNonNull(job, "job");
      requireNonNull(reason, "reason");
      if (skipped == reason.isEmpty()) {
        throw new IllegalArgumentException("a skipped run needs a reason and a real run has none: " + job);
      }
    }

    public static NewWaveRun run(String job) {
      return new NewWaveRun(job, false, "");
    }

    public static NewWaveRun skip(String job, String reason) {
      return new NewWaveRun(job, true, reason);
    }
  }

  /**
   * One job in the tree of a wave ({@code baton wave get}).
   *
   * @param job the job
   * @param depth 0 for the root; otherwise the length of the longest dependency path from the root to it
   * @param state its run's state in the wave; empty if it has none yet
   * @param upstreamInWave its dependencies that are in the wave, by name
   */
  public record Node(String job, int depth, Optional<RunState> state, List<String> upstreamInWave) {
    public Node {
      requireNonNull(job, "job");
      requireNonNull(state, "state");
      upstreamInWave = List.copyOf(upstreamInWave);
    }
  }

  /**
   * The runs the wave gets because {@code job}'s run in it reached the final {@code state}: SUCCEEDED, or FAILED,
   * TIMED_OUT, CANCELLED, DEAD_LETTERED or SKIPPED for good (no retry pending). The view may already show that state
   * or not. See the class comment for the rules; the result is in dependency order (a job after the jobs in the wave
   * it depends on, ties by name), and is empty when the view already shows the runs it would make, so repeating a
   * call creates nothing twice. Whatever else the view leaves undecided ({@link #owed}) is included too; with an
   * up-to-date view there is none.
   *
   * @throws IllegalArgumentException if {@code state} is not final
   */
  public static List<NewWaveRun> onFinal(
      DependencyGraph graph, WaveView wave, String job, RunState state, LatestFinished latest) {
    if (!FINAL.contains(state)) {
      throw new IllegalArgumentException(
          "wave " + wave.waveId() + ": run of job " + job + " reported final in non-final state " + state);
    }
    return owed(graph, wave.withFinal(job, state), latest);
  }

  /**
   * Every run the wave should have by now and does not, by the rules in the class comment, in dependency order.
   * Empty when the view is up to date. For a new leader resuming waves whose consequences were not persisted before
   * a failover, and after a dependency edit. The root's own run is never included (it is made with the wave).
   */
  public static List<NewWaveRun> owed(DependencyGraph graph, WaveView wave, LatestFinished latest) {
    List<String> order = dependencyOrder(graph, wave.rootJob());
    Set<String> members = new HashSet<>(order);
    // For each skip made in this pass, what its own dependents read when it reaches them.
    Map<String, String> upstreamReason = new HashMap<>();
    Map<String, NewWaveRun> made = new LinkedHashMap<>();
    for (String d : order) {
      if (d.equals(wave.rootJob()) || wave.stateOf(d).isPresent()) {
        continue;
      }
      List<String> inWave = sorted(graph.dependenciesOf(d), members::contains);
      Optional<String> failedReason = Optional.empty();
      boolean allSucceeded = true;
      for (String p : inWave) {
        NewWaveRun madeForP = made.get(p);
        if (madeForP != null) {
          if (madeForP.skipped()) {
            failedReason = Optional.of(upstreamReason.get(p));
            break;
          }
          allSucceeded = false; // a real run made just now has not finished
        } else if (wave.isFinal(p) && wave.stateOf(p).orElseThrow() != RUN_STATE_SUCCEEDED) {
          failedReason = Optional.of(wave.stateOf(p).orElseThrow() == RUN_STATE_SKIPPED
              ? "upstream " + p + " was skipped"
              : "upstream " + p + " failed");
          break;
        } else if (!wave.isFinal(p)) {
          allSucceeded = false;
        }
      }
      if (failedReason.isPresent()) {
        made.put(d, NewWaveRun.skip(d, failedReason.get()));
        upstreamReason.put(d, failedReason.get()); // the failure's origin carries down the chain
      } else if (allSucceeded) {
        Optional<String> unmet = sorted(graph.dependenciesOf(d), p -> !members.contains(p)).stream()
            .filter(p -> latest.of(p).orElse(RunState.RUN_STATE_UNSPECIFIED) != RUN_STATE_SUCCEEDED)
            .findFirst();
        if (unmet.isPresent()) {
          made.put(d, NewWaveRun.skip(d, "dependency " + unmet.get() + " (outside the wave) has not succeeded"));
          upstreamReason.put(d, "upstream " + d + " was skipped");
        } else {
          made.put(d, NewWaveRun.run(d));
        }
      }
    }
    return List.copyOf(made.values());
  }

  /**
   * Whether a job with dependencies may start a wave at its own schedule tick: only if every dependency's latest
   * finished run succeeded. Empty means yes (also for a job without dependencies); otherwise the reason the tick is
   * recorded SKIPPED, naming the first blocking dependency by name: {@code dependency extract has never run},
   * {@code dependency extract's latest run failed} (also for DEAD_LETTERED), {@code ... timed out},
   * {@code ... was cancelled}, {@code ... was skipped}.
   */
  public static Optional<String> tickBlockedBy(DependencyGraph graph, String job, LatestFinished latest) {
    for (String dep : sorted(graph.dependenciesOf(job), p -> true)) {
      Optional<RunState> last = latest.of(dep);
      if (last.isEmpty()) {
        return Optional.of("dependency " + dep + " has never run");
      }
      if (last.get() != RUN_STATE_SUCCEEDED) {
        return Optional.of("dependency " + dep + "'s latest run " + outcome(last.get()));
      }
    }
    return Optional.empty();
  }

  private static String outcome(RunState state) {
    switch (state) {
      case RUN_STATE_FAILED:
      case RUN_STATE_DEAD_LETTERED:
        return "failed";
      case RUN_STATE_TIMED_OUT:
        return "timed out";
      case RUN_STATE_CANCELLED:
        return "was cancelled";
      case RUN_STATE_SKIPPED:
        return "was skipped";
      default:
        return "did not succeed";
    }
  }

  /**
   * The jobs in a wave rooted at {@code rootJob}: the root and every job downstream of it, in dependency order (each
   * job after the jobs in the wave it depends on, ties by name; the root first). Unmodifiable.
   */
  public static Set<String> members(DependencyGraph graph, String rootJob) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(dependencyOrder(graph, rootJob)));
  }

  /**
   * A wave's status: RUNNING while a run in it is not final (a retry pending counts as not final) or a member has no
   * run yet; then SUCCEEDED if every run in it succeeded, FAILED otherwise (SKIPPED is not success). Runs in the view
   * of jobs that are no longer members (a dependency edited away mid-wave) still count. With an up-to-date view a
   * member without a run is always waiting for an upstream run or owed one ({@link #owed}), so RUNNING is honest.
   */
  public static WaveState status(DependencyGraph graph, WaveView wave) {
    boolean allSucceeded = true;
    for (Map.Entry<String, RunState> run : wave.runStates().entrySet()) {
      if (!wave.isFinal(run.getKey())) {
        return WaveState.WAVE_STATE_RUNNING;
      }
      allSucceeded &= run.getValue() == RUN_STATE_SUCCEEDED;
    }
    for (String member : dependencyOrder(graph, wave.rootJob())) {
      if (wave.stateOf(member).isEmpty()) {
        return WaveState.WAVE_STATE_RUNNING;
      }
    }
    return allSucceeded ? WaveState.WAVE_STATE_SUCCEEDED : WaveState.WAVE_STATE_FAILED;
  }

  /**
   * The wave as a tree, depth-first from the root. A job reachable by several paths appears once, at its greatest
   * depth, under the first (by name) of its dependencies one level up; its other dependencies in the wave are in
   * {@link Node#upstreamInWave}. Children are visited by name. Diamond {@code a -> {b, c} -> d}: {@code a(0) b(1)
   * d(2) c(1)}. Runs in the view of jobs that are no longer members (a dependency edited away mid-wave) follow the
   * tree, by name, at depth 1.
   */
  public static List<Node> tree(DependencyGraph graph, WaveView wave) {
    String root = wave.rootJob();
    List<String> order = dependencyOrder(graph, root);
    Set<String> members = new HashSet<>(order);
    Map<String, Integer> depth = new HashMap<>();
    Map<String, TreeSet<String>> children = new HashMap<>();
    for (String job : order) {
      List<String> up = sorted(graph.dependenciesOf(job), p -> members.contains(p) && depth.containsKey(p));
      int d = job.equals(root) ? 0 : 1 + up.stream().mapToInt(depth::get).max().orElse(0);
      depth.put(job, d);
      if (!job.equals(root)) {
        String parent = up.stream().filter(p -> depth.get(p) == d - 1).findFirst().orElse(root);
        children.computeIfAbsent(parent, k -> new TreeSet<>()).add(job);
      }
    }
    List<Node> out = new ArrayList<>();
    Deque<String> stack = new ArrayDeque<>();
    stack.push(root);
    while (!stack.isEmpty()) {
      String job = stack.pop();
      out.add(new Node(job, depth.get(job), wave.stateOf(job), sorted(graph.dependenciesOf(job), members::contains)));
      children.getOrDefault(job, new TreeSet<>()).descendingIterator().forEachRemaining(stack::push);
    }
    for (String job : new TreeMap<>(wave.runStates()).keySet()) {
      if (!members.contains(job)) {
        List<String> up = sorted(
            graph.dependenciesOf(job), p -> members.contains(p) || wave.runStates().containsKey(p));
        out.add(new Node(job, 1, wave.stateOf(job), up));
      }
    }
    return List.copyOf(out);
  }

  /**
   * The root and its transitive dependents, each after its dependencies among them, ties by name (Kahn's algorithm
   * with a name-ordered queue, so the order never depends on hash order).
   */
  private static List<String> dependencyOrder(DependencyGraph graph, String root) {
    Set<String> members = new HashSet<>(graph.transitiveDependents(root));
    members.add(root);
    Map<String, Integer> waitingOn = new HashMap<>();
    PriorityQueue<String> ready = new PriorityQueue<>();
    for (String job : members) {
      int n = job.equals(root) ? 0 : (int) graph.dependenciesOf(job).stream().filter(members::contains).count();
      waitingOn.put(job, n);
      if (n == 0) {
        ready.add(job);
      }
    }
    List<String> order = new ArrayList<>(members.size());
    while (!ready.isEmpty()) {
      String job = ready.poll();
      order.add(job);
      for (String d : graph.dependentsOf(job)) {
        if (members.contains(d) && waitingOn.merge(d, -1, Integer::sum) == 0) {
          ready.add(d);
        }
      }
    }
    if (order.size() < members.size()) {
      // Only a cycle, which the registry refuses, could leave jobs behind; keep them rather than lose them.
      order.addAll(new TreeSet<>(members).stream().filter(j -> !order.contains(j)).toList());
    }
    return order;
  }

  private static List<String> sorted(Set<String> jobs, Predicate<String> keep) {
    return jobs.stream().filter(keep).sorted().toList();
  }
}
