package dev.baton.agent.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A user of this host that commands may run as: its name, ids and home, from the system's user database.
 *
 * @param name the login name
 * @param uid the user id
 * @param gid the primary group id
 * @param home the home directory (HOME of its commands)
 */
public record UserAccount(String name, int uid, int gid, String home) {
  /**
   * The account called {@code name}, looked up with {@code getent passwd} (so LDAP and other NSS sources count too);
   * empty if there is none.
   */
  public static Optional<UserAccount> lookup(String name) throws IOException {
    Process getent = new ProcessBuilder("getent", "passwd", name).redirectErrorStream(true).start();
    String line;
    try {
      line = new String(getent.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!getent.waitFor(10, TimeUnit.SECONDS) || getent.exitValue() != 0) {
        return Optional.empty();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while looking up user " + name, e);
    }
    String[] fields = line.split(":", -1);
    if (fields.length < 7 || !fields[0].equals(name)) {
      return Optional.empty();
    }
    return Optional.of(new UserAccount(name, Integer.parseInt(fields[2]), Integer.parseInt(fields[3]), fields[5]));
  }
}
