package dev.baton.agent.journal;

import dev.baton.proto.v1.RunFinished;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
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
 *
 * <p>A full disk must not lose a result either: when an attempt is accepted, {@link #reserve} writes a small slot
 * file of {@link #SLOT_BYTES} for it. If the result file cannot be written later (no space), the result without
 * its output tail is written into the slot's blocks, which are already allocated, so a restarted agent still
 * reports what finished instead of letting the coordinator run it again.
 */
public final class ResultJournal {
  /** Size of the space reserved per attempt: a result without its output tail fits with room to spare. */
  public static final int SLOT_BYTES = 8 * 1024;
  /** Longest error text kept in a slot (the rest of the slot is the result's fixed fields). */
  private static final int SLOT_ERROR_CHARS = 2 * 1024;

  private static final Logger log = LoggerFactory.getLogger(ResultJournal.class);
  private static final String SUFFIX = ".result";
  private static final String SLOT_SUFFIX = ".slot";

  private final Path directory;

  public ResultJournal(Path directory) throws IOException {
    this.directory = Files.createDirectories(directory);
  }

  /**
   * Reserves the space for an attempt's result (best effort: false if even that cannot be written, and the result
   * then depends on the disk having room at the end).
   */
  public boolean reserve(String runId, int attempt) {
    Path slot = slot(runId, attempt);
    try (FileChannel out = FileChannel.open(slot, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer zeros = ByteBuffer.allocate(SLOT_BYTES);
      while (zeros.hasRemaining()) {
        out.write(zeros);
      }
      // Not synced: writing the zeros is what reserves the blocks (ext4's delayed allocation claims them at
      // write(2), or refuses with ENOSPC), and a slot only has to outlive the agent process, not the machine: a
      // crash of the machine ends the attempt too, with nothing to report. writeIntoSlot syncs what it keeps.
      return true;
    } catch (IOException e) {
      deleteQuietly(slot);
      log.warn("cannot reserve journal space for {}/{} in {}: {}", runId, attempt, directory, e.getMessage());
      return false;
    }
  }

  /**
   * Keeps {@code result} durably: written to a temporary file, synced, renamed, directory synced; if the disk has no
   * room for that, the result without its output tail goes into the attempt's reserved slot.
   *
   * @throws UncheckedIOException if neither could be written (the caller still has the result in memory)
   */
  public void add(RunFinished result) {
    Path target = file(result.getRunId(), result.getAttempt());
    Path temp = directory.resolve(target.getFileName() + ".tmp");
    try {
      try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = ByteBuffer.wrap(result.toByteArray());
        while (bytes.hasRemaining()) {
          out.write(bytes);
        }
        out.force(true);
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory();
      deleteQuietly(slot(result.getRunId(), result.getAttempt()));
    } catch (IOException e) {
      deleteQuietly(temp);
      try {
        writeIntoSlot(result);
        log.warn("journal in {}: {}; kept result {}/{} without its output tail in its reserved slot", directory,
            e.getMessage(), result.getRunId(), result.getAttempt());
      } catch (IOException slotFailed) {
        e.addSuppressed(slotFailed);
        throw new UncheckedIOException("cannot write the result journal in " + directory, e);
      }
    }
  }

  /** Writes a compact form of the result over the reserved slot's bytes, in place (no new blocks needed). */
  private void writeIntoSlot(RunFinished result) throws IOException {
    Path slot = slot(result.getRunId(), result.getAttempt());
    if (!Files.exists(slot)) {
      throw new IOException("no space was reserved for " + slot.getFileName());
    }
    String error = result.getError();
    byte[] compact = result.toBuilder().clearOutputTail()
        .setError(error.length() > SLOT_ERROR_CHARS ? error.substring(0, SLOT_ERROR_CHARS) : error)
        .build().toByteArray();
    if (compact.length + 4 > SLOT_BYTES) {
      throw new IOException("the result does not fit its slot");
    }
    try (FileChannel out = FileChannel.open(slot, StandardOpenOption.WRITE)) {
      ByteBuffer bytes = ByteBuffer.allocate(4 + compact.length).putInt(compact.length).put(compact).flip();
      while (bytes.hasRemaining()) {
        out.write(bytes, bytes.position());
      }
      out.force(true);
    }
    syncDirectory(); // the slot's name was never synced (reserve)
  }

  /** Forgets an acknowledged result (and its reserved slot). */
  public void remove(String runId, int attempt) {
    try {
      Files.deleteIfExists(file(runId, attempt));
      Files.deleteIfExists(slot(runId, attempt));
    } catch (IOException e) {
      log.warn("cannot remove acknowledged result {}/{}: {}", runId, attempt, e.getMessage());
    }
  }

  /** How many results wait for an acknowledgement (written in full; a count of files, nothing parsed). */
  public int depth() {
    int n = 0;
    try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path ignored : files) {
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the result journal in " + directory, e);
    }
    return n;
  }

  /** Every result still waiting for an acknowledgement, including those kept in reserved slots. */
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
    try (DirectoryStream<Path> slots = Files.newDirectoryStream(directory, "*" + SLOT_SUFFIX)) {
      for (Path slot : slots) {
        readSlot(slot).filter(r -> !Files.exists(file(r.getRunId(), r.getAttempt()))).ifPresent(out::add);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the result journal in " + directory, e);
    }
    return out;
  }

  /**
   * Removes slots that hold no result: reservations of attempts a previous agent process was running when it died.
   * Call at start, before any attempt is accepted.
   */
  public void dropEmptySlots() {
    try (DirectoryStream<Path> slots = Files.newDirectoryStream(directory, "*" + SLOT_SUFFIX)) {
      for (Path slot : slots) {
        if (readSlot(slot).isEmpty()) {
          deleteQuietly(slot);
        }
      }
    } catch (IOException e) {
      log.warn("cannot clean the journal in {}: {}", directory, e.getMessage());
    }
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(directory, "*" + SUFFIX + ".tmp")) {
      temps.forEach(ResultJournal::deleteQuietly);
    } catch (IOException e) {
      log.warn("cannot clean the journal in {}: {}", directory, e.getMessage());
    }
  }

  private static java.util.Optional<RunFinished> readSlot(Path slot) {
    try {
      ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(slot));
      int length = bytes.remaining() >= 4 ? bytes.getInt() : 0;
      if (length <= 0 || length > bytes.remaining()) {
        return java.util.Optional.empty();
      }
      return java.util.Optional.of(RunFinished.parseFrom(ByteBuffer.wrap(bytes.array(), 4, length)));
    } catch (IOException e) {
      log.warn("skipping unreadable journal slot {}: {}", slot, e.getMessage());
      return java.util.Optional.empty();
    }
  }

  private Path file(String runId, int attempt) {
    return directory.resolve(runId + "-" + attempt + SUFFIX);
  }

  private Path slot(String runId, int attempt) {
    return directory.resolve(runId + "-" + attempt + SLOT_SUFFIX);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.debug("cannot delete {}: {}", file, e.getMessage());
    }
  }

  private void syncDirectory() throws IOException {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    }
  }
}
