package dev.baton.cli.output;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;

/**
 * Any API message as YAML, for {@code -o yaml}: the fields that are set, under their proto names, in field order;
 * enums in their friendly spelling, durations as {@code 1h30m}, times in RFC 3339. Jobs have their own format
 * ({@link JobYaml}), which this class also serves with the YAML settings both share.
 */
public final class ProtoYaml {
  private ProtoYaml() {}

  /** The set fields of a message as nested maps and lists of plain values. */
  public static Map<String, Object> toMap(Message message) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<FieldDescriptor, Object> e : message.getAllFields().entrySet()) {
      out.put(e.getKey().getJsonName(), fieldValue(e.getKey(), e.getValue()));
    }
    return out;
  }

  /**
   * The same tree with its keys renamed from proto field names to the proto's JSON names ({@code kill_grace} to
   * {@code killGrace}), as {@code -o json} prints them; maps under a key of {@code userKeyed} keep their keys.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> jsonNames(Map<String, Object> tree, Set<String> userKeyed) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : tree.entrySet()) {
      Object value = e.getValue() instanceof Map<?, ?> m && !userKeyed.contains(e.getKey())
          ? jsonNames((Map<String, Object>) m, userKeyed) : e.getValue();
      out.put(jsonName(e.getKey()), value);
    }
    return out;
  }

  /** A proto field name as its JSON name: {@code max_lost_attempts} is {@code maxLostAttempts}. */
  static String jsonName(String fieldName) {
    StringBuilder out = new StringBuilder();
    boolean upper = false;
    for (char c : fieldName.toCharArray()) {
      if (c == '_') {
        upper = true;
      } else {
        out.append(upper ? Character.toUpperCase(c) : c);
        upper = false;
      }
    }
    return out.toString();
  }

  /** A JSON name as the proto field name: {@code maxLostAttempts} is {@code max_lost_attempts}. */
  static String fieldName(String jsonName) {
    StringBuilder out = new StringBuilder();
    for (char c : jsonName.toCharArray()) {
      if (Character.isUpperCase(c)) {
        out.append('_').append(Character.toLowerCase(c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** One message as a YAML document. */
  public static String toYaml(Message message) {
    return dump(toMap(message));
  }

  /** Several messages as one YAML sequence. */
  public static String toYaml(List<? extends Message> messages) {
    if (messages.isEmpty()) {
      return "[]\n";
    }
    return dump(messages.stream().map(ProtoYaml::toMap).toList());
  }

  /** A value tree as a block-style YAML document. */
  static String dump(Object tree) {
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(120);
    options.setSplitLines(false);
    return new Yaml(new Representer(options), options).dump(tree);
  }

  /**
   * A loader for files people write: only plain maps, lists and scalars; duplicate keys refused; and dates left
   * as text (YAML 1.1 would turn {@code 2026-12-01} into a Date).
   */
  static Yaml loader() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    SafeConstructor constructor = new SafeConstructor(options) {
      {
        yamlConstructors.put(Tag.TIMESTAMP, yamlConstructors.get(Tag.STR));
      }
    };
    DumperOptions dumper = new DumperOptions();
    return new Yaml(constructor, new Representer(dumper), dumper, options);
  }

  @SuppressWarnings("unchecked")
  private static Object fieldValue(FieldDescriptor field, Object value) {
    if (field.isMapField()) {
      Map<Object, Object> map = new TreeMap<>();
      for (Message entry : (List<Message>) value) {
        FieldDescriptor k = entry.getDescriptorForType().findFieldByName("key");
        FieldDescriptor v = entry.getDescriptorForType().findFieldByName("value");
        map.put(single(k, entry.getField(k)), single(v, entry.getField(v)));
      }
      return new LinkedHashMap<>(map);
    }
    if (field.isRepeated()) {
      List<Object> list = new ArrayList<>();
      for (Object item : (List<Object>) value) {
        list.add(single(field, item));
      }
      return list;
    }
    return single(field, value);
  }

  private static Object single(FieldDescriptor field, Object value) {
    switch (field.getJavaType()) {
      case MESSAGE:
        if (value instanceof Timestamp t) {
          return TimeText.rfc3339(t);
        }
        if (value instanceof Duration d) {
          return TimeText.format(d);
        }
        return toMap((Message) value);
      case ENUM:
        return EnumText.name((EnumValueDescriptor) value);
      case BYTE_STRING:
        // Output tails: shown as text, which is what they are in practice.
        return ((ByteString) value).toString(StandardCharsets.UTF_8);
      case INT:
        return switch (field.getType()) {
          case UINT32, FIXED32 -> Integer.toUnsignedLong((Integer) value);
          default -> value;
        };
      case LONG:
        long l = (Long) value;
        return switch (field.getType()) {
          case UINT64, FIXED64 -> l >= 0 ? (Object) l : new BigInteger(Long.toUnsignedString(l));
          default -> l;
        };
      default:
        return value;
    }
  }
}
