package dev.baton.cli.output;

import dev.baton.proto.v1.Wave;
import dev.baton.proto.v1.WaveNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A dependency wave as people read it: a header line, then the wave's jobs as a tree, one line per job with its
 * run's state and id.
 *
 * <pre>
 * wave 12 (root extract): running, created 2026-11-23 09:00:00 UTC
 * extract        succeeded  run 12
 * ├─ transform   running    run 13
 * │  └─ load     -          (waiting)
 * └─ report      skipped    run 15  upstream transform failed
 * </pre>
 *
 * <p>The wave is a graph, not a tree: a job is drawn under its <em>first</em> upstream in the wave (the first of
 * {@link WaveNode#getUpstreamList()} that is in the wave), so a job with several upstreams appears once, and its
 * other upstreams are named at the end of its line ({@code also after c}). A job that has no upstream in the wave
 * (the root) starts a tree of its own. Jobs are drawn in the order the wave lists them; a job listed twice is drawn
 * once, and a cycle (which a wave should never have) is cut rather than followed.
 */
public final class WaveView {
  private static final String SEPARATOR = "  ";

  private WaveView() {}

  /**
   * The header and the tree.
   *
   * @param reasons each run's state reason by run id ({@code upstream transform failed}), shown at the end of its
   *     line; runs without one show none
   */
  public static void show(Wave wave, Map<String, String> reasons, PrintWriter out) {
    out.println(header(wave));
    if (wave.getNodesCount() == 0) {
      out.println("(no jobs)");
      return;
    }
    for (String line : tree(wave, reasons)) {
      out.println(line);
    }
  }

  /** {@code wave 12 (root extract): running, created 2026-11-23 09:00:00 UTC}. */
  static String header(Wave wave) {
    String state = EnumText.name(wave.getState());
    StringBuilder s = new StringBuilder("wave ").append(wave.getId());
    if (!wave.getRootJob().isEmpty()) {
      s.append(" (root ").append(wave.getRootJob()).append(')');
    }
    s.append(": ").append(state.isEmpty() ? "unknown state" : state);
    if (wave.hasCreateTime()) {
      s.append(", created ").append(TimeText.format(wave.getCreateTime(), TimeText.UTC));
    }
    return s.toString();
  }

  /** The tree's lines, columns aligned, without trailing spaces. */
  static List<String> tree(Wave wave, Map<String, String> reasons) {
    Map<String, WaveNode> nodes = new LinkedHashMap<>();
    for (WaveNode n : wave.getNodesList()) {
      nodes.putIfAbsent(n.getJob(), n);
    }
    Map<String, String> parents = parents(nodes);
    Map<String, List<String>> children = new HashMap<>();
    List<String> roots = new ArrayList<>();
    for (String job : nodes.keySet()) {
      String parent = parents.get(job);
      if (parent == null) {
        roots.add(job);
      } else {
        children.computeIfAbsent(parent, p -> new ArrayList<>()).add(job);
      }
    }
    List<String[]> rows = new ArrayList<>();
    for (String root : roots) {
      draw(root, null, "", nodes, parents, children, reasons, rows);
    }
    return align(rows);
  }

  /**
   * Each job's first upstream in the wave. A job whose chain of first upstreams leads back to itself loses its
   * parent, so every chain ends at a root.
   */
  private static Map<String, String> parents(Map<String, WaveNode> nodes) {
    Map<String, String> parents = new HashMap<>();
    for (WaveNode n : nodes.values()) {
      for (String upstream : n.getUpstreamList()) {
        if (!upstream.equals(n.getJob()) && nodes.containsKey(upstream)) {
          parents.put(n.getJob(), upstream);
          break;
        }
      }
    }
    for (String job : nodes.keySet()) {
      Set<String> seen = new HashSet<>();
      for (String p = parents.get(job); p != null && seen.add(p); p = parents.get(p)) {
        if (p.equals(job)) {
          parents.remove(job);
          break;
        }
      }
    }
    return parents;
  }

  /**
   * Adds a job's row, then its children's, depth first. {@code branch} is drawn before its name (null for a root);
   * {@code prefix} is what its children's lines start with.
   */
  private static void draw(String job, String branch, String prefix, Map<String, WaveNode> nodes,
      Map<String, String> parents, Map<String, List<String>> children, Map<String, String> reasons,
      List<String[]> rows) {
    WaveNode n = nodes.get(job);
    String label = branch == null ? job : branch + job;
    String state = EnumText.name(n.getState());
    String run = n.getRunId().isEmpty() ? "(waiting)" : "run " + n.getRunId();
    rows.add(new String[] {label, state.isEmpty() ? "-" : state, run, detail(n, parents.get(job), nodes, reasons)});
    List<String> kids = children.getOrDefault(job, List.of());
    for (int i = 0; i < kids.size(); i++) {
      boolean lastKid = i == kids.size() - 1;
      draw(kids.get(i), prefix + (lastKid ? "└─ " : "├─ "), prefix + (lastKid ? "   " : "│  "), nodes,
          parents, children, reasons, rows);
    }
  }

  /** The run's state reason, then the upstreams in the wave it is not drawn under. */
  private static String detail(WaveNode n, String parent, Map<String, WaveNode> nodes, Map<String, String> reasons) {
    String reason = n.getRunId().isEmpty() ? "" : oneLine(reasons.getOrDefault(n.getRunId(), ""));
    List<String> others = n.getUpstreamList().stream()
        .filter(u -> !u.equals(parent) && !u.equals(n.getJob()) && nodes.containsKey(u))
        .distinct()
        .toList();
    String also = others.isEmpty() ? "" : "also after " + String.join(", ", others);
    return reason.isEmpty() ? also : also.isEmpty() ? reason : reason + "; " + also;
  }

  private static List<String> align(List<String[]> rows) {
    int columns = 4;
    int[] widths = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns - 1; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    List<String> lines = new ArrayList<>(rows.size());
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(r[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(widths[i] - r[i].length())).append(SEPARATOR);
        }
      }
      lines.add(line.toString().stripTrailing());
    }
    return lines;
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*\\R\\s*", "; ");
  }
}
