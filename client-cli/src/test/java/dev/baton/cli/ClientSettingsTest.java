package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientSettingsTest {
  @TempDir Path home;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void config() throws Exception {
    env.put("HOME", home.toString());
    Files.createDirectories(home.resolve(".config/baton"));
    Files.writeString(home.resolve("ca.pem"), "pem");
    Files.writeString(home.resolve("prod-token"), "baton_from-file\n");
    Files.writeString(home.resolve(".config/baton/config.yaml"), """
        current-context: prod
        contexts:
          prod:
            coordinator: c1:7070,c2:7070
            tls-ca: ~/ca.pem
            token-file: ~/prod-token
          local:
            coordinator: 127.0.0.1:7070
        """);
  }

  @Test
  void theCurrentContextThenTheEnvironmentThenFlags() {
    ClientSettings prod = ClientSettings.resolve(Map.of(), null, env);
    assertEquals("c1:7070,c2:7070", prod.target());
    assertTrue(prod.credentials().tls().isPresent());
    assertEquals(home.resolve("ca.pem"), prod.credentials().tls().get().ca(), "~ is the home directory");
    assertTrue(prod.credentials().hasToken());
    assertFalse(prod.credentials().toString().contains("baton_from-file"), "never shows the token");

    env.put("BATON_COORDINATOR", "c3:7070");
    assertEquals("c3:7070", ClientSettings.resolve(Map.of(), null, env).target());
    assertEquals("c4:7070", ClientSettings.resolve(Map.of("coordinator", "c4:7070"), null, env).target());

    ClientSettings local = ClientSettings.resolve(Map.of(), "local", Map.of("HOME", home.toString()));
    assertEquals("127.0.0.1:7070", local.target());
    assertTrue(local.credentials().tls().isEmpty());
    assertFalse(local.credentials().hasToken());
  }

  @Test
  void withoutAFileTheDefaultsAndMistakesAreNamed() {
    ClientSettings none = ClientSettings.resolve(Map.of(), null, Map.of("HOME", home.resolve("nowhere").toString()));
    assertEquals("127.0.0.1:7070", none.target());
    assertFalse(none.credentials().hasToken());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ClientSettings.resolve(Map.of(), "staging", env));
    assertTrue(e.getMessage().contains("no context named 'staging'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ClientSettings.resolve(Map.of("tls-cert", "x.pem"), null,
        Map.of("HOME", home.resolve("nowhere").toString())).credentials());
    assertTrue(e.getMessage().contains("--tls-ca"), e.getMessage());
  }
}
