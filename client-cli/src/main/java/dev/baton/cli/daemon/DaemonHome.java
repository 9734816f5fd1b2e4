package dev.baton.cli.daemon;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the CLI daemon of this user and this build lives: a directory only this user can enter
 * ({@code $XDG_RUNTIME_DIR/baton}, else {@code ~/.cache/baton}) and in it a socket, a lock and a log named after
 * the build. A daemon serves only launchers of exactly its build (its class path's files, their sizes and times, and
 * the Java runtime): after a rebuild or an upgrade the next call starts a new daemon, and the old one idles out.
 */
record DaemonHome(Path dir, String build) {
  private static final Set<PosixFilePermission> OWNER = Set.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

  /** The directory for {@code env}, made if missing; empty when it cannot be made private to this user. */
  static Optional<DaemonHome> of(Map<String, String> env) {
    String runtime = env.get("XDG_RUNTIME_DIR");
    Path dir;
    if (runtime != null && !runtime.isBlank() && Files.isDirectory(Path.of(runtime))) {
      dir = Path.of(runtime, "baton");
    } else {
      String home = env.getOrDefault("HOME", System.getProperty("user.home"));
      dir = Path.of(home, ".cache", "baton");
    }
    if (!privateDirectory(dir)) {
      return Optional.empty();
    }
    return Optional.of(new DaemonHome(dir, buildOf(classPath(), System.getProperty("java.home"))));
  }

  /**
   * The whole CLI's class path: {@code baton.cli.classpath} as the shell launcher sets it (its lib directory's jars
   * expanded here), else this JVM's own.
   */
  static String classPath() {
    String set = System.getProperty("baton.cli.classpath");
    if (set == null || set.isBlank()) {
      return System.getProperty("java.class.path");
    }
    StringBuilder expanded = new StringBuilder();
    for (String entry : set.split(File.pathSeparator)) {
      if (entry.endsWith("/*")) {
        File[] jars = new File(entry.substring(0, entry.length() - 1)).listFiles();
        if (jars != null) {
          java.util.Arrays.sort(jars);
          for (File jar : jars) {
            if (jar.getName().endsWith(".jar")) {
              append(expanded, jar.getPath());
            }
          }
        }
      } else {
        append(expanded, entry);
      }
    }
    return expanded.toString();
  }

  private static void append(StringBuilder classPath, String entry) {
    if (classPath.length() > 0) {
      classPath.append(File.pathSeparatorChar);
    }
    classPath.append(entry);
  }

  Path socket() {
    return dir.resolve("cli-" + build + ".sock");
  }

  Path lock() {
    return lockOf(socket());
  }

  /** The lock beside a daemon's socket. */
  static Path lockOf(Path socket) {
    return socket.resolveSibling(socket.getFileName().toString().replaceFirst("\\.sock$", "") + ".lock");
  }

  Path log() {
    return dir.resolve("cli-" + build + ".log");
  }

  /**
   * Whether {@code dir} is (now) a directory that this user owns and no one else may enter: the socket in it runs
   * commands with this user's credentials, so nobody else may reach it or put one in its place.
   */
  static boolean privateDirectory(Path dir) {
    try {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir.getParent());
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      PosixFileAttributes attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      for (PosixFilePermission permission : attributes.permissions()) {
        if (!OWNER.contains(permission)) {
          return false;
        }
      }
      return attributes.isDirectory() && attributes.owner().getName().equals(System.getProperty("user.name"));
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }

  /** A short name for the build: a hash of the class path's files (name, size, time) and the Java runtime. */
  static String buildOf(String classPath, String javaHome) {
    long hash = 0xcbf2_9ce4_8422_2325L; // FNV-1a, 64 bits: enough to tell builds apart, and cheap at start-up
    StringBuilder text = new StringBuilder(javaHome).append('\n');
    for (String entry : classPath.split(File.pathSeparator)) {
      File file = new File(entry);
      text.append(file.getAbsolutePath()).append(' ').append(file.length()).append(' ').append(file.lastModified())
          .append('\n');
    }
    for (int i = 0; i < text.length(); i++) {
      hash ^= text.charAt(i);
      hash *= 0x100_0000_01b3L;
    }
    return Long.toHexString(hash);
  }
}
