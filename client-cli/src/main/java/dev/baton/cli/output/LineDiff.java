package dev.baton.cli.output;

import java.util.ArrayList;
import java.util.List;

/** The lines that differ between two short texts, as {@code - old} / {@code + new} (unchanged lines left out). */
public final class LineDiff {
  private LineDiff() {}

  /** Removed lines as {@code - line}, added ones as {@code + line}, in order; empty when the texts are equal. */
  public static List<String> changes(List<String> before, List<String> after) {
    // Longest common subsequence, by dynamic programming: job documents are tens of lines.
    int[][] common = new int[before.size() + 1][after.size() + 1];
    for (int i = before.size() - 1; i >= 0; i--) {
      for (int j = after.size() - 1; j >= 0; j--) {
        common[i][j] = before.get(i).equals(after.get(j)) ? common[i + 1][j + 1] + 1
            : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < before.size() || j < after.size()) {
      if (i < before.size() && j < after.size() && before.get(i).equals(after.get(j))) {
        i++;
        j++;
      } else if (i < before.size() && (j == after.size() || common[i + 1][j] >= common[i][j + 1])) {
        out.add("- " + before.get(i++));
      } else {
        out.add("+ " + after.get(j++));
      }
    }
    return out;
  }
}
