package dev.baton.cli.output;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Rows under a header, columns aligned with two spaces between them; the last column is not padded. */
public final class Table {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();
  /** The columns' widths, from the last print: rows printed later line up with it. */
  private int[] widths;

  public Table(String... header) {
    this.header = List.of(header);
  }

  /** Adds a row; null and empty cells print as {@code -}. */
  public Table row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("row has " + cells.length + " cells, header " + header.size());
    }
    rows.add(Arrays.stream(cells).map(c -> c == null || c.isEmpty() ? "-" : oneLine(c)).toList());
    return this;
  }

  public void print(PrintWriter out) {
    widths = new int[header.size()];
    for (List<String> r : allRows()) {
      for (int i = 0; i < r.size(); i++) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
    }
    for (List<String> r : allRows()) {
      printLine(r, out);
    }
    rows.clear(); // printed: a watch adding rows for hours keeps none of them
  }

  /**
   * After {@link #print}: prints the rows added since under it, without the header, lined up with it as far as
   * their cells fit (what a watch prints as things change).
   */
  public void printNewRows(PrintWriter out) {
    for (List<String> r : rows) {
      for (int i = 0; i < r.size(); i++) {
        widths[i] = Math.max(widths[i], r.get(i).length());
      }
      printLine(r, out);
    }
    rows.clear();
  }

  private void printLine(List<String> r, PrintWriter out) {
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < r.size(); i++) {
      String cell = r.get(i);
      line.append(cell);
      if (i < r.size() - 1) {
        line.append(" ".repeat(widths[i] - cell.length() + 2));
      }
    }
    out.println(line.toString().stripTrailing());
  }

  private List<List<String>> allRows() {
    List<List<String>> all = new ArrayList<>(rows.size() + 1);
    all.add(header);
    all.addAll(rows);
    return all;
  }

  private static String oneLine(String s) {
    return s.replace("\r\n", " ").replace('\n', ' ').replace('\t', ' ');
  }
}
