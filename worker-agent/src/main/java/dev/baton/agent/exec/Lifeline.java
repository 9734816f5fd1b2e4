package dev.baton.agent.exec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Makes the runs die with the agent. One small bash process per agent, in its own session, holds a lifeline: its
 * standard input is a pipe from the agent, on which the agent never writes. When the agent dies, however it dies
 * ({@code kill -9}, the OOM killer), the kernel closes the pipe; the reaper reads end-of-file, reads the agent's
 * {@link RunRecords} file (which the agent keeps current as each run starts and ends, and which the page cache
 * holds past the agent's death) and SIGKILLs every process group still listed there — within milliseconds, well
 * before the coordinator's worker TTL could hand those runs to another worker.
 *
 * <p>Nothing passes per run: the reaper sleeps in one read(2) for the agent's whole life. (It used to be told each
 * group on its pipe, and bash's {@code read} takes a pipe a byte at a time: about 0.35 ms of CPU per run.)
 */
public final class Lifeline implements AutoCloseable {
  /** Waits for end of file on stdin, then kills the groups that the records file ($1) lists as live. */
  private static final String REAPER = String.join("\n",
      "while read -r _; do :; done",
      "declare -A groups",
      "while read -r line; do",
      "  case \"$line\" in",
      "    +*) group=\"${line%% *}\"; groups[${group:1}]=1 ;;",
      "    -*) unset \"groups[${line:1}]\" ;;",
      "  esac",
      "done < \"$1\"",
      "for g in \"${!groups[@]}\"; do kill -KILL -- \"-$g\" 2>/dev/null; done");

  private final Process reaper;

  private Lifeline(Process reaper) {
    this.reaper = reaper;
  }

  /** Starts the reaper over the records file {@code records} (which need not exist yet). */
  public static Lifeline start(Path records) throws IOException {
    List<String> command = List.of(ProcessGroups.setsid(), "/bin/bash", "-c", REAPER, "baton-reaper",
        records.toAbsolutePath().toString());
    Process reaper = new ProcessBuilder(command)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    return new Lifeline(reaper);
  }

  /** Closes the lifeline as the agent's death does (for tests: the reaper then kills what the records list). */
  void cut() throws IOException {
    reaper.getOutputStream().close();
  }

  public boolean alive() {
    return reaper.isAlive();
  }

  public long pid() {
    return reaper.pid();
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
