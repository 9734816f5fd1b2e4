package dev.baton.coordinator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CoordinatorConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsArePinned() {
    CoordinatorConfig d = CoordinatorConfig.defaults();
    assertEquals("127.0.0.1:7070", d.listen());
    assertEquals("127.0.0.1:7080", d.http());
    assertEquals(Path.of("data", "coordinator"), d.dataDir());
    assertFalse(d.insecure());
    assertEquals(Duration.ofSeconds(60), d.misfireGrace());
    assertEquals(Duration.ofSeconds(10), d.workerTtl());
    assertEquals(Duration.ofSeconds(1), d.heartbeatInterval());
    assertEquals(1L << 20, d.maxOutputBytes());
  }

  @Test
  void theHttpPortIsLoopbackOnlyWithoutTlsAndBeyondItTurnsAuthOn() throws Exception {
    assertEquals("", CoordinatorConfig.load(null, Map.of(), Map.of("http", "off")).http());
    assertEquals("127.0.0.1:0", CoordinatorConfig.load(null, Map.of("BATON_HTTP", "127.0.0.1:0"), Map.of()).http());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> CoordinatorConfig.load(null, Map.of(), Map.of("http", "nonsense")));
    assertTrue(bad.getMessage().startsWith("http: "), bad.getMessage());
    IllegalArgumentException open = assertThrows(IllegalArgumentException.class,
        () -> CoordinatorConfig.load(null, Map.of(), Map.of("http", "0.0.0.0:7080")));
    assertTrue(open.getMessage().contains("--insecure"), open.getMessage());
    CoordinatorConfig insecure = CoordinatorConfig.load(null, Map.of(), Map.of("http", "0.0.0.0:7080",
        "insecure", "true"));
    assertTrue(insecure.authOn(), "an HTTP port beyond loopback asks every caller for a token");
  }

  @Test
  void historyRetentionAndRunsPerJobAreReadAndChecked() throws Exception {
    assertEquals(Duration.ofDays(7), CoordinatorConfig.defaults().retention().history());
    assertEquals(1000, CoordinatorConfig.defaults().retention().maxRunsPerJob());
    CoordinatorConfig c = CoordinatorConfig.load(null, Map.of("BATON_HISTORY_RETENTION", "30d"),
        Map.of("max_runs_per_job", "50"));
    assertEquals(Duration.ofDays(30), c.retention().history());
    assertEquals(50, c.retention().maxRunsPerJob());
    assertThrows(IllegalArgumentException.class, () -> CoordinatorConfig.load(null, Map.of(),
        Map.of("max_runs_per_job", "0")));
    assertThrows(IllegalArgumentException.class, () -> CoordinatorConfig.load(null, Map.of(),
        Map.of("history_retention", "10s")));
  }

  @Test
  void flagsBeatEnvironmentBeatsFileBeatsDefaults() throws Exception {
    Path file = dir.resolve("coordinator.yaml");
    Files.writeString(file, "listen: 127.0.0.1:9000\ndata_dir: /tmp/from-file\nworker_ttl: 20s\n");
    CoordinatorConfig c = CoordinatorConfig.load(file,
        Map.of("BATON_DATA_DIR", "/tmp/from-env", "BATON_WORKER_TTL", "15s"),
        Map.of("worker_ttl", "12s"));
    assertEquals("127.0.0.1:9000", c.listen());
    assertEquals(Path.of("/tmp/from-env"), c.dataDir());
    assertEquals(Duration.ofSeconds(12), c.workerTtl());
    assertEquals(Duration.ofSeconds(60), c.misfireGrace());
  }

  @Test
  void refusesUnknownKeysAndBadValues() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "lisen: 127.0.0.1:1\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CoordinatorConfig.load(file, Map.of(), Map.of()));
    assertTrue(e.getMessage().contains("unknown setting 'lisen'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> CoordinatorConfig.load(null, Map.of(), Map.of("worker_ttl", "soon")));
    assertTrue(e.getMessage().startsWith("worker_ttl: 'soon' is not a duration"), e.getMessage());
  }

  @Test
  void aPublicAddressNeedsInsecureWithoutTls() throws Exception {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CoordinatorConfig.load(null, Map.of(), Map.of("listen", "0.0.0.0:7070")));
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
    assertTrue(CoordinatorConfig.load(null, Map.of(), Map.of("listen", "0.0.0.0:7070", "insecure", "true"))
        .insecure());
  }

  @Test
  void haSettingsComeFromTheFileTheEnvironmentAndFlags() throws Exception {
    CoordinatorConfig standalone = CoordinatorConfig.defaults();
    assertFalse(standalone.ha().enabled());
    assertEquals(Duration.ofSeconds(3), standalone.ha().leaseTtl());
    assertEquals("baton", standalone.ha().cluster());

    Path file = dir.resolve("ha.yaml");
    Files.writeString(file, "etcd: [10.0.0.1:2379, 10.0.0.2:2379]\ncluster: prod\n");
    CoordinatorConfig ha = CoordinatorConfig.load(file, Map.of("BATON_LEASE_TTL", "5s"),
        Map.of("advertise", "10.0.0.9:7070"));
    assertTrue(ha.ha().enabled());
    assertEquals(java.util.List.of("10.0.0.1:2379", "10.0.0.2:2379"), ha.ha().etcd());
    assertEquals("prod", ha.ha().cluster());
    assertEquals(Duration.ofSeconds(5), ha.ha().leaseTtl());
    assertEquals("10.0.0.9:7070", ha.ha().advertise());
    assertEquals(java.util.List.of("127.0.0.1:2379"),
        CoordinatorConfig.load(null, Map.of("BATON_ETCD", "127.0.0.1:2379"), Map.of()).ha().etcd());
  }

  @Test
  void haSettingsThatCannotWorkAreRefused() {
    for (Map<String, String> flags : java.util.List.of(
        Map.of("etcd", "127.0.0.1:2379", "advertise", "10.0.0.9:0"),
        Map.of("etcd", "127.0.0.1:2379", "advertise", "0.0.0.0:7070"),
        Map.of("etcd", "127.0.0.1:2379", "lease_ttl", "1s"),
        Map.of("etcd", "127.0.0.1:2379", "lease_ttl", "2500ms"),
        Map.of("etcd", "127.0.0.1:2379", "cluster", "a/b"),
        Map.of("etcd", "nonsense"))) {
      assertThrows(IllegalArgumentException.class, () -> CoordinatorConfig.load(null, Map.of(), flags),
          flags.toString());
    }
  }

  @Test
  void authIsOnBeyondLoopbackOrWhenAskedAndTlsFilesComeFromEverySource() throws Exception {
    assertFalse(CoordinatorConfig.defaults().authOn(), "the quickstart on loopback runs without auth");
    assertTrue(CoordinatorConfig.load(null, Map.of(), Map.of("auth", "true")).authOn());
    assertTrue(CoordinatorConfig.load(null, Map.of(), Map.of("listen", "0.0.0.0:7070", "insecure", "true")).authOn(),
        "beyond loopback every call is checked, TLS or not");
    for (String name : java.util.List.of("ca.pem", "c1.pem", "c1-key.pem")) {
      Files.writeString(dir.resolve(name), "pem");
    }
    Path file = dir.resolve("tls.yaml");
    Files.writeString(file, "tls_cert: " + dir.resolve("c1.pem") + "\ntls_key: " + dir.resolve("c1-key.pem") + "\n");
    CoordinatorConfig tls = CoordinatorConfig.load(file, Map.of("BATON_TLS_CA", dir.resolve("ca.pem").toString()),
        Map.of("listen", "0.0.0.0:7070"));
    assertTrue(tls.security().tls().isPresent(), "TLS: no --insecure needed beyond loopback");
    assertEquals(dir.resolve("ca.pem"), tls.security().tls().get().ca());
    assertTrue(tls.authOn());
  }

  @Test
  void securitySettingsThatCannotWorkAreRefused() throws Exception {
    for (String name : java.util.List.of("ca.pem", "c1.pem", "c1-key.pem")) {
      Files.writeString(dir.resolve(name), "pem");
    }
    String ca = dir.resolve("ca.pem").toString();
    String cert = dir.resolve("c1.pem").toString();
    String key = dir.resolve("c1-key.pem").toString();
    Map<Map<String, String>, String> refused = Map.of(
        Map.of("tls_cert", cert, "tls_key", key), "--tls-ca",
        Map.of("tls_ca", ca), "certificate and key",
        Map.of("tls_ca", ca, "tls_cert", cert), "both --tls-cert and --tls-key",
        Map.of("tls_ca", dir.resolve("missing.pem").toString(), "tls_cert", cert, "tls_key", key), "cannot read",
        Map.of("etcd", "https://127.0.0.1:2379"), "https etcd endpoints need TLS files",
        Map.of("etcd", "127.0.0.1:2379", "auth", "true"), "HA with auth needs TLS");
    refused.forEach((flags, words) -> {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> CoordinatorConfig.load(null, Map.of(), flags), flags.toString());
      assertTrue(e.getMessage().contains(words), flags + ": " + e.getMessage());
    });
    assertEquals(java.util.List.of("https://127.0.0.1:2379"), CoordinatorConfig.load(null, Map.of(),
        Map.of("etcd", "https://127.0.0.1:2379", "tls_ca", ca, "tls_cert", cert, "tls_key", key)).ha().etcd());
  }
}
