package dev.baton.coordinator.wave;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The dependency edges between jobs: "a depends on b" is an edge a -> b. Only jobs with an edge take memory, so a
 * million jobs without dependencies cost nothing here.
 *
 * <p>Thread-safe for concurrent edits of different jobs; callers that need a consistent view across jobs (the
 * cycle check of an update, a cascading delete) hold the job registry's exclusive lock.
 */
public final class DependencyGraph {
  private final Map<String, Set<String>> dependencies = new ConcurrentHashMap<>();
  private final Map<String, Set<String>> dependents = new ConcurrentHashMap<>();

  /** Replaces the dependencies of {@code job}. */
  public void setDependencies(String job, Collection<String> deps) {
    Set<String> old = dependencies.remove(job);
    if (old != null) {
      for (String dep : old) {
        removeEdge(dependents, dep, job);
      }
    }
    if (deps.isEmpty()) {
      return;
    }
    dependencies.put(job, ConcurrentHashMap.newKeySet());
    for (String dep : deps) {
      dependencies.get(job).add(dep);
      dependents.computeIfAbsent(dep, k -> ConcurrentHashMap.newKeySet()).add(job);
    }
  }

  private static void removeEdge(Map<String, Set<String>> edges, String from, String to) {
    edges.computeIfPresent(from, (k, targets) -> {
      targets.remove(to);
      return targets.isEmpty() ? null : targets;
    });
  }

  /** Forgets {@code job} and its outgoing edges. Its dependents must have been removed first. */
  public void remove(String job) {
    setDependencies(job, List.of());
    dependents.remove(job);
  }

  public Set<String> dependenciesOf(String job) {
    return Set.copyOf(dependencies.getOrDefault(job, Set.of()));
  }

  public Set<String> dependentsOf(String job) {
    return Set.copyOf(dependents.getOrDefault(job, Set.of()));
  }

  /**
   * The cycle that giving {@code job} the dependencies {@code newDeps} would close, as the path
   * {@code job -> ... -> job}; empty if none.
   */
  public Optional<List<String>> cycleIf(String job, Collection<String> newDeps) {
    // Depth-first from each new dependency along existing edges, looking for a way back to job.
    for (String dep : newDeps) {
      List<String> path = new ArrayList<>();
      path.add(job);
      if (pathTo(dep, job, path, new HashSet<>())) {
        return Optional.of(path);
      }
    }
    return Optional.empty();
  }

  private boolean pathTo(String from, String target, List<String> path, Set<String> seen) {
    path.add(from);
    if (from.equals(target)) {
      return true;
    }
    if (seen.add(from)) {
      for (String next : dependencies.getOrDefault(from, Set.of())) {
        if (pathTo(next, target, path, seen)) {
          return true;
        }
      }
    }
    path.remove(path.size() - 1);
    return false;
  }

  /**
   * Every job that depends on {@code job}, directly or not, ordered so that each job comes after every job that
   * depends on it (so deleting in this order never leaves a dangling dependency). Excludes {@code job}.
   */
  public List<String> transitiveDependents(String job) {
    Set<String> reached = new LinkedHashSet<>();
    Deque<String> todo = new ArrayDeque<>(dependentsOf(job));
    while (!todo.isEmpty()) {
      String next = todo.poll();
      if (reached.add(next)) {
        todo.addAll(dependentsOf(next));
      }
    }
    // Post-order over dependents: a job is emitted after all of its own dependents.
    List<String> ordered = new ArrayList<>();
    Set<String> emitted = new HashSet<>();
    for (String j : reached) {
      emitAfterDependents(j, reached, emitted, ordered);
    }
    return ordered;
  }

  private void emitAfterDependents(String j, Set<String> scope, Set<String> emitted, List<String> out) {
    if (!emitted.add(j)) {
      return;
    }
    for (String d : dependentsOf(j)) {
      if (scope.contains(d)) {
        emitAfterDependents(d, scope, emitted, out);
      }
    }
    out.add(j);
  }

  /** Formats a cycle as people read it: {@code a -> b -> a}. */
  public static String describe(List<String> cycle) {
    return String.join(" -> ", cycle);
  }
}
