package dev.baton.coordinator.worker;

import dev.baton.proto.v1.AgentMessage;
import dev.baton.proto.v1.HeldRun;
import dev.baton.proto.v1.Hello;
import dev.baton.proto.v1.RunFinished;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Bounds on everything an agent sends. What an agent says about itself (its hello) is kept in memory and shown to
 * every user: one agent with megabytes of labels must not make {@code worker list} fail for everyone, so a hello
 * beyond these bounds is refused with the field and the bound. Error texts of results are cut to a bound instead
 * (with a note), since refusing a result would lose it.
 */
final class AgentLimits {
  static final int MAX_ID = 128;
  static final int MAX_NAME = 128;
  static final int MAX_VERSION = 128;
  static final int MAX_SLOTS = 100_000;
  static final int MAX_LABELS = 64;
  static final int MAX_LABEL_KEY = 63;
  static final int MAX_LABEL_VALUE = 256;
  /** Runs one hello may say it holds: its slots' running attempts plus results waiting for acknowledgement. */
  static final int MAX_HELD_RUNS = 10_000;
  /** Longest error text kept from a result or a refusal. */
  static final int MAX_ERROR_TEXT = 4 * 1024;

  private static final Pattern LABEL_KEY = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?");

  private AgentLimits() {}

  /** What is wrong with a hello, naming the field and the bound; empty if nothing is. */
  static Optional<String> problem(Hello hello) {
    if (hello.getAgentId().isBlank() || hello.getAgentId().length() > MAX_ID) {
      return Optional.of("hello.agent_id is required, at most " + MAX_ID + " characters");
    }
    if (hello.getName().isBlank() || hello.getName().length() > MAX_NAME) {
      return Optional.of("hello.name is required, at most " + MAX_NAME + " characters");
    }
    if (hello.getAgentVersion().length() > MAX_VERSION) {
      return Optional.of("hello.agent_version is at most " + MAX_VERSION + " characters");
    }
    if (hello.getSlots() < 1 || hello.getSlots() > MAX_SLOTS) {
      return Optional.of("hello.slots must be between 1 and " + MAX_SLOTS);
    }
    if (hello.getLabelsCount() > MAX_LABELS) {
      return Optional.of("hello.labels: at most " + MAX_LABELS + " labels, got " + hello.getLabelsCount());
    }
    for (Map.Entry<String, String> label : hello.getLabelsMap().entrySet()) {
      String key = label.getKey();
      if (key.length() > MAX_LABEL_KEY || !LABEL_KEY.matcher(key).matches()) {
        return Optional.of("hello.labels: key '" + shorten(key, MAX_LABEL_KEY) + "' must be 1 to " + MAX_LABEL_KEY
            + " letters, digits, '.', '_', '/' or '-', starting and ending with a letter or digit");
      }
      if (label.getValue().length() > MAX_LABEL_VALUE) {
        return Optional.of("hello.labels[" + key + "]: at most " + MAX_LABEL_VALUE + " characters");
      }
    }
    if (hello.getHeldRunsCount() > MAX_HELD_RUNS) {
      return Optional.of("hello.held_runs: at most " + MAX_HELD_RUNS + ", got " + hello.getHeldRunsCount());
    }
    return Optional.empty();
  }

  /** The hello with the error texts of the results it carries cut to {@link #MAX_ERROR_TEXT}. */
  static Hello bounded(Hello hello) {
    if (hello.getHeldRunsList().stream().noneMatch(h -> tooLong(h.getResult().getError()))) {
      return hello;
    }
    Hello.Builder out = hello.toBuilder().clearHeldRuns();
    for (HeldRun held : hello.getHeldRunsList()) {
      out.addHeldRuns(held.hasResult() ? held.toBuilder().setResult(bounded(held.getResult())).build() : held);
    }
    return out.build();
  }

  /** The message with its error text cut to {@link #MAX_ERROR_TEXT}. */
  static AgentMessage bounded(AgentMessage message) {
    if (message.hasFinished() && tooLong(message.getFinished().getError())) {
      return message.toBuilder().setFinished(bounded(message.getFinished())).build();
    }
    if (message.hasRejected() && tooLong(message.getRejected().getMessage())) {
      return message.toBuilder().setRejected(message.getRejected().toBuilder()
          .setMessage(cut(message.getRejected().getMessage()))).build();
    }
    return message;
  }

  private static RunFinished bounded(RunFinished result) {
    return tooLong(result.getError()) ? result.toBuilder().setError(cut(result.getError())).build() : result;
  }

  private static boolean tooLong(String text) {
    return text.length() > MAX_ERROR_TEXT;
  }

  private static String cut(String text) {
    int dropped = text.getBytes(StandardCharsets.UTF_8).length;
    String kept = text.substring(0, MAX_ERROR_TEXT);
    dropped -= kept.getBytes(StandardCharsets.UTF_8).length;
    return kept + "... (" + dropped + " more bytes cut by the coordinator)";
  }

  private static String shorten(String text, int max) {
    return text.length() > max ? text.substring(0, max) + "..." : text;
  }
}
