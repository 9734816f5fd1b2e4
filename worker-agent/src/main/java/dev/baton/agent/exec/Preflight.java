package dev.baton.agent.exec;

import dev.baton.proto.v1.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Optional;

/**
 * Checks, before spawning, that a command can start: the working directory exists, and the
 * program exists and is executable. The same lookup execvp(3) does in the child, done here so
 * that a mistake becomes a clear FAILED result instead of a cryptic exit status from setsid.
 * Reads the file system; decides nothing else.
 */
final class Preflight {

  /** The shell that runs {@link Command#getShell()} commands. */
  static final String SHELL = "/bin/sh";

  /** glibc's execvp default when PATH is unset (confstr(_CS_PATH)). */
  static final String DEFAULT_PATH = "/bin:/usr/bin";

  private Preflight() {}

  /**
   * The argv to exec, without the setsid prefix: the command's argv as is, or {@code /bin/sh -c
   * SHELL}.
   */
  static List<String> argv(Command command) {
    switch (command.getKindCase()) {
      case ARGV:
        return command.getArgv().getArgsList();
      case SHELL:
        return List.of(SHELL, "-c", command.getShell());
      default:
        return List.of();
    }
  }

  /**
   * Why the command cannot start, or empty if it can.
   *
   * @param argv what {@link #argv} returned
   * @param workingDir the process's working directory, absolute
   * @param path the PATH of the process's environment; {@code null} if unset
   */
  static Optional<String> check(List<String> argv, Path workingDir, String path) {
    return locate(argv, workingDir, path).problem();
  }

  /** The file execvp(3) would run for argv[0], or why the command cannot start. */
  record Program(Path file, Optional<String> problem) {
    static Program cannot(String problem) {
      return new Program(null, Optional.of(problem));
    }
  }

  /** As {@link #check}, also saying which file runs: posix_spawn does not search PATH itself. */
  static Program locate(List<String> argv, Path workingDir, String path) {
    if (argv.isEmpty() || argv.get(0).isEmpty()) {
      return Program.cannot("cannot start: empty command");
    }
    BasicFileAttributes dir = attributes(workingDir);
    if (dir == null) {
      return Program.cannot("cannot start: working directory " + workingDir + " does not exist");
    }
    if (!dir.isDirectory()) {
      return Program.cannot("cannot start: working directory " + workingDir + " is not a directory");
    }
    String program = argv.get(0);
    try {
      if (program.indexOf('/') >= 0) {
        Path file = workingDir.resolve(program);
        return new Program(file, checkFile(file, program));
      }
      return which(program, workingDir, path).map(file -> new Program(file, Optional.empty()))
          .orElseGet(() -> Program.cannot("cannot start: no such executable '" + program + "' on PATH"));
    } catch (InvalidPathException e) {
      return Program.cannot("cannot start: invalid program name '" + program + "': " + e.getReason());
    }
  }

  private static Optional<String> checkFile(Path file, String program) {
    BasicFileAttributes attributes = attributes(file);
    if (attributes == null) {
      return Optional.of("cannot start: " + program + " does not exist");
    }
    if (attributes.isDirectory()) {
      return Optional.of("cannot start: " + program + " is a directory");
    }
    if (!Files.isExecutable(file)) {
      return Optional.of("cannot start: " + program + " is not executable");
    }
    return Optional.empty();
  }

  /**
   * Where execvp(3) would find {@code program} (a name without '/') on {@code path} ({@code null}: unset), from
   * {@code workingDir}.
   */
  static Optional<Path> which(String program, Path workingDir, String path) {
    // An empty PATH entry means the current directory, which is the child's working directory.
    for (String entry : (path == null ? DEFAULT_PATH : path).split(":", -1)) {
      Path candidate;
      try {
        candidate = workingDir.resolve(entry.isEmpty() ? "." : entry).resolve(program);
      } catch (InvalidPathException e) {
        continue;
      }
      // access(2) first: a miss costs one call and no exception.
      if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
        return Optional.of(candidate.normalize());
      }
    }
    return Optional.empty();
  }

  /** One stat(2), following links; null if there is nothing there (or it cannot be seen). */
  private static BasicFileAttributes attributes(Path path) {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException e) {
      return null;
    }
  }
}
