package dev.baton.cli.commands;

import dev.baton.cli.output.Printer;
import dev.baton.client.BatonClient;
import java.io.InputStream;

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
}
