package dev.baton.cli.commands;

import com.google.protobuf.Descriptors.EnumDescriptor;
import dev.baton.cli.output.EnumText;
import dev.baton.cli.output.TimeText;
import dev.baton.proto.v1.DisconnectPolicy;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.MisfirePolicy;
import dev.baton.proto.v1.OverlapPolicy;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.RunState;
import java.util.Iterator;
import java.util.function.IntFunction;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters from flag text to API values, so a bad value is a usage error that names the flag. */
final class Converters {
  private Converters() {}

  static <E> E enumValue(EnumDescriptor type, String text, IntFunction<E> forNumber) {
    try {
      return forNumber.apply(EnumText.parse(type, text).getNumber());
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** {@code 90s}, {@code 1h30m}, {@code 0}. */
  static final class DurationConverter implements ITypeConverter<com.google.protobuf.Duration> {
    @Override
    public com.google.protobuf.Duration convert(String text) {
      try {
        return TimeText.parseDuration(text);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A whole number, 0 or more (the API's uint32 fields). */
  static final class CountConverter implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      String digits = text.trim();
      if (!digits.matches("[0-9]+")) {
        throw new TypeConversionException("'" + text + "' is not a whole number, 0 or more");
      }
      try {
        return Integer.parseInt(digits);
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + text + "' is too large (at most " + Integer.MAX_VALUE + ")");
      }
    }
  }

  static final class PriorityConverter implements ITypeConverter<Priority> {
    @Override
    public Priority convert(String text) {
      return enumValue(Priority.getDescriptor(), text, Priority::forNumber);
    }
  }

  static final class RetryStrategyConverter implements ITypeConverter<RetryStrategy> {
    @Override
    public RetryStrategy convert(String text) {
      return enumValue(RetryStrategy.getDescriptor(), text, RetryStrategy::forNumber);
    }
  }

  static final class OverlapConverter implements ITypeConverter<OverlapPolicy> {
    @Override
    public OverlapPolicy convert(String text) {
      return enumValue(OverlapPolicy.getDescriptor(), text, OverlapPolicy::forNumber);
    }
  }

  static final class MisfireConverter implements ITypeConverter<MisfirePolicy> {
    @Override
    public MisfirePolicy convert(String text) {
      return enumValue(MisfirePolicy.getDescriptor(), text, MisfirePolicy::forNumber);
    }
  }

  static final class DisconnectConverter implements ITypeConverter<DisconnectPolicy> {
    @Override
    public DisconnectPolicy convert(String text) {
      return enumValue(DisconnectPolicy.getDescriptor(), text, DisconnectPolicy::forNumber);
    }
  }

  static final class RunStateConverter implements ITypeConverter<RunState> {
    @Override
    public RunState convert(String text) {
      return enumValue(RunState.getDescriptor(), text, RunState::forNumber);
    }
  }

  static final class DispatchPolicyConverter implements ITypeConverter<DispatchPolicy> {
    @Override
    public DispatchPolicy convert(String text) {
      return enumValue(DispatchPolicy.getDescriptor(), text, DispatchPolicy::forNumber);
    }
  }

  /** Completion candidates and help text for a flag that takes one of an enum's friendly names. */
  abstract static class Names implements Iterable<String> {
    private final EnumDescriptor type;

    Names(EnumDescriptor type) {
      this.type = type;
    }

    @Override
    public Iterator<String> iterator() {
      return EnumText.names(type).iterator();
    }
  }

  static final class PriorityNames extends Names {
    PriorityNames() {
      super(Priority.getDescriptor());
    }
  }

  static final class RetryStrategyNames extends Names {
    RetryStrategyNames() {
      super(RetryStrategy.getDescriptor());
    }
  }

  static final class OverlapNames extends Names {
    OverlapNames() {
      super(OverlapPolicy.getDescriptor());
    }
  }

  static final class MisfireNames extends Names {
    MisfireNames() {
      super(MisfirePolicy.getDescriptor());
    }
  }

  static final class DisconnectNames extends Names {
    DisconnectNames() {
      super(DisconnectPolicy.getDescriptor());
    }
  }

  static final class RunStateNames extends Names {
    RunStateNames() {
      super(RunState.getDescriptor());
    }
  }

  static final class DispatchPolicyNames extends Names {
    DispatchPolicyNames() {
      super(DispatchPolicy.getDescriptor());
    }
  }
}
