package dev.baton.agent.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.proto.v1.Argv;
import dev.baton.proto.v1.Command;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RunLimitsTest {
  private static final UserAccount NOBODY = new UserAccount("nobody", 65534, 65534, "/nonexistent");
  private static final UserAccount DAEMON = new UserAccount("daemon", 1, 1, "/usr/sbin");
  private static final UserAccount ROOT = new UserAccount("root", 0, 0, "/root");
  /** PATH lookups as on a Debian host. */
  private static final Function<String, Optional<Path>> WHICH = program -> switch (program) {
    case "echo" -> Optional.of(Path.of("/usr/bin/echo"));
    case "rm" -> Optional.of(Path.of("/usr/bin/rm"));
    default -> Optional.empty();
  };

  private static Command argv(String... args) {
    return Command.newBuilder().setArgv(Argv.newBuilder().addAllArgs(List.of(args))).build();
  }

  private static Command shell(String text) {
    return Command.newBuilder().setShell(text).build();
  }

  private static String refusal(RunLimits limits, Command command, Map<String, String> env, String runAs) {
    RunLimits.Decision d = limits.decide(command, env, runAs, WHICH);
    return d instanceof RunLimits.Decision.Refuse r ? r.reason() : "";
  }

  private static Optional<UserAccount> user(RunLimits limits, String runAs) {
    return ((RunLimits.Decision.Run) limits.decide(argv("echo"), Map.of(), runAs, WHICH)).user();
  }

  @Test
  void programsMustMatchAGlobAsWrittenOrAsFoundOnPath() {
    RunLimits limits = new RunLimits(List.of("/usr/bin/echo", "/opt/jobs/**"), false, Optional.of(NOBODY), Map.of(),
        false, Set.of(), 0);
    assertEquals("", refusal(limits, argv("echo", "hi"), Map.of(), ""));
    assertEquals("", refusal(limits, argv("/usr/bin/echo"), Map.of(), ""));
    assertEquals("", refusal(limits, argv("/opt/jobs/nightly/backup.sh"), Map.of(), ""));
    assertEquals("'rm' (/usr/bin/rm) is not in this agent's --allowed-commands", refusal(limits, argv("rm", "-rf"),
        Map.of(), ""));
    assertEquals("'/opt/jobs/../../bin/sh' (/bin/sh) is not in this agent's --allowed-commands",
        refusal(limits, argv("/opt/jobs/../../bin/sh"), Map.of(), ""), "a path is judged as it resolves");
    assertTrue(refusal(limits, shell("echo hi"), Map.of(), "").startsWith("shell commands are not allowed"));
    RunLimits withShell = new RunLimits(List.of("/usr/bin/echo"), true, Optional.of(NOBODY), Map.of(), false,
        Set.of(), 0);
    assertEquals("", refusal(withShell, shell("echo hi"), Map.of(), ""));
    assertEquals("", refusal(RunLimits.none(0, true), argv("rm"), Map.of(), ""), "no list: any program");
  }

  @Test
  void usersComeFromTheJobOnlyIfAllowedElseFromRunAsAndRootOnlyWithAllowRoot() {
    RunLimits limits = new RunLimits(List.of(), true, Optional.of(NOBODY), Map.of("daemon", DAEMON), false,
        Set.of(), 0);
    assertEquals(Optional.of(NOBODY), user(limits, ""));
    assertEquals(Optional.of(DAEMON), user(limits, "daemon"));
    assertEquals("the job runs as 'root', which is not in this agent's --allowed-users",
        refusal(limits, argv("echo"), Map.of(), "root"));

    RunLimits asRoot = new RunLimits(List.of(), true, Optional.empty(), Map.of("root", ROOT), false, Set.of(), 0);
    assertTrue(refusal(asRoot, argv("echo"), Map.of(), "").contains("would run as root"));
    assertTrue(refusal(asRoot, argv("echo"), Map.of(), "root").contains("would run as root"),
        "listed in --allowed-users is not enough for root");
    assertEquals(Optional.empty(), user(RunLimits.none(0, true), ""), "--allow-root: as the agent itself");

    RunLimits notRoot = new RunLimits(List.of(), true, Optional.empty(), Map.of("daemon", DAEMON), false, Set.of(),
        1000);
    assertEquals(Optional.empty(), user(notRoot, ""));
    assertTrue(refusal(notRoot, argv("echo"), Map.of(), "daemon").contains("cannot switch users"));
  }

  @Test
  void pathAndTheLoaderVariablesOnlyWhereAllowed() {
    RunLimits limits = new RunLimits(List.of(), true, Optional.of(NOBODY), Map.of(), false, Set.of("PATH"), 0);
    assertEquals("", refusal(limits, argv("echo"), Map.of("PATH", "/opt/bin:/usr/bin", "TZ", "UTC"), ""));
    for (String name : List.of("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT")) {
      assertTrue(refusal(limits, argv("echo"), Map.of(name, "/tmp/x"), "").contains("sets " + name), name);
    }
    assertTrue(refusal(RunLimits.none(0, true), argv("echo"), Map.of("PATH", "/tmp"), "").contains("sets PATH"));
  }
}
