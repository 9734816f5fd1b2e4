package dev.baton.coordinator.config;

import dev.baton.client.Credentials;
import dev.baton.client.DurationText;
import dev.baton.coordinator.run.RunRetention;
import dev.baton.ops.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The coordinator's settings: one immutable, validated record. Values come, later ones winning, from the
 * defaults ({@link #defaults()}), a YAML config file, environment variables ({@code BATON_LISTEN},
 * {@code BATON_DATA_DIR}, ...: the key upper-cased with a {@code BATON_} prefix) and command-line flags.
 *
 * @param listen host:port of the gRPC server
 * @param http host:port of the HTTP port (health, metrics, JSON API, dashboard); empty: none
 * @param dataDir the RocksDB directory
 * @param insecure allow listening on a non-loopback address without TLS
 * @param misfireGrace how late a tick may be processed and still count as on time (not missed)
 * @param workerTtl silence after which a worker is declared dead
 * @param heartbeatInterval how often agents heartbeat
 * @param maxOutputBytes output kept per attempt
 * @param ha the HA settings; {@link Ha#STANDALONE} without etcd
 * @param security TLS and auth; {@link Security#NONE} by default
 * @param retention how much run history is kept ({@code history_retention}, {@code max_runs_per_job})
 */
public record CoordinatorConfig(
    String listen,
    String http,
    Path dataDir,
    boolean insecure,
    Duration misfireGrace,
    Duration workerTtl,
    Duration heartbeatInterval,
    long maxOutputBytes,
    Ha ha,
    Security security,
    RunRetention.Settings retention) {

  /** Keys of the config file and the environment, in the order documented in the README. */
  public static final Set<String> KEYS = Set.of(
      "listen", "http", "data_dir", "insecure", "misfire_grace", "worker_ttl", "heartbeat_interval", "max_output_bytes",
      "etcd", "advertise", "lease_ttl", "cluster", "wal_retention", "auth", "tls_cert", "tls_key", "tls_ca",
      "history_retention", "max_runs_per_job");

  /**
   * TLS and auth (DESIGN.md section 9, Security).
   *
   * @param auth check every call's credentials even on loopback ({@code --auth}); beyond loopback they always are
   * @param tls the coordinator's certificate, key and the cluster's CA; empty: plain text (loopback only, unless
   *     {@code insecure})
   */
  public record Security(boolean auth, Optional<Credentials.TlsFiles> tls) {
    public static final Security NONE = new Security(false, Optional.empty());

    public Security {
      if (tls.isPresent() && tls.get().cert().isEmpty()) {
        throw new IllegalArgumentException("TLS needs the coordinator's certificate and key: --tls-cert and "
            + "--tls-key (besides --tls-ca)");
      }
    }
  }

  /**
   * High availability through etcd (DESIGN.md section 8).
   *
   * @param etcd etcd endpoints, {@code host:port} (plain text) or {@code https://host:port} (TLS with this
   *     coordinator's certificate and CA); empty: standalone
   * @param advertise the address other coordinators, agents and clients dial; empty: the listen address with the
   *     port actually bound
   * @param leaseTtl the election lease's time to live
   * @param cluster the etcd key prefix, so that several Baton clusters can share one etcd
   * @param walRetention how long the leader keeps write-ahead log files already flushed, for standbys that were away
   *     to catch up from the log (beyond it, or beyond 1 GiB, they get a checkpoint); zero keeps none
   */
  public record Ha(List<String> etcd, String advertise, Duration leaseTtl, String cluster, Duration walRetention) {
    public static final Ha STANDALONE = new Ha(List.of(), "", Duration.ofSeconds(3), "baton", Duration.ofHours(1));

    public Ha {
      etcd = List.copyOf(etcd);
      for (String endpoint : etcd) {
        HostPort.parse(endpoint.startsWith("https://") ? endpoint.substring("https://".length()) : endpoint);
      }
      if (!advertise.isEmpty()) {
        HostPort a = HostPort.parse(advertise);
        if (a.port() == 0 || a.host().equals("0.0.0.0") || a.host().equals("::")) {
          throw new IllegalArgumentException("advertise: " + advertise + " is not an address others can dial "
              + "(give a host and a port, not 0)");
        }
      }
      if (leaseTtl.compareTo(Duration.ofSeconds(2)) < 0 || leaseTtl.toMillis() % 1000 != 0) {
        throw new IllegalArgumentException("lease_ttl must be whole seconds, at least 2s (etcd leases count "
            + "seconds), not " + DurationText.format(leaseTtl));
      }
      if (walRetention.isNegative()) {
        throw new IllegalArgumentException("wal_retention must not be negative");
      }
      if (!cluster.matches("[A-Za-z0-9._-]{1,64}")) {
        throw new IllegalArgumentException("cluster: '" + cluster + "' must be 1 to 64 letters, digits, '.', '_' "
            + "or '-'");
      }
    }

    public boolean enabled() {
      return !etcd.isEmpty();
    }
  }

  public CoordinatorConfig {
    HostPort.parse(listen); // throws with a clear message
    if (!insecure && security.tls().isEmpty() && !HostPort.isLoopback(listen)) {
      throw new IllegalArgumentException("listen address " + listen + " is not loopback: without TLS "
          + "(--tls-cert, --tls-key, --tls-ca) the coordinator listens on loopback only; pass --insecure to listen "
          + "there in plain text anyway");
    }
    if (!http.isEmpty()) {
      try {
        HostPort.parse(http);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("http: " + e.getMessage() + " (give HOST:PORT, or 'off')");
      }
      if (!insecure && security.tls().isEmpty() && !HostPort.isLoopback(http)) {
        throw new IllegalArgumentException("http address " + http + " is not loopback: without TLS "
            + "(--tls-cert, --tls-key, --tls-ca) the HTTP port listens on loopback only; pass --insecure to listen "
            + "there in plain text anyway");
      }
    }
    if (security.tls().isEmpty() && ha.etcd().stream().anyMatch(e -> e.startsWith("https://"))) {
      throw new IllegalArgumentException("https etcd endpoints need TLS files: --tls-ca to check etcd, and "
          + "--tls-cert, --tls-key for etcd's --client-cert-auth");
    }
    if (ha.enabled() && security.tls().isEmpty() && (security.auth() || !HostPort.isLoopback(listen))) {
      throw new IllegalArgumentException("HA with auth needs TLS: coordinators prove themselves to each other by "
          + "their certificates (--tls-cert, --tls-key, --tls-ca)");
    }
    requirePositive(misfireGrace, "misfire_grace");
    requirePositive(workerTtl, "worker_ttl");
    requirePositive(heartbeatInterval, "heartbeat_interval");
    if (heartbeatInterval.compareTo(workerTtl) >= 0) {
      throw new IllegalArgumentException("heartbeat_interval must be shorter than worker_ttl");
    }
    if (maxOutputBytes < 1024) {
      throw new IllegalArgumentException("max_output_bytes must be at least 1024");
    }
  }

  public static CoordinatorConfig defaults() {
    return new CoordinatorConfig(
        "127.0.0.1:7070",
        "127.0.0.1:7080",
        Path.of("data", "coordinator"),
        false,
        Duration.ofSeconds(60),
        Duration.ofSeconds(10),
        Duration.ofSeconds(1),
        1L << 20,
        Ha.STANDALONE,
        Security.NONE,
        RunRetention.Settings.DEFAULT);
  }

  /**
   * Whether every call's credentials are checked: always when listening (gRPC or HTTP) beyond loopback, and on
   * loopback with {@code --auth}. A standalone coordinator on loopback (the quickstart) runs without.
   */
  public boolean authOn() {
    return security.auth() || !HostPort.isLoopback(listen) || (!http.isEmpty() && !HostPort.isLoopback(http));
  }

  /**
   * Builds the config from its sources.
   *
   * @param file a YAML file of {@link #KEYS}, or null
   * @param env the environment
   * @param flags values given on the command line, by key
   * @throws IllegalArgumentException naming the bad key or value
   */
  public static CoordinatorConfig load(Path file, Map<String, String> env, Map<String, String> flags)
      throws IOException {
    Map<String, String> values = new HashMap<>();
    if (file != null) {
      values.putAll(readFile(file));
    }
    for (String key : KEYS) {
      String fromEnv = env.get("BATON_" + key.toUpperCase());
      if (fromEnv != null && !fromEnv.isBlank()) {
        values.put(key, fromEnv);
      }
    }
    values.putAll(flags);
    CoordinatorConfig d = defaults();
    return new CoordinatorConfig(
        values.getOrDefault("listen", d.listen()),
        httpAddress(values.getOrDefault("http", d.http())),
        values.containsKey("data_dir") ? Path.of(values.get("data_dir")) : d.dataDir(),
        values.containsKey("insecure") ? Boolean.parseBoolean(values.get("insecure")) : d.insecure(),
        duration(values, "misfire_grace", d.misfireGrace()),
        duration(values, "worker_ttl", d.workerTtl()),
        duration(values, "heartbeat_interval", d.heartbeatInterval()),
        values.containsKey("max_output_bytes") ? parseLong(values, "max_output_bytes") : d.maxOutputBytes(),
        new Ha(
            values.containsKey("etcd") ? endpoints(values.get("etcd")) : d.ha().etcd(),
            values.getOrDefault("advertise", d.ha().advertise()).trim(),
            duration(values, "lease_ttl", d.ha().leaseTtl()),
            values.getOrDefault("cluster", d.ha().cluster()).trim(),
            values.containsKey("wal_retention") && values.get("wal_retention").trim().equals("0") ? Duration.ZERO
                : duration(values, "wal_retention", d.ha().walRetention())),
        new Security(
            values.containsKey("auth") ? Boolean.parseBoolean(values.get("auth").trim()) : d.security().auth(),
            Credentials.TlsFiles.of(values.get("tls_ca"), values.get("tls_cert"), values.get("tls_key"))),
        new RunRetention.Settings(
            duration(values, "history_retention", d.retention().history()),
            values.containsKey("max_runs_per_job") ? (int) Math.min(Integer.MAX_VALUE,
                parseLong(values, "max_runs_per_job")) : d.retention().maxRunsPerJob()));
  }

  /** The HTTP address; {@code off} (or empty) for none. */
  private static String httpAddress(String text) {
    String t = text.trim();
    return t.equalsIgnoreCase("off") || t.equalsIgnoreCase("false") ? "" : t;
  }

  /** A comma-separated list of {@code host:port} (a YAML list is read as its text, "[a, b]"). */
  private static List<String> endpoints(String text) {
    String list = text.trim();
    if (list.startsWith("[") && list.endsWith("]")) {
      list = list.substring(1, list.length() - 1);
    }
    List<String> out = new ArrayList<>();
    for (String part : list.split(",")) {
      if (!part.isBlank()) {
        out.add(part.trim());
      }
    }
    return out;
  }

  private static Map<String, String> readFile(Path file) throws IOException {
    Map<String, String> out = new HashMap<>();
    try (Reader reader = Files.newBufferedReader(file)) {
      Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      if (doc == null) {
        return out;
      }
      if (!(doc instanceof Map<?, ?> map)) {
        throw new IllegalArgumentException(file + ": expected a map of settings");
      }
      for (Map.Entry<?, ?> e : map.entrySet()) {
        String key = String.valueOf(e.getKey());
        if (!KEYS.contains(key)) {
          throw new IllegalArgumentException(file + ": unknown setting '" + key + "'; known: " + KEYS);
        }
        out.put(key, String.valueOf(e.getValue()));
      }
    }
    return out;
  }

  private static Duration duration(Map<String, String> values, String key, Duration fallback) {
    if (!values.containsKey(key)) {
      return fallback;
    }
    try {
      return DurationText.parse(values.get(key));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage());
    }
  }

  private static long parseLong(Map<String, String> values, String key) {
    try {
      return Long.parseLong(values.get(key).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": '" + values.get(key) + "' is not a whole number");
    }
  }

  private static void requirePositive(Duration d, String key) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive");
    }
  }

  /** The host name agents and tools see this coordinator under by default. */
  public static String localHostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
