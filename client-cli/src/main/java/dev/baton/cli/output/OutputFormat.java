package dev.baton.cli.output;

/** How a command prints its result: aligned tables and key/value blocks for people, JSON or YAML for scripts. */
public enum OutputFormat {
  TABLE,
  JSON,
  YAML
}
