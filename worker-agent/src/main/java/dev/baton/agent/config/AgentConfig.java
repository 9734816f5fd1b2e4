package dev.baton.agent.config;

import dev.baton.agent.exec.RunLimits;
import dev.baton.client.Credentials;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The agent's settings, validated. Each comes from a flag, else an environment variable, else its default:
 *
 * @param coordinator host:port of the coordinator ({@code BATON_COORDINATOR}, default 127.0.0.1:7070)
 * @param name the worker's name ({@code BATON_AGENT_NAME}, default the host name)
 * @param labels matched by job selectors ({@code BATON_AGENT_LABELS}, {@code k=v,k2=v2})
 * @param slots capacity ({@code BATON_AGENT_SLOTS}, default the number of CPUs)
 * @param stateDir the agent's id and result journal ({@code BATON_AGENT_STATE_DIR}, default data/agent)
 * @param workDir where commands run unless a job says otherwise (default: the state dir's {@code work})
 * @param credentials TLS files ({@code BATON_TLS_CA}, {@code BATON_TLS_CERT}, {@code BATON_TLS_KEY}) and an agent
 *     token ({@code BATON_TOKEN}), or plain text
 * @param limits what the agent agrees to run, and as whom
 */
public record AgentConfig(String coordinator, String name, Map<String, String> labels, int slots, Path stateDir,
    Path workDir, Credentials credentials, RunLimits limits) {

  public AgentConfig {
    if (!coordinator.contains(":")) {
      throw new IllegalArgumentException("coordinator '" + coordinator + "' is not host:port");
    }
    if (name.isBlank()) {
      throw new IllegalArgumentException("the agent needs a name");
    }
    if (slots < 1 || slots > 100_000) {
      throw new IllegalArgumentException("slots must be between 1 and 100000, got " + slots);
    }
    labels = Map.copyOf(labels);
  }

  public static String defaultName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "agent";
    }
  }

  public static int defaultSlots() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** Parses {@code k=v,k2=v2}. */
  public static Map<String, String> parseLabels(String text) {
    Map<String, String> labels = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return labels;
    }
    for (String pair : text.split(",")) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("label '" + pair.trim() + "' is not key=value");
      }
      labels.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return labels;
  }
}
