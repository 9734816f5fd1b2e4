package dev.baton.coordinator.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import com.google.common.base.Utf8;
import dev.baton.coordinator.error.Violations;
import java.util.List;
import java.util.Map;

/**
 * The rules every field of every request obeys whatever its meaning, found by walking the message's descriptor: a
 * new field is covered the day it is added. A {@code Duration} or {@code Timestamp} must be one protobuf allows
 * (nanos within range and of the sign of seconds; years 1 to 9999), an enum value one this coordinator knows, an
 * unsigned number one that Java's signed types can hold, a floating-point number finite, a string or list no longer
 * than its limit. What a value means (a name's pattern, a slot count's range) is checked after this, by the rules
 * of each request.
 *
 * <p>Violations name the field as the request spells it: {@code job.retry.initial_delay}, {@code states[2]},
 * {@code job.labels[team]}.
 */
public final class WellFormed {
  /** Longest string or bytes value, unless {@link #LONGER_STRINGS} allows more. */
  public static final int MAX_STRING_BYTES = 4 * 1024;
  /** Most entries in a repeated or map field. */
  public static final int MAX_ENTRIES = 1024;
  /** Fields (by full name) that may hold more than {@link #MAX_STRING_BYTES}: a job's command and environment. */
  private static final Map<String, Integer> LONGER_STRINGS = Map.of(
      "baton.v1.Command.shell", 64 * 1024,
      "baton.v1.Argv.args", 64 * 1024,
      "baton.v1.Job.EnvEntry.value", 64 * 1024);
  /** Deeper than any request Baton has; bounds the walk of a hostile message. */
  private static final int MAX_DEPTH = 16;

  private WellFormed() {}

  /** Every violation of the rules above in {@code request}; empty when it is well-formed. */
  public static Violations check(Message request) {
    Violations v = new Violations();
    walk(request, "", 0, v);
    return v;
  }

  /** The longest value, in UTF-8 bytes, that a string or bytes field may hold. */
  public static int maxBytes(FieldDescriptor field) {
    return LONGER_STRINGS.getOrDefault(field.getFullName(), MAX_STRING_BYTES);
  }

  private static void walk(Message message, String prefix, int depth, Violations v) {
    if (depth > MAX_DEPTH) {
      v.add(prefix.isEmpty() ? "request" : prefix, "nested deeper than " + MAX_DEPTH + " levels");
      return;
    }
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      FieldDescriptor field = e.getKey();
      String path = prefix.isEmpty() ? field.getName() : prefix + "." + field.getName();
      if (field.isMapField()) {
        checkMap(field, (List<?>) e.getValue(), path, depth, v);
      } else if (field.isRepeated()) {
        List<?> values = (List<?>) e.getValue();
        if (values.size() > MAX_ENTRIES) {
          v.add(path, "at most " + MAX_ENTRIES + " entries, got " + values.size());
          continue;
        }
        for (int i = 0; i < values.size(); i++) {
          checkValue(field, values.get(i), path + "[" + i + "]", depth, v);
        }
      } else {
        checkValue(field, e.getValue(), path, depth, v);
      }
    }
  }

  private static void checkMap(FieldDescriptor field, List<?> entries, String path, int depth, Violations v) {
    if (entries.size() > MAX_ENTRIES) {
      v.add(path, "at most " + MAX_ENTRIES + " entries, got " + entries.size());
      return;
    }
    Descriptor entryType = field.getMessageType();
    FieldDescriptor keyField = entryType.findFieldByName("key");
    FieldDescriptor valueField = entryType.findFieldByName("value");
    for (Object o : entries) {
      Message entry = (Message) o;
      Object key = entry.getField(keyField);
      if (key instanceof String s && utf8Length(s) > maxBytes(keyField)) {
        v.add(path, "a key is longer than " + maxBytes(keyField) + " bytes");
        continue;
      }
      checkValue(valueField, entry.getField(valueField), path + "[" + key + "]", depth, v);
    }
  }

  private static void checkValue(FieldDescriptor field, Object value, String path, int depth, Violations v) {
    switch (field.getType()) {
      case MESSAGE, GROUP -> checkMessage((Message) value, path, depth, v);
      case ENUM -> {
        EnumValueDescriptor e = (EnumValueDescriptor) value;
        if (field.getEnumType().findValueByNumber(e.getNumber()) == null) {
          v.add(path, "unknown value " + e.getNumber() + " for " + field.getEnumType().getName() + "; known: "
              + field.getEnumType().getValues().stream().map(EnumValueDescriptor::getName).toList());
        }
      }
      case UINT32, FIXED32 -> {
        if ((Integer) value < 0) {
          v.add(path, "too large: " + Integer.toUnsignedString((Integer) value) + " (at most "
              + Integer.MAX_VALUE + ")");
        }
      }
      case UINT64, FIXED64 -> {
        if ((Long) value < 0) {
          v.add(path, "too large: " + Long.toUnsignedString((Long) value) + " (at most " + Long.MAX_VALUE + ")");
        }
      }
      case DOUBLE, FLOAT -> {
        if (!Double.isFinite(((Number) value).doubleValue())) {
          v.add(path, "must be a finite number, got " + value);
        }
      }
      case STRING -> {
        long bytes = utf8Length((String) value);
        if (bytes > maxBytes(field)) {
          v.add(path, "too long: " + bytes + " bytes (at most " + maxBytes(field) + ")");
        }
      }
      case BYTES -> {
        if (((ByteString) value).size() > maxBytes(field)) {
          v.add(path, "too long: " + ((ByteString) value).size() + " bytes (at most " + maxBytes(field) + ")");
        }
      }
      default -> {
        // bool and the signed integers: every value is well-formed; what it may be is the request's rule.
      }
    }
  }

  private static void checkMessage(Message value, String path, int depth, Violations v) {
    if (value instanceof Duration d) {
      if (!Durations.isValid(d)) {
        v.add(path, "not a valid duration: nanos must be within ±999,999,999 and have the sign of seconds, and "
            + "seconds within ±315,576,000,000");
      }
    } else if (value instanceof Timestamp t) {
      if (!Timestamps.isValid(t)) {
        v.add(path, "not a valid timestamp: it must be within the years 1 to 9999 and nanos within 0 to "
            + "999,999,999");
      }
    } else {
      walk(value, path, depth + 1, v);
    }
  }

  private static long utf8Length(String s) {
    return Utf8.encodedLength(s);
  }
}
