package dev.baton.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A block of {@code key:  value} lines with the values aligned, for one object shown to a person. */
public final class Details {
  private final List<String[]> lines = new ArrayList<>();

  /** Adds a line; a null or empty value is left out, so the block shows only what is set. */
  public Details add(String key, String value) {
    if (value != null && !value.isEmpty()) {
      lines.add(new String[] {key, value});
    }
    return this;
  }

  /** Adds a line even when the value is empty, shown as {@code -}. */
  public Details always(String key, String value) {
    lines.add(new String[] {key, value == null || value.isEmpty() ? "-" : value});
    return this;
  }

  public void print(PrintWriter out) {
    int width = lines.stream().mapToInt(l -> l[0].length()).max().orElse(0) + 1;
    for (String[] l : lines) {
      String key = l[0] + ":";
      String pad = " ".repeat(width - key.length() + 2);
      // Continuation lines of a multi-line value line up under its first line.
      String value = l[1].replace("\n", "\n" + " ".repeat(width + 2));
      out.println(key + pad + value);
    }
  }
}
