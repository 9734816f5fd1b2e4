package dev.baton.cli;

import com.google.rpc.BadRequest;
import dev.baton.cli.commands.CommandException;
import dev.baton.cli.output.InvalidInputException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.stream.Collectors;

/**
 * The one place a failure becomes the line a person reads ({@code baton: CODE: message}) and an exit code.
 * Nothing here prints a stack trace.
 */
final class Errors {
  /** A failed call or command. */
  static final int FAILURE = 1;

  private Errors() {}

  /** The line to show for a failure, without the {@code baton: } prefix. */
  static String describe(Throwable e, String target) {
    Status status = statusOf(e);
    if (status != null) {
      return describe(status, e, target);
    }
    if (e instanceof CommandException || e instanceof InvalidInputException) {
      return oneLine(e.getMessage());
    }
    String message = e.getMessage() == null ? "" : ": " + oneLine(e.getMessage());
    return "unexpected error: " + e.getClass().getSimpleName() + message;
  }

  private static String describe(Status status, Throwable e, String target) {
    String code = status.getCode().name();
    // A status made on this side of the wire (it has a cause) means the coordinator was never reached; one the
    // coordinator sent (no leader, shutting down) keeps its own words.
    if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
      return code + ": cannot reach the coordinator at " + target
          + " (is it running? set --coordinator or BATON_COORDINATOR)";
    }
    String description = status.getDescription() == null ? "" : oneLine(status.getDescription());
    if (description.isEmpty()) {
      description = fieldViolations(e);
    }
    return description.isEmpty() ? code : code + ": " + description;
  }

  /** {@code field: problem; field: problem} from a google.rpc.BadRequest detail, or empty. */
  private static String fieldViolations(Throwable e) {
    com.google.rpc.Status detailed = StatusProto.fromThrowable(e);
    if (detailed == null) {
      return "";
    }
    for (com.google.protobuf.Any any : detailed.getDetailsList()) {
      if (any.is(BadRequest.class)) {
        try {
          return any.unpack(BadRequest.class).getFieldViolationsList().stream()
              .map(v -> v.getField() + ": " + v.getDescription())
              .collect(Collectors.joining("; "));
        } catch (com.google.protobuf.InvalidProtocolBufferException ignored) {
          return "";
        }
      }
    }
    return "";
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
