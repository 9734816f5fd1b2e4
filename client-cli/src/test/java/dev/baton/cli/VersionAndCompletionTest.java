package dev.baton.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BuildInfo;
import dev.baton.proto.v1.ClusterStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VersionAndCompletionTest {
  private final CliFixture cli;

  VersionAndCompletionTest() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void close() {
    cli.close();
  }

  @Test
  void versionShowsTheClientsAndTheCoordinators() {
    cli.fake.answer("GetClusterStatus", ClusterStatus.newBuilder().setVersion("9.9.9").setSchemaVersion(3).build());
    CliFixture.Result r = cli.run("--coordinator", "c1:7070", "version");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals("client: baton " + BuildInfo.version() + "\nserver: baton-coordinator 9.9.9 (store schema 3) at "
        + "c1:7070\n", r.out());
  }

  @Test
  void versionClientAsksNoCoordinator() {
    CliFixture.Result r = cli.run("version", "--client");
    assertEquals("client: baton " + BuildInfo.version() + "\n", r.out());
    assertTrue(cli.fake.calls().isEmpty(), cli.fake.calls().toString());
    assertEquals("baton " + BuildInfo.version() + "\n", cli.run("--version").out());
  }

  @Test
  void versionAsJson() {
    cli.fake.answer("GetClusterStatus", ClusterStatus.newBuilder().setVersion("9.9.9").setSchemaVersion(3).build());
    String json = cli.run("version", "-o", "json").out();
    assertTrue(json.contains("\"client\": \"" + BuildInfo.version() + "\""), json);
    assertTrue(json.contains("\"server\": \"9.9.9\""), json);
  }

  @Test
  void completionScriptsKnowTheCommandTree() {
    CliFixture.Result bash = cli.run("completion", "bash");
    assertEquals(0, bash.exitCode(), bash.err());
    assertTrue(bash.out().contains("complete -F _complete_baton"), "registers a completion function for baton");
    for (String word : new String[] {"job", "trigger", "--follow", "daemon", "\"medium\""}) {
      assertTrue(bash.out().contains(word), "completes " + word);
    }
    CliFixture.Result zsh = cli.run("completion", "zsh");
    assertTrue(zsh.out().startsWith("autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && "
        + "bashcompinit\n"), zsh.out().substring(0, 200));
    assertTrue(zsh.out().endsWith(bash.out()));
    CliFixture.Result fish = cli.run("completion", "fish");
    assertEquals(2, fish.exitCode());
  }
}
