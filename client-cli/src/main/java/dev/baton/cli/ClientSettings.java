package dev.baton.cli;

import dev.baton.client.BatonClient;
import dev.baton.client.Credentials;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Where the CLI connects and with what credentials, like kubeconfig's contexts: flags win, then environment
 * variables ({@code BATON_COORDINATOR}, {@code BATON_TOKEN}, {@code BATON_TLS_CA}, {@code BATON_TLS_CERT},
 * {@code BATON_TLS_KEY}), then the current context of the config file ({@code ~/.config/baton/config.yaml}, or
 * {@code BATON_CONFIG}):
 *
 * <pre>
 * current-context: prod
 * contexts:
 *   prod:
 *     coordinator: c1.example.com:7070,c2.example.com:7070
 *     tls-ca: /etc/baton/ca.pem
 *     token-file: ~/.config/baton/prod-token     # or token: baton_...
 *   local:
 *     coordinator: 127.0.0.1:7070
 * </pre>
 *
 * {@code --context NAME} (or {@code BATON_CONTEXT}) picks another context. A token is never printed.
 */
final class ClientSettings {
  static final Set<String> KEYS = Set.of("coordinator", "token", "token-file", "tls-ca", "tls-cert", "tls-key");
  /** The keys that name files. */
  private static final Set<String> FILE_KEYS = Set.of("token-file", "tls-ca", "tls-cert", "tls-key");

  private final Map<String, String> values;

  private ClientSettings(Map<String, String> values) {
    this.values = values;
  }

  /**
   * @param flags values from the command line, by key of {@link #KEYS} (absent when not given)
   * @param context the context asked for with {@code --context}, or null
   */
  static ClientSettings resolve(Map<String, String> flags, String context, Map<String, String> env) {
    return resolve(flags, context, env, Path.of(""));
  }

  /**
   * @param cwd what relative file names (of the flags, the variables, the config file) are relative to: the
   *     caller's working directory
   */
  static ClientSettings resolve(Map<String, String> flags, String context, Map<String, String> env, Path cwd) {
    Map<String, String> values = new HashMap<>();
    String home = env.getOrDefault("HOME", System.getProperty("user.home"));
    Path file = env.containsKey("BATON_CONFIG") ? cwd.resolve(env.get("BATON_CONFIG"))
        : Path.of(home, ".config", "baton", "config.yaml");
    String wanted = context != null ? context : env.get("BATON_CONTEXT");
    values.putAll(contextOf(file, wanted, home));
    for (String key : KEYS) {
      String fromEnv = env.get("BATON_" + key.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
      if (fromEnv != null && !fromEnv.isBlank()) {
        values.put(key, fromEnv.trim());
      }
    }
    flags.forEach((key, value) -> {
      if (value != null && !value.isBlank()) {
        values.put(key, value.trim());
      }
    });
    if (values.containsKey("token")) {
      values.remove("token-file");
    }
    for (String key : FILE_KEYS) {
      values.computeIfPresent(key, (k, name) -> cwd.resolve(name).toString());
    }
    return new ClientSettings(values);
  }

  /** The coordinators to dial. */
  String target() {
    return values.getOrDefault("coordinator", BatonClient.DEFAULT_TARGET);
  }

  /** TLS and token as set; throws IllegalArgumentException naming a bad setting. */
  Credentials credentials() {
    Credentials credentials = Credentials.of(Credentials.TlsFiles.of(values.get("tls-ca"), values.get("tls-cert"),
        values.get("tls-key")));
    return credentials.withToken(token().orElse(null));
  }

  private Optional<String> token() {
    if (values.containsKey("token")) {
      return Optional.of(values.get("token"));
    }
    if (values.containsKey("token-file")) {
      Path file = Path.of(values.get("token-file"));
      try {
        return Optional.of(Files.readString(file).trim());
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage());
      }
    }
    return Optional.empty();
  }

  private static Map<String, String> contextOf(Path file, String wanted, String home) {
    if (!Files.isRegularFile(file)) {
      if (wanted != null) {
        throw new IllegalArgumentException("context '" + wanted + "' asked for, but there is no " + file);
      }
      return Map.of();
    }
    Object doc;
    try (Reader reader = Files.newBufferedReader(file)) {
      doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
    }
    if (doc == null) {
      return Map.of();
    }
    if (!(doc instanceof Map<?, ?> root)) {
      throw new IllegalArgumentException(file + ": expected current-context and contexts");
    }
    String name = wanted != null ? wanted : root.get("current-context") == null ? null
        : String.valueOf(root.get("current-context"));
    if (name == null) {
      return Map.of();
    }
    Object contexts = root.get("contexts");
    Object context = contexts instanceof Map<?, ?> all ? all.get(name) : null;
    if (!(context instanceof Map<?, ?> settings)) {
      throw new IllegalArgumentException(file + ": no context named '" + name + "'");
    }
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<?, ?> e : settings.entrySet()) {
      String key = String.valueOf(e.getKey());
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(file + ": context '" + name + "': unknown setting '" + key + "'; known: "
            + KEYS);
      }
      String value = String.valueOf(e.getValue()).trim();
      out.put(key, value.startsWith("~/") ? home + value.substring(1) : value);
    }
    return out;
  }
}
