package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.proto.v1.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreflightTest {

  @TempDir Path dir;

  @Test
  void shellCommandsRunThroughBinSh() {
    assertEquals(
        List.of("/bin/sh", "-c", "echo hi"),
        Preflight.argv(Command.newBuilder().setShell("echo hi").build()));
    assertEquals(List.of(), Preflight.argv(Command.getDefaultInstance()));
  }

  @Test
  void emptyCommandCannotStart() {
    assertEquals(cannot("empty command"), Preflight.check(List.of(), dir, "/bin"));
    assertEquals(cannot("empty command"), Preflight.check(List.of(""), dir, "/bin"));
  }

  @Test
  void workingDirectoryMustBeADirectory() throws Exception {
    Path file = Files.writeString(dir.resolve("file"), "");
    assertEquals(
        cannot("working directory " + dir.resolve("none") + " does not exist"),
        Preflight.check(List.of("/bin/true"), dir.resolve("none"), "/bin"));
    assertEquals(
        cannot("working directory " + file + " is not a directory"),
        Preflight.check(List.of("/bin/true"), file, "/bin"));
  }

  @Test
  void programWithASlashIsResolvedAgainstTheWorkingDirectory() throws Exception {
    Path script = executable(dir.resolve("bin/run"));
    Files.writeString(dir.resolve("bin/data"), "");
    assertEquals(Optional.empty(), Preflight.check(List.of("bin/run"), dir, "/bin"));
    assertEquals(Optional.empty(), Preflight.check(List.of(script.toString()), Path.of("/"), "/bin"));
    assertEquals(cannot("./missing does not exist"), Preflight.check(List.of("./missing"), dir, "/bin"));
    assertEquals(cannot("./bin is a directory"), Preflight.check(List.of("./bin"), dir, "/bin"));
    assertEquals(cannot("bin/data is not executable"), Preflight.check(List.of("bin/data"), dir, "/bin"));
  }

  @Test
  void programWithoutASlashIsLookedUpOnThePath() throws Exception {
    executable(dir.resolve("tools/mytool"));
    Files.createDirectories(dir.resolve("plain"));
    Files.writeString(dir.resolve("plain/mytool"), ""); // not executable: skipped, as execvp does
    Files.createDirectories(dir.resolve("tools/adir"));
    String path = dir.resolve("plain") + ":" + dir.resolve("tools");

    assertEquals(Optional.empty(), Preflight.check(List.of("mytool"), Path.of("/"), path));
    assertEquals(
        cannot("no such executable 'mytool' on PATH"),
        Preflight.check(List.of("mytool"), Path.of("/"), dir.resolve("plain").toString()));
    assertEquals(
        cannot("no such executable 'adir' on PATH"),
        Preflight.check(List.of("adir"), Path.of("/"), path));
  }

  @Test
  void emptyAndRelativePathEntriesMeanTheWorkingDirectory() throws Exception {
    executable(dir.resolve("here"));
    executable(dir.resolve("sub/there"));
    assertEquals(Optional.empty(), Preflight.check(List.of("here"), dir, "/nope:"));
    assertEquals(Optional.empty(), Preflight.check(List.of("there"), dir, "sub"));
  }

  @Test
  void unsetPathFallsBackToTheDefault() {
    assertEquals(Optional.empty(), Preflight.check(List.of("sh"), dir, null));
  }

  private static Optional<String> cannot(String why) {
    return Optional.of("cannot start: " + why);
  }

  private static Path executable(Path file) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
