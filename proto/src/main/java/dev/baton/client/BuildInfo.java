package dev.baton.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What Maven wrote about this build: the version every part of Baton shows (CLI, coordinator, agent). */
public final class BuildInfo {
  private static final String VERSION = load().getProperty("version", "(unknown version)");

  private BuildInfo() {}

  /** This build's version, e.g. {@code 0.1.0}. */
  public static String version() {
    return VERSION;
  }

  private static Properties load() {
    Properties p = new Properties();
    try (InputStream s = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (s != null) {
        p.load(s);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }
}
