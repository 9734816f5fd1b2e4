package dev.baton.agent;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * An agent's Prometheus metrics (DESIGN.md section 9), on {@code /metrics} of its HTTP port ({@code --http}): runs
 * running, spawn time, results waiting in the journal, reconnects, and runs killed by self-fencing.
 */
public final class AgentMetrics {
  private static final double[] SPAWN_BUCKETS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter reconnects;
  private final Counter fencedKills;
  private final Histogram spawnTime;

  /**
   * @param running attempts running now
   * @param slots slots this agent offers
   * @param journalDepth results waiting for the coordinator's acknowledgement
   * @param connected whether the agent's stream to a coordinator is welcomed now
   */
  AgentMetrics(IntSupplier running, IntSupplier slots, IntSupplier journalDepth, BooleanSupplier connected) {
    JvmMetrics.builder().register(registry);
    reconnects = Counter.builder().name("baton_agent_reconnects_total")
        .help("Times the stream to the coordinator ended and the agent connected again").register(registry);
    fencedKills = Counter.builder().name("baton_agent_fenced_kills_total")
        .help("Runs killed because no coordinator was heard for nearly the worker TTL (on_disconnect: kill)")
        .register(registry);
    spawnTime = Histogram.builder().name("baton_agent_spawn_duration_seconds")
        .help("Time to start a run's process (fork and exec)")
        .classicOnly().classicUpperBounds(SPAWN_BUCKETS).register(registry);
    GaugeWithCallback.builder().name("baton_agent_runs_running").help("Attempts running on this agent")
        .callback(cb -> cb.call(running.getAsInt())).register(registry);
    GaugeWithCallback.builder().name("baton_agent_slots").help("Slots this agent offers")
        .callback(cb -> cb.call(slots.getAsInt())).register(registry);
    GaugeWithCallback.builder().name("baton_agent_journal_results")
        .help("Finished runs' results in the journal, waiting for the coordinator's acknowledgement")
        .callback(cb -> cb.call(journalDepth.getAsInt())).register(registry);
    GaugeWithCallback.builder().name("baton_agent_connected")
        .help("1 while the agent's stream to a coordinator is open and welcomed, else 0")
        .callback(cb -> cb.call(connected.getAsBoolean() ? 1 : 0)).register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  void reconnected() {
    reconnects.inc();
  }

  void fencedKills(int runs) {
    fencedKills.inc(runs);
  }

  void spawned(long nanos) {
    spawnTime.observe(nanos / 1e9);
  }
}
