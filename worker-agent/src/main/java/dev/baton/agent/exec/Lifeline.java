package dev.baton.agent.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the runs die with the agent. One small bash process per agent, in its own session, holds a lifeline: its
 * standard input is a pipe from the agent. The agent tells it each run's process group as the run starts
 * ({@code +PGID}) and ends ({@code -PGID}). When the agent dies, however it dies ({@code kill -9}, the OOM
 * killer), the kernel closes the pipe; the reaper reads end-of-file and SIGKILLs every group still listed —
 * within milliseconds, well before the coordinator's worker TTL could hand those runs to another worker.
 *
 * <p>The reaper uses only bash builtins ({@code read}, {@code kill}), so it costs no process per run.
 */
public final class Lifeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Lifeline.class);
  /** Reads "+PGID" / "-PGID" lines until end of file, then kills what is left. */
  private static final String REAPER = String.join("\n",
      "declare -A groups",
      "while read -r line; do",
      "  case \"$line\" in",
      "    +*) groups[${line:1}]=1 ;;",
      "    -*) unset \"groups[${line:1}]\" ;;",
      "  esac",
      "done",
      "for g in \"${!groups[@]}\"; do kill -KILL -- \"-$g\" 2>/dev/null; done");

  private final Process reaper;
  private final OutputStream pipe;

  private Lifeline(Process reaper) {
    this.reaper = reaper;
    this.pipe = reaper.getOutputStream();
  }

  /** Starts the reaper. */
  public static Lifeline start() throws IOException {
    List<String> command = List.of(ProcessGroups.setsid(), "/bin/bash", "-c", REAPER);
    Process reaper = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    return new Lifeline(reaper);
  }

  /** A run's process group started. */
  public void watch(long pgid) {
    write("+" + pgid);
  }

  /** A run's process group ended: the reaper must forget it (its number may be reused). */
  public void forget(long pgid) {
    write("-" + pgid);
  }

  public boolean alive() {
    return reaper.isAlive();
  }

  public long pid() {
    return reaper.pid();
  }

  private synchronized void write(String line) {
    try {
      pipe.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
      pipe.flush();
    } catch (IOException e) {
      log.warn("the lifeline reaper is gone ({}): runs will not die with the agent", e.getMessage());
    }
  }

  /**
   * Ends the reaper without killing anything: an orderly agent stop has no runs left, and must not kill runs
   * that keep going ({@code on_disconnect: keep}).
   */
  @Override
  public void close() {
    reaper.destroy();
  }
}
