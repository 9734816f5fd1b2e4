package dev.baton.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class FileDefaultsTest {
  @TempDir Path dir;

  @Command(name = "agent")
  static final class Flags {
    @Option(names = "--coordinator", defaultValue = "${env:BATON_COORDINATOR:-127.0.0.1:7070}")
    String coordinator;

    @Option(names = "--tls-ca", defaultValue = "${env:BATON_TLS_CA}")
    String tlsCa;

    @Option(names = "--allowed-commands", split = ",", defaultValue = "${env:BATON_AGENT_ALLOWED_COMMANDS}")
    List<String> allowedCommands;

    @Option(names = "--allow-root", defaultValue = "${env:BATON_AGENT_ALLOW_ROOT:-false}")
    boolean allowRoot;
  }

  private Flags parse(Map<String, String> env, String yaml, String... args) throws Exception {
    Path file = dir.resolve("agent.yaml");
    Files.writeString(file, yaml);
    Flags flags = new Flags();
    CommandLine line = new CommandLine(flags);
    line.setDefaultValueProvider(FileDefaults.read(file, line.getCommandSpec(), env));
    line.parseArgs(args);
    return flags;
  }

  @Test
  void flagsBeatTheEnvironmentBeatsTheFileBeatsDefaults() throws Exception {
    String yaml = "coordinator: c1:7070\ntls-ca: /etc/baton/ca.pem\nallowed-commands: [/usr/bin/*, /opt/**]\n"
        + "allow-root: true\n";
    Flags fromFile = parse(Map.of(), yaml);
    assertEquals("c1:7070", fromFile.coordinator);
    assertEquals("/etc/baton/ca.pem", fromFile.tlsCa);
    assertEquals(List.of("/usr/bin/*", "/opt/**"), fromFile.allowedCommands);
    assertTrue(fromFile.allowRoot);
    assertEquals("c2:7070", parse(Map.of("BATON_COORDINATOR", "c2:7070"), yaml).coordinator);
    assertEquals("c3:7070", parse(Map.of("BATON_COORDINATOR", "c2:7070"), yaml, "--coordinator", "c3:7070")
        .coordinator);
    assertEquals("127.0.0.1:7070", parse(Map.of(), "tls-ca: x\n").coordinator);
  }

  @Test
  void aKeyThatIsNoFlagIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(Map.of(), "coordinatr: x\n"));
    assertTrue(e.getMessage().contains("unknown setting 'coordinatr'"), e.getMessage());
  }
}
