package dev.baton.coordinator.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real, small file system for tests of a full disk: a tmpfs mounted under a temp directory (the tests run as
 * root, as the README's test command requires). {@link #fill} writes until the disk refuses another byte.
 */
public final class SmallDisk implements AutoCloseable {
  private final Path mount;

  private SmallDisk(Path mount) {
    this.mount = mount;
  }

  public static SmallDisk mount(Path under, String size) throws IOException, InterruptedException {
    Path mount = Files.createDirectories(under.resolve("disk"));
    run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mount.toString());
    return new SmallDisk(mount);
  }

  public Path path() {
    return mount;
  }

  /** Writes a filler file until the disk is full. */
  public void fill() throws IOException {
    try (var out = Files.newOutputStream(mount.resolve("filler"))) {
      byte[] block = new byte[64 * 1024];
      while (true) {
        out.write(block);
      }
    } catch (IOException full) {
      if (!String.valueOf(full.getMessage()).contains("No space left")) {
        throw full;
      }
    }
  }

  /** Frees what {@link #fill} took. */
  public void free() throws IOException {
    Files.deleteIfExists(mount.resolve("filler"));
  }

  @Override
  public void close() throws IOException {
    try {
      run("umount", "-l", mount.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while unmounting " + mount, e);
    }
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }
}
