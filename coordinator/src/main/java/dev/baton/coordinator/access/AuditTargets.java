package dev.baton.coordinator.access;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Optional;

/** What a change was about, for the audit log: the request's job, run, worker or token, read by field name. */
final class AuditTargets {
  /** Fields that name what a request acts on, in order of preference; {@code job} may be a Job message. */
  private static final List<String> FIELDS = List.of("name", "id", "run_id", "worker", "job");

  private AuditTargets() {}

  static String of(Optional<Message> request) {
    return request.map(AuditTargets::of).orElse("");
  }

  static String of(Message request) {
    for (String name : FIELDS) {
      FieldDescriptor field = request.getDescriptorForType().findFieldByName(name);
      if (field == null || field.isRepeated()) {
        continue;
      }
      Object value = request.getField(field);
      if (value instanceof Message nested) {
        String inner = of(nested);
        if (!inner.isEmpty()) {
          return inner;
        }
      } else if (value instanceof String text && !text.isEmpty()) {
        return text;
      } else if (value instanceof Long number && number != 0) {
        return Long.toString(number);
      }
    }
    return "";
  }
}
