package dev.baton.coordinator.access;

import com.google.protobuf.Descriptors;
import dev.baton.proto.v1.AccessProto;
import dev.baton.proto.v1.Role;
import io.grpc.ServiceDescriptor;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which role each RPC needs: read from the {@code (baton.v1.required_role)} option each method declares in its
 * {@code .proto} file, so the rule sits next to the RPC it guards. Health checks are open to anyone (load balancers
 * and supervisors ask them); reflection needs a viewer. A method with no rule is refused to everyone.
 */
public final class AccessRules {
  /** Answered without credentials. */
  private static final Set<String> PUBLIC_SERVICES = Set.of(HealthGrpc.SERVICE_NAME);
  /** Services of gRPC itself that need a viewer: reflection lists the API. */
  private static final Set<String> VIEWER_SERVICES = Set.of("grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection");

  private final Map<String, Role> byMethod;
  private final Set<String> reads;
  private final Map<String, Descriptors.Descriptor> inputTypes;

  /** The rules declared by {@code services}. */
  public AccessRules(List<ServiceDescriptor> services) {
    Map<String, Role> rules = new HashMap<>();
    Map<String, Descriptors.Descriptor> inputs = new HashMap<>();
    Set<String> readOnly = new java.util.HashSet<>();
    for (ServiceDescriptor service : services) {
      Descriptors.ServiceDescriptor proto =
          ((ProtoServiceDescriptorSupplier) service.getSchemaDescriptor()).getServiceDescriptor();
      for (Descriptors.MethodDescriptor method : proto.getMethods()) {
        String name = proto.getFullName() + "/" + method.getName();
        inputs.put(name, method.getInputType());
        if (method.getOptions().getIdempotencyLevel()
            == com.google.protobuf.DescriptorProtos.MethodOptions.IdempotencyLevel.NO_SIDE_EFFECTS) {
          readOnly.add(name);
        }
        Role role = method.getOptions().getExtension(AccessProto.requiredRole);
        if (role != Role.ROLE_UNSPECIFIED) {
          rules.put(name, role);
        }
      }
    }
    this.byMethod = Map.copyOf(rules);
    this.inputTypes = Map.copyOf(inputs);
    this.reads = Set.copyOf(readOnly);
  }

  /** The request message type of one of the services' methods. */
  Optional<Descriptors.Descriptor> inputType(String fullMethodName) {
    return Optional.ofNullable(inputTypes.get(fullMethodName));
  }

  /** The role {@code fullMethodName} needs; empty when it needs none (public) — see {@link #isPublic}. */
  public Optional<Role> required(String fullMethodName) {
    String service = io.grpc.MethodDescriptor.extractFullServiceName(fullMethodName);
    if (VIEWER_SERVICES.contains(service)) {
      return Optional.of(Role.ROLE_VIEWER);
    }
    return Optional.ofNullable(byMethod.get(fullMethodName));
  }

  /** Whether anyone may call it, without credentials. */
  public boolean isPublic(String fullMethodName) {
    return PUBLIC_SERVICES.contains(io.grpc.MethodDescriptor.extractFullServiceName(fullMethodName));
  }

  /**
   * Whether a caller of role {@code has} may make a call that needs {@code needs}: viewer, operator and admin each
   * include the ones before; agent and coordinator include only themselves.
   */
  public static boolean allows(Role has, Role needs) {
    return switch (needs) {
      case ROLE_VIEWER, ROLE_OPERATOR, ROLE_ADMIN -> rank(has) >= rank(needs);
      case ROLE_AGENT, ROLE_COORDINATOR -> has == needs;
      default -> false;
    };
  }

  /**
   * Whether a call may change something, and so is kept in the audit log: every method of the services but those
   * declared {@code idempotency_level = NO_SIDE_EFFECTS} (the reads), and gRPC's own services (health, reflection)
   * never.
   */
  public boolean changes(String fullMethodName) {
    return inputTypes.containsKey(fullMethodName) && !reads.contains(fullMethodName);
  }

  private static int rank(Role role) {
    return switch (role) {
      case ROLE_VIEWER -> 1;
      case ROLE_OPERATOR -> 2;
      case ROLE_ADMIN -> 3;
      default -> 0;
    };
  }

  /** A role as people write it: {@code viewer}, {@code operator}, ... */
  public static String text(Role role) {
    return role.name().substring("ROLE_".length()).toLowerCase(java.util.Locale.ROOT);
  }
}
