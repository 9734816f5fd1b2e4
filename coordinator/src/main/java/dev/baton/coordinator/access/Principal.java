package dev.baton.coordinator.access;

import dev.baton.proto.v1.Role;
import io.grpc.Context;

/**
 * Who a call comes from, as the coordinator established it (a token, an agent's or a coordinator's certificate),
 * and the role that gives it. Set in the gRPC context of every call by {@link AccessControl}.
 *
 * @param kind how the caller proved itself
 * @param name the token's name, the certificate's name, or {@code anonymous}
 * @param role what it may do; {@link Role#ROLE_UNSPECIFIED} when auth is off
 */
public record Principal(Kind kind, String name, Role role) {
  /** How a caller proved itself. */
  public enum Kind {
    /** Auth is off (a coordinator on loopback): nobody is asked. */
    ANONYMOUS,
    /** A bearer token of a person or program. */
    TOKEN,
    /** A worker agent: its certificate (OU=agent) or an agent token. */
    AGENT,
    /** Another coordinator: its certificate (OU=coordinator). */
    COORDINATOR
  }

  public static final Principal ANONYMOUS = new Principal(Kind.ANONYMOUS, "anonymous", Role.ROLE_UNSPECIFIED);

  static final Context.Key<Principal> KEY = Context.keyWithDefault("baton-principal", ANONYMOUS);

  /** The caller of the call in progress on this thread. */
  public static Principal current() {
    return KEY.get();
  }

  /** As the audit log shows it: {@code token alice}, {@code agent w1}, {@code coordinator c2:7071}, {@code anonymous}. */
  public String who() {
    return kind == Kind.ANONYMOUS ? name : kind.name().toLowerCase(java.util.Locale.ROOT) + " " + name;
  }

  /** Whether the coordinator checked this caller's credentials (auth is on). */
  public boolean authenticated() {
    return kind != Kind.ANONYMOUS;
  }
}
