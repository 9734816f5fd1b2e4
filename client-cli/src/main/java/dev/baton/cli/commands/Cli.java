package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.client.BatonClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;

/**
 * What a command may use: the coordinator, the output, standard input. Handed to each command's constructor by the
 * root command ({@code dev.baton.cli.Main}), which owns the client and closes it when the command is done.
 */
public interface Cli {
  /** The client, connected on first use to {@link #target()}. */
  BatonClient client();

  /** The coordinator's address: {@code --coordinator}, else {@code BATON_COORDINATOR}, else 127.0.0.1:7070. */
  String target();

  /** Standard output, in the format asked for with {@code -o}. */
  Printer printer();

  /** Standard input, for {@code -f -}. */
  InputStream in();

  /**
   * Standard output as bytes, for what must reach it unchanged (a run's output). Writing to it first flushes what
   * was printed through {@link #printer()}, so the two never change places.
   */
  OutputStream rawOut();

  /** Standard error, for hints and progress that scripts reading standard output must not see. */
  java.io.PrintWriter err();

  /** The caller's environment variables. */
  java.util.Map<String, String> env();

  /** A file named on the command line: relative names are relative to the caller's working directory. */
  java.nio.file.Path path(String name);

  /** The clock that ages are measured against (a worker's last heartbeat): the system's, or a test's. */
  Clock clock();
}
