package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.BatonHome;
import dev.baton.it.fixture.Cli;
import dev.baton.it.fixture.CoordinatorProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code .deb} the build makes, installed with dpkg into a throwaway root (its maintainer scripts run outside a
 * chroot with {@code DPKG_ROOT} set, as dpkg's --force-script-chrootless has it): the files, the user, the units
 * (checked by {@code systemd-analyze verify}), and a coordinator and an agent started from the installed files
 * running a job.
 */
class PackageInstallTest {
  @TempDir Path work;

  @Test
  void installsRunnableFilesAUserAndValidUnits() throws Exception {
    Path deb = debOfThisBuild();
    Path root = throwawayRoot();
    run(List.of("dpkg", "--root=" + root, "--force-script-chrootless", "--force-depends", "-i", deb.toString()));

    // Files: the launchers on PATH, the settings as conffiles readable by the baton group only, the units.
    assertEquals(Path.of("/usr/lib/baton/bin/baton"), Files.readSymbolicLink(root.resolve("usr/bin/baton")));
    assertEquals(Path.of("/usr/lib/baton/bin/baton-coordinator"),
        Files.readSymbolicLink(root.resolve("usr/bin/baton-coordinator")));
    assertEquals(Path.of("/usr/lib/baton/bin/baton-agent"), Files.readSymbolicLink(root.resolve("usr/bin/baton-agent")));
    assertTrue(Files.isRegularFile(root.resolve("usr/lib/baton/lib/cli/baton-cli.jar")));
    assertEquals(List.of("/etc/baton/agent.yaml", "/etc/baton/coordinator.yaml"),
        Files.readAllLines(root.resolve("var/lib/dpkg/info/baton.conffiles")).stream().sorted().toList());
    String passwd = Files.readString(root.resolve("etc/passwd"));
    String user = passwd.lines().filter(l -> l.startsWith("baton:")).findFirst()
        .orElseThrow(() -> new AssertionError("no baton user in\n" + passwd));
    String[] fields = user.split(":");
    assertTrue(Integer.parseInt(fields[2]) < 1000, "a system user: " + user);
    assertEquals("/usr/sbin/nologin", fields[6]);
    for (String dir : List.of("var/lib/baton/coordinator", "var/lib/baton/agent")) {
      PosixFileAttributes attributes = Files.readAttributes(root.resolve(dir), PosixFileAttributes.class);
      assertEquals(fields[2], uidOf(root.resolve(dir)), dir + " belongs to baton");
      assertEquals("rwxr-x---", PosixFilePermissions.toString(attributes.permissions()), dir);
    }
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(
        root.resolve("etc/baton/coordinator.yaml"))));

    // Units: systemd's own check, with nothing to say, and the hardening the coordinator's must have.
    String verify = run(List.of("systemd-analyze", "--root=" + root, "verify", "baton-coordinator.service",
        "baton-agent.service"));
    assertEquals("", verify.strip(), "systemd-analyze verify");
    String coordinatorUnit = Files.readString(root.resolve("lib/systemd/system/baton-coordinator.service"));
    for (String line : List.of("User=baton", "Restart=on-failure", "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/baton/coordinator", "NoNewPrivileges=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n",
        "ExecStart=/usr/bin/baton-coordinator --config /etc/baton/coordinator.yaml")) {
      assertTrue(coordinatorUnit.contains(line), "the coordinator's unit has " + line.strip());
    }
    String agentUnit = Files.readString(root.resolve("lib/systemd/system/baton-agent.service"));
    for (String line : List.of("KillMode=mixed", "Restart=on-failure", "ExecStart=/usr/bin/baton-agent --config "
        + "/etc/baton/agent.yaml")) {
      assertTrue(agentUnit.contains(line), "the agent's unit has " + line);
    }

    // The installed files run: a coordinator and an agent from /usr/lib/baton, with the installed settings (the
    // data directories moved into the throwaway root), and the installed CLI running a job on them.
    Path bin = root.resolve("usr/lib/baton/bin");
    try (CoordinatorProcess coordinator = new CoordinatorProcess(work, "--config",
        root.resolve("etc/baton/coordinator.yaml").toString()).launcher(bin.resolve("baton-coordinator")).start();
        AgentProcess agent = new AgentProcess(work, "installed-agent", "--config",
            root.resolve("etc/baton/agent.yaml").toString(), "--work-dir", work.toString())
            .launcher(bin.resolve("baton-agent")).start(coordinator.target())) {
      Cli baton = new Cli(coordinator.target(), Files.createDirectories(work.resolve("cli")))
          .launcher(bin.resolve("baton"));
      Cli.Result create = baton.run("job", "create", "hello", "--shell", "echo hello from the package");
      assertEquals(0, create.exitCode(), create.toString());
      Cli.Result trigger = baton.run("job", "trigger", "hello", "--wait");
      assertEquals(0, trigger.exitCode(), trigger.toString());
      Cli.Result version = baton.run("version");
      assertTrue(version.stdout().contains("server: baton-coordinator "), version.toString());
    }
  }

  /** The package of this build: packaging/target/baton_VERSION_all.deb. */
  private static Path debOfThisBuild() throws IOException {
    try (Stream<Path> files = Files.list(BatonHome.root().resolve("packaging/target"))) {
      return files.filter(f -> f.getFileName().toString().matches("baton_.*_all\\.deb")).findFirst()
          .orElseThrow(() -> new AssertionError("no packaging/target/baton_*_all.deb: build with mvn package"));
    }
  }

  /** An empty root with a dpkg database and the account files useradd edits. */
  private Path throwawayRoot() throws IOException, InterruptedException {
    Path root = work.resolve("root");
    Files.createDirectories(root.resolve("var/lib/dpkg/info"));
    Files.createDirectories(root.resolve("var/lib/dpkg/updates"));
    Files.createFile(root.resolve("var/lib/dpkg/status"));
    Path etc = Files.createDirectories(root.resolve("etc"));
    Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\n");
    Files.writeString(etc.resolve("group"), "root:x:0:\n");
    Files.writeString(etc.resolve("shadow"), "root:*:20000:0:99999:7:::\n");
    Files.writeString(etc.resolve("gshadow"), "root:*::\n");
    // systemd-analyze --root checks a unit's dependencies too: the targets every service is ordered after.
    Path units = Files.createDirectories(root.resolve("usr/lib/systemd/system"));
    try (Stream<Path> targets = Files.list(Path.of("/usr/lib/systemd/system"))) {
      for (Path target : targets.filter(f -> f.toString().endsWith(".target")).toList()) {
        Files.copy(target, units.resolve(target.getFileName()));
      }
    }
    return root;
  }

  private static String uidOf(Path file) throws IOException {
    return String.valueOf(Files.getAttribute(file, "unix:uid"));
  }

  /** Runs a command; its output (stdout and stderr), or an AssertionError with it if it failed. */
  private String run(List<String> command) throws IOException, InterruptedException {
    Path out = Files.createTempFile(work, "command", ".out");
    Process process = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true)
        .redirectOutput(out.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
    }
    String output = Files.readString(out, StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + process.exitValue() + ":\n" + output);
    }
    return output;
  }
}
