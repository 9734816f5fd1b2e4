package dev.baton.coordinator.http;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A path of a {@code google.api.http} rule, as Baton writes them (AIP-127): literal segments, variables naming a
 * request field ({@code {name}}, {@code {job.name}}, each one whole segment), and an optional custom verb
 * ({@code :trigger}) at the end. Variables match one segment, percent-decoded.
 *
 * @param text the template as declared
 * @param variables the field paths of its variables, in order
 */
public record PathTemplate(String text, Pattern pattern, List<String> variables) {
  private static final Pattern VARIABLE = Pattern.compile("\\{([a-z_][a-z0-9_.]*)(=\\*)?\\}");

  /** @throws IllegalArgumentException for a template outside the subset above */
  public static PathTemplate parse(String template) {
    if (!template.startsWith("/")) {
      throw new IllegalArgumentException("a path template starts with '/': " + template);
    }
    StringBuilder regex = new StringBuilder("^");
    List<String> variables = new ArrayList<>();
    Matcher m = VARIABLE.matcher(template);
    int at = 0;
    while (m.find()) {
      String literal = template.substring(at, m.start());
      if (literal.contains("{") || literal.contains("}")) {
        throw new IllegalArgumentException("unsupported path template: " + template);
      }
      regex.append(Pattern.quote(literal)).append("([^/]+?)");
      variables.add(m.group(1));
      at = m.end();
    }
    String rest = template.substring(at);
    if (rest.contains("{") || rest.contains("}") || rest.contains("*")) {
      throw new IllegalArgumentException("unsupported path template: " + template);
    }
    regex.append(Pattern.quote(rest)).append("$");
    return new PathTemplate(template, Pattern.compile(regex.toString()), List.copyOf(variables));
  }

  /** The variables' values if {@code path} (as sent, still percent-encoded) matches; empty otherwise. */
  public Optional<Map<String, String>> match(String path) {
    Matcher m = pattern.matcher(path);
    if (!m.matches()) {
      return Optional.empty();
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < variables.size(); i++) {
      values.put(variables.get(i), decode(m.group(i + 1)));
    }
    return Optional.of(values);
  }

  /** Percent-decoding of a path segment: unlike a form, '+' stays '+'. */
  static String decode(String segment) {
    return URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
  }
}
