package dev.baton.agent.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The agent's config file ({@code --config FILE}): YAML whose keys are the flags without their dashes
 * ({@code coordinator: c1:7070}, {@code tls-ca: /etc/baton/ca.pem}, {@code allowed-commands: [/usr/bin/*]}).
 * Flags win, then environment variables, then the file, then the defaults.
 */
public final class FileDefaults implements CommandLine.IDefaultValueProvider {
  private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Z0-9_]+)");

  private final Map<String, String> values;
  private final Map<String, String> env;

  private FileDefaults(Map<String, String> values, Map<String, String> env) {
    this.values = values;
    this.env = env;
  }

  /**
   * Reads {@code file}, refusing keys that are not flags of {@code command}.
   *
   * @throws IllegalArgumentException naming the file and the bad key or value
   */
  public static FileDefaults read(Path file, CommandLine.Model.CommandSpec command, Map<String, String> env)
      throws IOException {
    Object doc;
    try (Reader reader = Files.newBufferedReader(file)) {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage());
    }
    Map<String, String> values = new HashMap<>();
    if (doc == null) {
      return new FileDefaults(values, env);
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(file + ": expected a map of settings (flags without their dashes)");
    }
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      OptionSpec option = command.findOption("--" + key);
      if (option == null || key.equals("config") || key.equals("help") || key.equals("version")) {
        throw new IllegalArgumentException(file + ": unknown setting '" + key + "' (the agent's flags, without "
            + "their dashes)");
      }
      Object value = e.getValue();
      values.put(key, value instanceof List<?> list
          ? list.stream().map(String::valueOf).collect(Collectors.joining(",")) : String.valueOf(value));
    }
    return new FileDefaults(values, env);
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    if (!(arg instanceof OptionSpec option)) {
      return null;
    }
    String value = values.get(option.longestName().substring(2));
    if (value == null) {
      return null;
    }
    // The option's environment variable (named in its annotated default), when set, wins over the file.
    String annotated = option.userObject() instanceof java.lang.reflect.AnnotatedElement element
        && element.getAnnotation(CommandLine.Option.class) != null
        ? element.getAnnotation(CommandLine.Option.class).defaultValue() : null;
    if (annotated != null) {
      Matcher m = ENV.matcher(annotated);
      if (m.find() && env.get(m.group(1)) != null && !env.get(m.group(1)).isBlank()) {
        return env.get(m.group(1));
      }
    }
    return value;
  }
}
