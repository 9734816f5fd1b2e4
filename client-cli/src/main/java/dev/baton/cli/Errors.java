package dev.baton.cli;

import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import dev.baton.cli.commands.CommandException;
import dev.baton.cli.output.InvalidInputException;
import dev.baton.client.Credentials;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The one place a failure becomes the line a person reads ({@code baton: CODE: message}) and an exit code.
 * Nothing here prints a stack trace.
 */
final class Errors {
  /** A failed call or command. */
  static final int FAILURE = 1;

  private Errors() {}

  /**
   * Request fields whose CLI flag is not simply the field's name in kebab case ({@code max_runs} is
   * {@code --max-runs}); a field is shown as its flag only when the command that failed has that flag.
   */
  private static final Map<String, String> FLAG_OF_FIELD = Map.ofEntries(
      Map.entry("job.dependencies", "--depends-on"),
      Map.entry("job.labels", "--label"),
      Map.entry("job.working_dir", "--workdir"),
      Map.entry("job.retry.strategy", "--retry"),
      Map.entry("job.retry.initial_delay", "--retry-delay"),
      Map.entry("job.retry.max_delay", "--max-retry-delay"),
      Map.entry("job.retry.multiplier", "--retry-multiplier"),
      Map.entry("job.retry.jitter", "--retry-jitter"),
      Map.entry("job.enabled", "--paused"),
      Map.entry("job.command.shell", "--shell"),
      Map.entry("page_size", "--limit"));
  private static final Pattern INDEX = Pattern.compile("\\[.*$");

  /** The line to show for a failure, without the {@code baton: } prefix. */
  static String describe(Throwable e, String target) {
    return describe(e, target, null);
  }

  /**
   * As {@link #describe(Throwable, String)}, with the request fields a refusal names shown as the flags of
   * {@code command} (the command that failed), where it has them: {@code --max-catchup}, not {@code job.max_catchup}.
   */
  static String describe(Throwable e, String target, CommandSpec command) {
    Status status = statusOf(e);
    if (status != null) {
      return describe(status, e, target, command);
    }
    if (e instanceof CommandException || e instanceof InvalidInputException || e instanceof IllegalArgumentException
        || e instanceof java.security.GeneralSecurityException) {
      return oneLine(String.valueOf(e.getMessage()));
    }
    if (e instanceof java.nio.file.FileSystemException fs) {
      return fs.getFile() + ": " + (fs.getReason() != null ? fs.getReason()
          : e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getClass().getSimpleName());
    }
    String message = e.getMessage() == null ? "" : ": " + oneLine(e.getMessage());
    return "unexpected error: " + e.getClass().getSimpleName() + message;
  }

  private static String describe(Status status, Throwable e, String target, CommandSpec command) {
    String code = status.getCode().name();
    // A status made on this side of the wire (it has a cause) means the coordinator was never reached; one the
    // coordinator sent (no leader, shutting down) keeps its own words.
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      Optional<String> tls = Credentials.tlsFailure(status.getCause());
      if (tls.isPresent()) {
        return code + ": TLS with the coordinator at " + target + " failed: " + oneLine(tls.get())
            + " (is --tls-ca the cluster's CA, does the coordinator serve TLS, and is its certificate issued for the "
            + "address dialled?)";
      }
    }
    // A TLS server drops a plaintext HTTP/2 preface at once: a clean close or, when the close races the preface
    // (a loaded machine), a reset that arrives as the status's cause.
    if (status.getCode() == Status.Code.UNAVAILABLE && closedAtOnce(status)) {
      return code + ": the coordinator at " + target + " closed the connection at once: it probably serves TLS; "
          + "pass --tls-ca (or BATON_TLS_CA, or a context)";
    }
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      return code + ": cannot reach the coordinator at " + target
          + " (is it running? set --coordinator or BATON_COORDINATOR)";
    }
    String violations = detail(e, BadRequest.class).map(bad -> bad.getFieldViolationsList().stream()
        .map(v -> flagOrField(v.getField(), command) + ": " + v.getDescription())
        .collect(Collectors.joining("; "))).orElse("");
    String description = !violations.isEmpty() ? oneLine(violations)
        : status.getDescription() == null ? "" : oneLine(status.getDescription());
    // Fields the coordinator's words name (ErrorInfo metadata "fields"), as this command's flags.
    String fields = detail(e, ErrorInfo.class).map(info -> info.getMetadataOrDefault("fields", "")).orElse("");
    for (String field : fields.split(",")) {
      String flag = flagOrField(field.trim(), command);
      if (!field.isBlank() && !flag.equals(field.trim())) {
        description = description.replaceAll("\\b" + Pattern.quote(field.trim()) + "\\b",
            java.util.regex.Matcher.quoteReplacement(flag));
      }
    }
    return description.isEmpty() ? code : code + ": " + description;
  }

  /** The flag of {@code command} that sets a request field, keeping an index or key ({@code --label[team]}). */
  private static String flagOrField(String field, CommandSpec command) {
    if (command == null) {
      return field;
    }
    Matcher index = INDEX.matcher(field);
    String suffix = index.find() ? index.group() : "";
    String bare = field.substring(0, field.length() - suffix.length());
    String flag = FLAG_OF_FIELD.getOrDefault(bare,
        "--" + bare.substring(bare.lastIndexOf('.') + 1).replace('_', '-'));
    return command.findOption(flag) != null ? flag + suffix : field;
  }

  /** What gRPC says when a plain-text client meets a TLS port: the server hangs up on the first bytes. */
  private static final Pattern PLAINTEXT_TO_TLS =
      Pattern.compile("Network closed for unknown reason|first received frame was not SETTINGS|Connection reset");

  private static boolean closedAtOnce(Status status) {
    if (status.getDescription() != null && PLAINTEXT_TO_TLS.matcher(status.getDescription()).find()) {
      return true;
    }
    for (Throwable cause = status.getCause(); cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && PLAINTEXT_TO_TLS.matcher(cause.getMessage()).find()) {
        return true;
      }
    }
    return false;
  }

  /** A detail of a google.rpc.Status the coordinator sent, if it has one of this type. */
  private static <T extends com.google.protobuf.Message> Optional<T> detail(Throwable e, Class<T> type) {
    com.google.rpc.Status detailed = StatusProto.fromThrowable(e);
    if (detailed == null) {
      return Optional.empty();
    }
    for (com.google.protobuf.Any any : detailed.getDetailsList()) {
      if (any.is(type)) {
        try {
          return Optional.of(any.unpack(type));
        } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  private static Status statusOf(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof StatusRuntimeException s) {
        return s.getStatus();
      }
      if (t instanceof StatusException s) {
        return s.getStatus();
      }
    }
    return null;
  }

  /** Joins the lines of a message so a failure is always one line: "; " between them, or a space after punctuation. */
  static String oneLine(String s) {
    String[] lines = s.strip().split("\\s*\\R\\s*");
    StringBuilder out = new StringBuilder(lines[0]);
    for (int i = 1; i < lines.length; i++) {
      boolean punctuated = out.length() > 0 && ";:,.".indexOf(out.charAt(out.length() - 1)) >= 0;
      out.append(punctuated ? " " : "; ").append(lines[i]);
    }
    return out.toString();
  }
}
