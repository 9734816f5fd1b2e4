package dev.baton.agent.journal;

import dev.baton.proto.v1.RunFinished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results not yet acknowledged by the coordinator, one file per attempt in the agent's state directory, written
 * and synced before the result is sent. A coordinator restart, failover or network cut therefore loses no result:
 * the agent sends whatever the journal holds again after it reconnects, until a ResultAck removes it.
 */
public final class ResultJournal {
  private static final Logger log = LoggerFactory.getLogger(ResultJournal.class);
  private static final String SUFFIX = ".result";

  private final Path directory;

  public ResultJournal(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
  }

  /** Keeps {@code result} durably (written to a temporary file, synced, renamed, directory synced). */
  public void add(RunFinished result) {
    Path target = file(result.getRunId(), result.getAttempt());
    Path temp = directory.resolve(target.getFileName() + ".tmp");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        out.write(java.nio.ByteBuffer.wrap(result.toByteArray()));
        out.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the result journal in " + directory, e);
    }
  }

  /** Forgets an acknowledged result. */
  public void remove(String runId, int attempt) {
    try {
      Files.deleteIfExists(file(runId, attempt));
    } catch (IOException e) {
      log.warn("cannot remove acknowledged result {}/{}: {}", runId, attempt, e.getMessage());
    }
  }

  /** Every result still waiting for an acknowledgement. */
  public List<RunFinished> pending() {
    List<RunFinished> out = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path f : files) {
        try {
          out.add(RunFinished.parseFrom(Files.readAllBytes(f)));
        } catch (IOException e) {
          log.warn("skipping unreadable journal entry {}: {}", f, e.getMessage());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the result journal in " + directory, e);
    }
    return out;
  }

  private Path file(String runId, int attempt) {
    return directory.resolve(runId + "-" + attempt + SUFFIX);
  }

  private void syncDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
