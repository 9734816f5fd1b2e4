package dev.baton.coordinator;

import dev.baton.client.Credentials;
import dev.baton.coordinator.config.CoordinatorConfig;
import dev.baton.ops.HostPort;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code baton-coordinator}: starts a coordinator and runs until SIGTERM / Ctrl-C. */
@Command(
    name = "baton-coordinator",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs a Baton coordinator: standalone (one coordinator, its own RocksDB store), or one of several "
        + "with --etcd: elected through etcd leases, standbys replicating the leader's store.",
    footer = {"", "Settings come from defaults, then --config FILE, then BATON_* environment variables "
        + "(BATON_LISTEN, BATON_DATA_DIR, ...), then flags; later ones win."})
public final class Main implements Callable<Integer> {
  @Option(names = "--config", paramLabel = "FILE", description = "YAML config file.")
  private Path configFile;

  @Option(names = "--listen", paramLabel = "HOST:PORT", description = "gRPC address (default 127.0.0.1:7070).")
  private String listen;

  @Option(names = "--http", paramLabel = "HOST:PORT", description = "HTTP port: /healthz, /readyz, /metrics, "
      + "/api/v1 (JSON), /ui/ (default 127.0.0.1:7080; 'off' for none).")
  private String http;

  @Option(names = "--data-dir", paramLabel = "DIR", description = "RocksDB directory (default data/coordinator).")
  private Path dataDir;

  @Option(names = "--insecure", description = "Allow a non-loopback listen address without TLS.")
  private boolean insecure;

  @Option(names = "--auth", description = "Check every call's token or certificate even on loopback (always on "
      + "beyond loopback).")
  private boolean auth;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "This coordinator's certificate (PEM), e.g. from "
      + "'baton pki issue coordinator NAME'.")
  private String tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "Its private key (PEM, PKCS#8).")
  private String tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE", description = "The cluster's CA certificate (PEM): agents' and "
      + "other coordinators' certificates must chain to it.")
  private String tlsCa;

  @Option(names = "--misfire-grace", paramLabel = "DURATION",
      description = "How late a tick may fire and still count as on time (default 60s).")
  private String misfireGrace;

  @Option(names = "--worker-ttl", paramLabel = "DURATION",
      description = "Silence after which a worker is dead and its runs are requeued (default 10s).")
  private String workerTtl;

  @Option(names = "--etcd", paramLabel = "HOST:PORT[,...]",
      description = "etcd endpoints: run highly available, elected through etcd (default: standalone).")
  private String etcd;

  @Option(names = "--advertise", paramLabel = "HOST:PORT",
      description = "The address other coordinators, agents and clients dial (default: the listen address).")
  private String advertise;

  @Option(names = "--lease-ttl", paramLabel = "DURATION",
      description = "Election lease TTL, whole seconds (default 3s): a dead leader is replaced after about this long.")
  private String leaseTtl;

  @Option(names = "--cluster", paramLabel = "NAME",
      description = "etcd key prefix, so several Baton clusters can share one etcd (default baton).")
  private String cluster;

  @Option(names = "--wal-retention", paramLabel = "DURATION",
      description = "HA: how long the leader keeps flushed write-ahead log for standbys to catch up from (default 1h; "
          + "0: none, a standby that was away gets a checkpoint).")
  private String walRetention;

  @Option(names = "--history-retention", paramLabel = "DURATION",
      description = "How long finished runs (and their output) are kept (default 7d); dead letters stay until "
          + "redriven or purged.")
  private String historyRetention;

  @Option(names = "--max-runs-per-job", paramLabel = "N",
      description = "How many runs of each job are kept at most, its newest (default 1000).")
  private String maxRunsPerJob;

  @Override
  public Integer call() throws Exception {
    Map<String, String> flags = new HashMap<>();
    if (listen != null) {
      flags.put("listen", listen);
    }
    if (http != null) {
      flags.put("http", http);
    }
    if (dataDir != null) {
      flags.put("data_dir", dataDir.toString());
    }
    if (insecure) {
      flags.put("insecure", "true");
    }
    if (auth) {
      flags.put("auth", "true");
    }
    if (tlsCert != null) {
      flags.put("tls_cert", tlsCert);
    }
    if (tlsKey != null) {
      flags.put("tls_key", tlsKey);
    }
    if (tlsCa != null) {
      flags.put("tls_ca", tlsCa);
    }
    if (misfireGrace != null) {
      flags.put("misfire_grace", misfireGrace);
    }
    if (workerTtl != null) {
      flags.put("worker_ttl", workerTtl);
    }
    if (etcd != null) {
      flags.put("etcd", etcd);
    }
    if (advertise != null) {
      flags.put("advertise", advertise);
    }
    if (leaseTtl != null) {
      flags.put("lease_ttl", leaseTtl);
    }
    if (cluster != null) {
      flags.put("cluster", cluster);
    }
    if (walRetention != null) {
      flags.put("wal_retention", walRetention);
    }
    if (historyRetention != null) {
      flags.put("history_retention", historyRetention);
    }
    if (maxRunsPerJob != null) {
      flags.put("max_runs_per_job", maxRunsPerJob);
    }
    CoordinatorConfig config;
    try {
      config = CoordinatorConfig.load(configFile, System.getenv(), flags);
    } catch (IllegalArgumentException e) {
      System.err.println("baton-coordinator: " + e.getMessage());
      return 2;
    }
    HostPort address = HostPort.parse(config.listen());
    NettyServerBuilder builder;
    try {
      builder = NettyServerBuilder.forAddress(new InetSocketAddress(address.host(), address.port()),
          serverCredentials(config));
    } catch (java.io.IOException | IllegalArgumentException e) {
      System.err.println("baton-coordinator: cannot read the TLS files: " + e.getMessage());
      return 2;
    }
    Coordinator coordinator = new Coordinator(config, builder, Clock.systemUTC());
    try {
      coordinator.start();
    } catch (java.io.IOException e) {
      System.err.println("baton-coordinator: cannot listen: " + e.getMessage());
      coordinator.close();
      return 1;
    } catch (dev.baton.coordinator.store.StoreException e) {
      System.err.println("baton-coordinator: " + e.getMessage());
      coordinator.close();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      coordinator.close();
      stopped.countDown();
    }, "baton-shutdown"));
    // Tools and tests wait for this line to know the coordinator is serving.
    System.out.println("baton-coordinator listening on " + address.host() + ":" + coordinator.port()
        + " epoch " + coordinator.epoch());
    if (coordinator.httpPort() >= 0) {
      System.out.println("baton-coordinator http on " + HostPort.parse(config.http()).host() + ":"
          + coordinator.httpPort());
    }
    System.out.flush();
    stopped.await();
    return 0;
  }

  /**
   * TLS with the coordinator's certificate, asking clients for theirs (agents and other coordinators prove who they
   * are with it; people and programs may use a token instead), or plain text.
   */
  static ServerCredentials serverCredentials(CoordinatorConfig config) throws java.io.IOException {
    if (config.security().tls().isEmpty()) {
      return InsecureServerCredentials.create();
    }
    Credentials.TlsFiles files = config.security().tls().get();
    return TlsServerCredentials.newBuilder()
        .keyManager(files.cert().get().toFile(), files.key().get().toFile())
        .trustManager(files.ca().toFile())
        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** This build's version, for {@code --version}. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"baton-coordinator " + Coordinator.VERSION};
    }
  }
}
