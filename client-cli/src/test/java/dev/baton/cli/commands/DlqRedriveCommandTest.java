package dev.baton.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who a redrive is recorded as. */
class DlqRedriveCommandTest {
  @Test
  void byThenUserThenCli() {
    assertEquals("alice", DlqRedriveCommand.requester(" alice ", Map.of("USER", "bob")::get));
    assertEquals("bob", DlqRedriveCommand.requester(null, Map.of("USER", "bob")::get));
    assertEquals("bob", DlqRedriveCommand.requester("  ", Map.of("USER", "bob")::get));
    assertEquals("cli", DlqRedriveCommand.requester(null, Map.of("USER", " ")::get));
    assertEquals("cli", DlqRedriveCommand.requester(null, Map.<String, String>of()::get));
  }
}
