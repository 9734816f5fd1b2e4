package dev.baton.coordinator.dispatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A job's label selector on workers: comma-separated terms that must all hold, each {@code key=value},
 * {@code key!=value}, {@code key in (a,b)} or {@code key} (the label is present). Empty selects every worker.
 */
public final class LabelSelector {
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._/-]*";
  private static final Pattern EQUALS = Pattern.compile("(" + NAME + ")\\s*(!?=)\\s*([A-Za-z0-9._/-]*)");
  private static final Pattern IN = Pattern.compile("(" + NAME + ")\\s+in\\s*\\(([^()]*)\\)");
  private static final Pattern EXISTS = Pattern.compile(NAME);

  /** Whether {@code text} can be a label key, so that selectors can name it. */
  public static boolean isKey(String text) {
    return EXISTS.matcher(text).matches();
  }

  private sealed interface Term permits Equals, NotEquals, In, Exists {
    boolean matches(Map<String, String> labels);
  }

  private record Equals(String key, String value) implements Term {
    public boolean matches(Map<String, String> labels) {
      return value.equals(labels.get(key));
    }
  }

  private record NotEquals(String key, String value) implements Term {
    public boolean matches(Map<String, String> labels) {
      return !value.equals(labels.get(key));
    }
  }

  private record In(String key, Set<String> values) implements Term {
    public boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return value != null && values.contains(value); // Set.of(...).contains(null) throws
    }
  }

  private record Exists(String key) implements Term {
    public boolean matches(Map<String, String> labels) {
      return labels.containsKey(key);
    }
  }

  private final String text;
  private final List<Term> terms;

  private LabelSelector(String text, List<Term> terms) {
    this.text = text;
    this.terms = terms;
  }

  /**
   * Parses a selector.
   *
   * @throws IllegalArgumentException naming the term that is not understood
   */
  public static LabelSelector parse(String text) {
    List<Term> terms = new ArrayList<>();
    for (String raw : splitTerms(text)) {
      String term = raw.trim();
      Matcher m;
      if ((m = IN.matcher(term)).matches()) {
        List<String> values = new ArrayList<>();
        for (String v : m.group(2).split(",")) {
          if (!v.isBlank()) {
            values.add(v.trim());
          }
        }
        if (values.isEmpty()) {
          throw new IllegalArgumentException("'" + term + "' lists no values");
        }
        terms.add(new In(m.group(1), Set.copyOf(values)));
      } else if ((m = EQUALS.matcher(term)).matches()) {
        terms.add(m.group(2).equals("=") ? new Equals(m.group(1), m.group(3)) : new NotEquals(m.group(1), m.group(3)));
      } else if (EXISTS.matcher(term).matches()) {
        terms.add(new Exists(term));
      } else {
        throw new IllegalArgumentException(
            "cannot understand '" + term + "'; terms are key=value, key!=value, key in (a,b) or key");
      }
    }
    return new LabelSelector(text.trim(), List.copyOf(terms));
  }

  /** Splits on commas outside parentheses. */
  private static List<String> splitTerms(String text) {
    List<String> out = new ArrayList<>();
    if (text.isBlank()) {
      return out;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(text.substring(start, i));
        start = i + 1;
      }
    }
    out.add(text.substring(start));
    return out;
  }

  /** Whether a worker with these labels is selected. */
  public boolean matches(Map<String, String> labels) {
    for (Term term : terms) {
      if (!term.matches(labels)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return text;
  }
}
