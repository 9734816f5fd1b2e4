package dev.baton.cli.output;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.ProtocolMessageEnum;
import java.util.List;
import java.util.Locale;

/**
 * The friendly spelling of the API's enums, used in flags, tables and YAML: the type prefix dropped, lower case,
 * dashes for underscores ({@code OVERLAP_POLICY_QUEUE_ONE} is {@code queue-one}).
 */
public final class EnumText {
  private EnumText() {}

  /** The friendly name of a value; empty for the UNSPECIFIED value (number 0) and for unrecognized numbers. */
  public static String name(ProtocolMessageEnum value) {
    if (value.getNumber() == 0 || isUnrecognized(value)) {
      return "";
    }
    return name(value.getValueDescriptor());
  }

  /** The friendly name of a value descriptor. */
  public static String name(EnumValueDescriptor value) {
    String prefix = prefix(value.getType());
    String full = value.getName();
    String bare = full.startsWith(prefix) ? full.substring(prefix.length()) : full;
    return bare.toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Every friendly name of a type, in declaration order, without the UNSPECIFIED value. */
  public static List<String> names(EnumDescriptor type) {
    return type.getValues().stream().filter(v -> v.getNumber() != 0).map(EnumText::name).toList();
  }

  /**
   * Reads a friendly name (any case, dashes or underscores, with or without the type prefix).
   *
   * @throws IllegalArgumentException naming the allowed values
   */
  public static EnumValueDescriptor parse(EnumDescriptor type, String text) {
    String wanted = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    String prefix = prefix(type);
    for (EnumValueDescriptor v : type.getValues()) {
      if (v.getNumber() != 0 && (v.getName().equals(wanted) || v.getName().equals(prefix + wanted))) {
        return v;
      }
    }
    throw new IllegalArgumentException("'" + text + "' is not one of " + String.join(", ", names(type)));
  }

  /** The common prefix of a type's value names: {@code RetryStrategy} → {@code RETRY_STRATEGY_}. */
  static String prefix(EnumDescriptor type) {
    return type.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT) + "_";
  }

  private static boolean isUnrecognized(ProtocolMessageEnum value) {
    return value instanceof Enum<?> e && e.name().equals("UNRECOGNIZED");
  }
}
