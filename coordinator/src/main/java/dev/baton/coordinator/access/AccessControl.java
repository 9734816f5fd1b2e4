package dev.baton.coordinator.access;

import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.rpc.Code;
import dev.baton.client.Credentials;
import dev.baton.coordinator.api.ErrorMapper;
import dev.baton.coordinator.api.Refusing;
import dev.baton.proto.v1.AuditRecord;
import dev.baton.proto.v1.ErrorReason;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.Token;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place every call's caller is checked (DESIGN.md section 9, Security), on every coordinator, reads
 * included: who the caller is (a bearer token, else an agent's or coordinator's certificate), and whether its role
 * may make this call ({@link AccessRules}). Missing or bad credentials are UNAUTHENTICATED; a role too weak is
 * PERMISSION_DENIED naming the role needed (judged by the leader: a standby only authenticates, then redirects). The
 * caller is then in the call's context ({@link Principal#current}).
 *
 * <p>Every call that changes something (it needs operator, admin or agent) is kept in the {@link AuditLog} when it
 * ends, with its outcome — refusals of a known caller included. With auth off (a coordinator on loopback) nobody is
 * asked, and changes are audited as {@code anonymous}.
 */
public final class AccessControl implements ServerInterceptor {
  /** The header carrying an HTTP client's address from the JSON API to the audit log. */
  public static final Metadata.Key<String> FORWARDED_FOR =
      Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
  private static final Logger log = LoggerFactory.getLogger(AccessControl.class);
  private static final long UNAUTHENTICATED_LOG_INTERVAL_MILLIS = 10_000;

  private final AccessRules rules;
  private final Tokens tokens;
  private final boolean authOn;
  private final Supplier<Optional<AuditLog>> audit;
  private final AtomicLong lastUnauthenticatedLog = new AtomicLong();

  /**
   * @param audit the audit log while this coordinator leads (records are written only there); empty otherwise
   */
  public AccessControl(AccessRules rules, Tokens tokens, boolean authOn, Supplier<Optional<AuditLog>> audit) {
    this.rules = rules;
    this.tokens = tokens;
    this.authOn = authOn;
    this.audit = audit;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    if (rules.isPublic(method)) {
      return next.startCall(call, headers);
    }
    Optional<Role> needs = rules.required(method);
    boolean audited = rules.changes(method);
    Principal caller = Principal.ANONYMOUS;
    if (authOn) {
      try {
        caller = identify(call, headers);
      } catch (StatusRuntimeException e) {
        logUnauthenticated(call, method, e);
        return Refusing.refuse(call, e);
      }
      // A standby serves no call itself: it answers with the leader's address, and the leader judges the role
      // (and keeps the refusal in its audit log). It still refuses a caller it cannot authenticate.
      boolean leading = audit.get().isPresent();
      if (leading && (needs.isEmpty() || !AccessRules.allows(caller.role(), needs.get()))) {
        StatusRuntimeException denied = needs.isEmpty()
            ? ErrorMapper.status(Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_ROLE_TOO_WEAK,
                method + " has no access rule, so nobody may call it")
            : ErrorMapper.status(Code.PERMISSION_DENIED, ErrorReason.ERROR_REASON_ROLE_TOO_WEAK,
                method + " needs the " + AccessRules.text(needs.get()) + " role; " + caller.who() + " has "
                    + AccessRules.text(caller.role()),
                Map.of("required_role", AccessRules.text(needs.get()), "role", AccessRules.text(caller.role())));
        if (audited) {
          keep(callRecord(caller, method, peerOf(call, headers)).take(denied.getStatus()));
        }
        return Refusing.refuse(call, denied);
      }
    }
    ServerCall<Q, R> forwarded = call;
    AuditedCall<Q, R> auditedCall = null;
    Context context = Context.current().withValue(Principal.KEY, caller);
    if (audited) {
      auditedCall = new AuditedCall<>(call, callRecord(caller, method, peerOf(call, headers)));
      forwarded = auditedCall;
      context = context.withValue(AuditLog.CALL, auditedCall.record);
    }
    ServerCall.Listener<Q> listener = Contexts.interceptCall(context, forwarded, headers, next);
    return auditedCall == null ? listener : auditedCall.listen(listener);
  }

