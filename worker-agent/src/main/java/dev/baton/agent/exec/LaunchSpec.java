package dev.baton.agent.exec;

import dev.baton.proto.v1.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * What to run for one attempt.
 *
 * @param runId the run, for logs
 * @param attempt the attempt number, for logs
 * @param command argv (argv[0] looked up on the effective PATH unless it contains '/') or a shell
 *     string run as {@code /bin/sh -c}
 * @param env added to the agent's own environment (the job's env plus the {@code BATON_*}
 *     variables); an entry here wins over the agent's variable of the same name, PATH included
 * @param workingDir the process's working directory; {@code null} means the agent's own
 * @param timeout after this long the process group gets SIGTERM, then SIGKILL after {@code
 *     killGrace}; {@link Duration#ZERO} means no timeout
 * @param killGrace time between SIGTERM and SIGKILL when the attempt times out
 * @param maxOutputBytes how many of the last output bytes to keep for {@link
 *     ExecResult#outputTail()}; capped at 64 KiB
 * @param runAs the user the command runs as; {@code null}: the agent's own
 */
public record LaunchSpec(
    String runId,
    int attempt,
    Command command,
    Map<String, String> env,
    Path workingDir,
    Duration timeout,
    Duration killGrace,
    long maxOutputBytes,
    UserAccount runAs) {

  /** A command run as the agent's own user. */
  public LaunchSpec(String runId, int attempt, Command command, Map<String, String> env, Path workingDir,
      Duration timeout, Duration killGrace, long maxOutputBytes) {
    this(runId, attempt, command, env, workingDir, timeout, killGrace, maxOutputBytes, null);
  }

  public LaunchSpec {
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(command, "command");
    env = Map.copyOf(Objects.requireNonNull(env, "env"));
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(killGrace, "killGrace");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    if (killGrace.isNegative()) {
      throw new IllegalArgumentException("killGrace must not be negative: " + killGrace);
    }
    if (maxOutputBytes < 0) {
      throw new IllegalArgumentException("maxOutputBytes must not be negative: " + maxOutputBytes);
    }
  }
}
