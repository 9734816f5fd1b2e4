package dev.baton.cli.output;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import dev.baton.proto.v1.Job;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Prints API messages for scripts: {@code -o json} with Protobuf's canonical JSON mapping, {@code -o yaml} with
 * {@link ProtoYaml} — except jobs, which use the job YAML format ({@link JobYaml}) so that {@code job get -o yaml}
 * output can be applied again. Lists print as one JSON array, a YAML sequence, or a YAML stream of jobs.
 * People's tables are in the {@code *View} classes.
 */
public final class Printer {
  private static final JsonFormat.Printer JSON = JsonFormat.printer();

  private final PrintWriter out;
  private final OutputFormat format;

  public Printer(PrintWriter out, OutputFormat format) {
    this.out = out;
    this.format = format;
  }

  public OutputFormat format() {
    return format;
  }

  /** True when the person asked for no machine format: commands then print their own table or sentence. */
  public boolean isTable() {
    return format == OutputFormat.TABLE;
  }

  public PrintWriter out() {
    return out;
  }

  /** One message as JSON or YAML. */
  public void message(Message message) {
    switch (format) {
      case JSON -> out.println(json(message));
      case YAML -> out.print(message instanceof Job job ? JobYaml.toYaml(job) : ProtoYaml.toYaml(message));
      case TABLE -> throw new IllegalStateException("tables are printed by the views");
    }
  }

  /** Several messages as a JSON array, a YAML sequence, or (jobs) a YAML stream. */
  public void messages(List<? extends Message> messages) {
    switch (format) {
      case JSON -> {
        if (messages.isEmpty()) {
          out.println("[]");
        } else {
          out.println(messages.stream()
              .map(m -> indent(json(m)))
              .collect(Collectors.joining(",\n", "[\n", "\n]")));
        }
      }
      case YAML -> {
        if (!messages.isEmpty() && messages.stream().allMatch(m -> m instanceof Job)) {
          out.print(JobYaml.toYaml(messages.stream().map(m -> (Job) m).toList()));
        } else {
          out.print(ProtoYaml.toYaml(messages));
        }
      }
      case TABLE -> throw new IllegalStateException("tables are printed by the views");
    }
  }

  private static String json(Message message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail, and the API has none.
      throw new IllegalStateException("cannot print " + message.getDescriptorForType().getFullName(), e);
    }
  }

  private static String indent(String text) {
    return text.lines().map(l -> "  " + l).collect(Collectors.joining("\n"));
  }
}