  /**
   * The caller an {@code Authorization: Bearer TOKEN} header names (also for the HTTP port's own pages).
   *
   * @throws StatusRuntimeException UNAUTHENTICATED if the header or its token is not good
   */
  public Principal bearer(String authorization) {
    if (!authorization.startsWith(Credentials.BEARER)) {
      throw ErrorMapper.status(Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_TOKEN_INVALID,
          "the authorization header must be 'Bearer TOKEN'");
    }
    Token token;
    try {
      token = tokens.authenticate(authorization.substring(Credentials.BEARER.length()).trim());
    } catch (Tokens.Refused e) {
      throw ErrorMapper.status(Code.UNAUTHENTICATED, e.reason(), e.getMessage(),
          e.token().isEmpty() ? Map.of() : Map.of("token", e.token()));
    }
    Principal.Kind kind = token.getRole() == Role.ROLE_AGENT ? Principal.Kind.AGENT : Principal.Kind.TOKEN;
    return new Principal(kind, token.getName(), token.getRole());
  }

  /** Who the call comes from: its token if it carries one, else its certificate. */
  private Principal identify(ServerCall<?, ?> call, Metadata headers) {
    String authorization = headers.get(Credentials.AUTHORIZATION);
    if (authorization != null) {
      return bearer(authorization);
    }
    return CertificateIdentity.of(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION))
        .orElseThrow(() -> ErrorMapper.status(Code.UNAUTHENTICATED, ErrorReason.ERROR_REASON_CREDENTIALS_MISSING,
            "this coordinator requires credentials: a token (baton --token, BATON_TOKEN, or a context in "
                + "~/.config/baton/config.yaml), or an agent's certificate"));
  }

  private void logUnauthenticated(ServerCall<?, ?> call, String method, StatusRuntimeException e) {
    long now = System.currentTimeMillis();
    long last = lastUnauthenticatedLog.get();
    // Not audited (the caller is unknown, and a flood must not fill the store); logged at most every 10 s.
    if (now - last >= UNAUTHENTICATED_LOG_INTERVAL_MILLIS && lastUnauthenticatedLog.compareAndSet(last, now)) {
      log.warn("refused {} from {}: {}", method, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR),
          e.getStatus().getDescription());
    }
  }

  /**
   * Where a call came from, for the audit log: the remote address, or for a call of the JSON API (in-process) the
   * HTTP client's address it forwards. Only in-process calls are trusted to name their origin.
   */
  private static String peerOf(ServerCall<?, ?> call, Metadata headers) {
    java.net.SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    String forwarded = headers.get(FORWARDED_FOR);
    if (remote instanceof io.grpc.inprocess.InProcessSocketAddress && forwarded != null) {
      return "http " + forwarded;
    }
    return String.valueOf(remote);
  }

  private static AuditLog.CallRecord callRecord(Principal caller, String method, String peer) {
    return new AuditLog.CallRecord(AuditRecord.newBuilder().setWho(caller.who()).setRole(caller.role())
        .setMethod(method).setPeer(peer));
  }

  private void keep(Optional<AuditRecord> record) {
    Optional<AuditLog> log = audit.get();
    if (log.isEmpty() || record.isEmpty()) {
      return; // a standby: it changed nothing, and writes nothing
    }
    try {
      log.get().append(record.get());
    } catch (RuntimeException e) {
      // The call's own change stands (or was refused); a lost record is logged rather than failing the call.
      AccessControl.log.error("could not keep the audit record {}: {}", record.get(), e.toString());
    }
  }

  /** A call whose outcome is kept in the audit log when it ends (closed by the service, or cancelled). */
  private final class AuditedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
    private final AuditLog.CallRecord record;
    private volatile boolean targetRead;

    AuditedCall(ServerCall<Q, R> call, AuditLog.CallRecord record) {
      super(call);
      this.record = record;
    }

    @Override
    public void close(Status status, Metadata trailers) {
      keep(record.atEnd(status));
      super.close(status, trailers);
    }

    ServerCall.Listener<Q> listen(ServerCall.Listener<Q> listener) {
      boolean oneRequest = getMethodDescriptor().getType().clientSendsOneMessage();
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
        @Override
        @SuppressWarnings("unchecked")
        public void onMessage(Q message) {
          if (oneRequest && !targetRead) {
            targetRead = true;
            if (message instanceof InputStream in) {
              byte[] bytes = readAll(in);
              record.target(AuditTargets.of(parse(bytes)));
              message = (Q) new ByteArrayInputStream(bytes);
            } else if (message instanceof Message m) {
              record.target(AuditTargets.of(Optional.of(m)));
            }
          }
          super.onMessage(message);
        }

        @Override
        public void onCancel() {
          keep(record.take(Status.CANCELLED.withDescription("the caller went away")));
          super.onCancel();
        }
      };
    }

    private Optional<Message> parse(byte[] bytes) {
      return rules.inputType(getMethodDescriptor().getFullMethodName()).flatMap(type -> {
        try {
          return Optional.of(DynamicMessage.parseFrom(type, bytes));
        } catch (InvalidProtocolBufferException e) {
          return Optional.empty(); // refused as INVALID_ARGUMENT further in
        }
      });
    }
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
