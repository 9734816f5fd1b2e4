package dev.baton.coordinator.api;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.Durations;
import dev.baton.coordinator.access.Tokens;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.Violations;
import dev.baton.coordinator.request.RequestLog;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.CreateTokenRequest;
import dev.baton.proto.v1.CreateWebhookRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DeleteWebhookRequest;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.GetDeadLetterRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.GetWorkerRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ListDeliveriesRequest;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.RerunRunRequest;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.RevokeTokenRequest;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.SetDispatchPolicyRequest;
import dev.baton.proto.v1.StreamOutputRequest;
import dev.baton.proto.v1.TestWebhookRequest;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.UpdateJobRequest;
import dev.baton.proto.v1.Webhook;
import dev.baton.proto.v1.WebhookEvent;
import dev.baton.proto.v1.WebhookFormat;
import io.grpc.BindableService;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The one place where a client's request is checked before any service sees it: first the rules every field obeys
 * ({@link WellFormed}), then what each request needs to mean anything (a name, an id, a range). A request that
 * fails is answered INVALID_ARGUMENT with a {@code BadRequest} naming each field, and nothing is changed. What
 * needs the coordinator's state (a job exists, a schedule parses against the clock) is the domain's to check.
 */
public final class RequestChecks implements ServerInterceptor {
  /** Most schedule times ExplainSchedule lists. */
  public static final int MAX_EXPLAIN_COUNT = 100;

  /** What each request needs beyond being well-formed; a request type not listed needs nothing more. */
  private static final Map<Class<? extends Message>, BiConsumer<Message, Violations>> RULES = Map.ofEntries(
      rule(CreateJobRequest.class, (r, v) -> {
        v.check(r.hasJob(), "job", "required");
        checkJob(r.getJob(), v);
        requestId(r.getRequestId(), v);
      }),
      rule(GetJobRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(UpdateJobRequest.class, (r, v) -> {
        required(r.getJob().getName(), "job.name", v);
        checkJob(r.getJob(), v);
      }),
      rule(DeleteJobRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(PauseJobRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(ResumeJobRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(TriggerJobRequest.class, (r, v) -> {
        required(r.getName(), "name", v);
        requestId(r.getRequestId(), v);
        params(r.getParamsMap(), v);
      }),
      rule(BackfillJobRequest.class, (r, v) -> {
        required(r.getName(), "name", v);
        v.check(r.hasFrom(), "from", "required");
        v.check(r.hasTo(), "to", "required");
        requestId(r.getRequestId(), v);
      }),
      rule(ExplainScheduleRequest.class, (r, v) -> {
        required(r.getSchedule(), "schedule", v);
        v.check(r.getCount() <= MAX_EXPLAIN_COUNT, "count", "between 1 and " + MAX_EXPLAIN_COUNT);
      }),
      rule(GetRunRequest.class, (r, v) -> required(r.getId(), "id", v)),
      rule(CancelRunRequest.class, (r, v) -> required(r.getId(), "id", v)),
      rule(RerunRunRequest.class, (r, v) -> {
        required(r.getId(), "id", v);
        requestId(r.getRequestId(), v);
      }),
      rule(GetDeadLetterRequest.class, (r, v) -> required(r.getRunId(), "run_id", v)),
      rule(GetWorkerRequest.class, (r, v) -> v.check(!r.getWorker().isBlank(), "worker",
          "required: a worker's name or id")),
      rule(StreamOutputRequest.class, (r, v) -> required(r.getRunId(), "run_id", v)),
      rule(GetWaveRequest.class, (r, v) -> required(r.getId(), "id", v)),
      rule(RedriveDeadLetterRequest.class, (r, v) -> {
        required(r.getRunId(), "run_id", v);
        requestId(r.getRequestId(), v);
      }),
      rule(PurgeDeadLetterRequest.class, (r, v) -> required(r.getRunId(), "run_id", v)),
      rule(DrainWorkerRequest.class, (r, v) -> v.check(!r.getWorker().isBlank(), "worker",
          "required: a worker's name or id")),
      rule(SetDispatchPolicyRequest.class, (r, v) -> v.check(r.hasSettings(), "settings", "required")),
      rule(CreateTokenRequest.class, (r, v) -> {
        v.check(Tokens.VALID_NAME.matcher(r.getName()).matches(), "name",
            "1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
        v.check(r.getRole() == Role.ROLE_VIEWER || r.getRole() == Role.ROLE_OPERATOR || r.getRole() == Role.ROLE_ADMIN
            || r.getRole() == Role.ROLE_AGENT, "role", "one of viewer, operator, admin, agent");
        Duration ttl = Duration.ofNanos(Durations.toNanos(r.getTtl()));
        v.check(!ttl.isNegative() && ttl.compareTo(Tokens.MAX_TTL) <= 0, "ttl", "between 0 (never expires) and "
            + Tokens.MAX_TTL.toDays() + " days");
      }),
      rule(RevokeTokenRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(ListAuditRecordsRequest.class, (r, v) -> v.check(r.getPageSize() >= 0, "page_size",
          "must not be negative")),
      rule(CreateWebhookRequest.class, (r, v) -> webhook(r.getWebhook(), v)),
      rule(DeleteWebhookRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(TestWebhookRequest.class, (r, v) -> required(r.getName(), "name", v)),
      rule(ListDeliveriesRequest.class, (r, v) -> {
        required(r.getWebhook(), "webhook", v);
        v.check(r.getPageSize() >= 0, "page_size", "must not be negative");
      }));

  /** A webhook to create: a name like a token's, an http(s) URL, known events, a selector that parses. */
  private static void webhook(Webhook w, Violations v) {
    v.check(Tokens.VALID_NAME.matcher(w.getName()).matches(), "webhook.name",
        "1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");
    boolean url;
    try {
      java.net.URI uri = new java.net.URI(w.getUrl());
      url = ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
          && w.getUrl().length() <= 2048;
    } catch (java.net.URISyntaxException e) {
      url = false;
    }
    v.check(url, "webhook.url", "an http:// or https:// URL with a host, at most 2048 characters");
    v.check(w.getEventsCount() > 0, "webhook.events", "at least one of failed, dead-lettered, missed, skipped, "
        + "succeeded");
    for (WebhookEvent event : w.getEventsList()) {
      v.check(event != WebhookEvent.WEBHOOK_EVENT_UNSPECIFIED && event != WebhookEvent.UNRECOGNIZED
          && event != WebhookEvent.WEBHOOK_EVENT_TEST, "webhook.events", "unknown event " + event);
    }
    if (!w.getSelector().isEmpty()) {
      try {
        dev.baton.coordinator.dispatch.LabelSelector.parse(w.getSelector());
      } catch (IllegalArgumentException e) {
        v.add("webhook.selector", e.getMessage());
      }
    }
    v.check(w.getFormat() != WebhookFormat.UNRECOGNIZED, "webhook.format", "json or slack");
  }

  /** Checks a request; for the domain and tests that call services without the interceptor. */
  public static void check(Message request) {
    Violations v = WellFormed.check(request);
    if (v.isEmpty()) {
      BiConsumer<Message, Violations> rule = RULES.get(request.getClass());
      if (rule != null) {
        rule.accept(request, v);
      }
    }
    v.throwIfAny();
  }

  /**
   * {@code service} behind these checks. Its requests reach this class as bytes, so that bytes which are not the
   * request message at all (a truncated field, a string that is not UTF-8) are refused here as INVALID_ARGUMENT too,
   * instead of failing in gRPC's parsing as UNKNOWN.
   */
  public static ServerServiceDefinition around(BindableService service) {
    ServerServiceDefinition definition = service.bindService();
    Map<String, Message> prototypes = new HashMap<>();
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      MethodDescriptor<?, ?> descriptor = method.getMethodDescriptor();
      MethodDescriptor.PrototypeMarshaller<?> marshaller =
          (MethodDescriptor.PrototypeMarshaller<?>) descriptor.getRequestMarshaller();
      prototypes.put(descriptor.getFullMethodName(), (Message) marshaller.getMessagePrototype());
    }
    return ServerInterceptors.intercept(ServerInterceptors.useInputStreamMessages(definition),
        new RequestChecks(prototypes));
  }

  private final Map<String, Message> prototypes;

  private RequestChecks(Map<String, Message> prototypes) {
    this.prototypes = Map.copyOf(prototypes);
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    Message prototype = prototypes.get(call.getMethodDescriptor().getFullMethodName());
    ServerCall.Listener<Q> delegate = next.startCall(call, headers);
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      private boolean refused;

      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        if (refused) {
          return;
        }
        byte[] bytes;
        try (InputStream in = (InputStream) message) {
          bytes = in.readAllBytes();
          check(prototype.getParserForType().parseFrom(bytes));
        } catch (InvalidProtocolBufferException e) {
          refuse(BatonException.invalid("request", "not a valid " + prototype.getDescriptorForType().getFullName()
              + " message: " + e.getMessage()));
          return;
        } catch (BatonException e) {
          refuse(e);
          return;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        super.onMessage((Q) new ByteArrayInputStream(bytes));
      }

      @Override
      public void onHalfClose() {
        if (!refused) {
          super.onHalfClose();
        }
      }

      private void refuse(BatonException e) {
        refused = true;
        StatusRuntimeException status = ErrorMapper.toStatus(e);
        call.close(status.getStatus(), status.getTrailers() == null ? new Metadata() : status.getTrailers());
      }
    };
  }

  /**
   * What a job's fields must be whatever else it holds, also in fields an update's mask leaves out (the rest of a
   * job's rules, which depend on one another and on defaults, are {@code JobValidator}'s).
   */
  private static void checkJob(Job job, Violations v) {
    for (int i = 0; i < job.getRetry().getRetryOnExitCodesCount(); i++) {
      int code = job.getRetry().getRetryOnExitCodes(i);
      v.check(code >= 0 && code <= 255, "job.retry.retry_on_exit_codes[" + i + "]",
          "an exit code is 0 to 255, got " + code);
    }
  }

  /** Most parameters a run may have, and the longest value of one. */
  static final int MAX_PARAMS = 32;
  static final int MAX_PARAM_VALUE = 4096;
  private static final java.util.regex.Pattern PARAM_NAME =
      java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  /** A run's parameters become environment variables (BATON_PARAM_<name>): names and values must make ones. */
  private static void params(Map<String, String> params, Violations v) {
    v.check(params.size() <= MAX_PARAMS, "params", "at most " + MAX_PARAMS + " parameters, got " + params.size());
    params.forEach((name, value) -> {
      v.check(PARAM_NAME.matcher(name).matches(), "params[" + name + "]",
          "a name is a letter or '_', then up to 63 letters, digits or '_'");
      v.check(value.length() <= MAX_PARAM_VALUE && value.indexOf('\0') < 0, "params[" + name + "]",
          "a value is at most " + MAX_PARAM_VALUE + " characters, without NUL");
    });
  }

  /** An idempotency key (AIP-155) is optional; when given it must be a plain id. */
  private static void requestId(String value, Violations v) {
    v.check(value.isEmpty() || RequestLog.VALID_ID.matcher(value).matches(), RequestLog.FIELD,
        "up to 128 letters, digits, '.', '_', ':' or '-' (a UUID, for example)");
  }

  private static void required(String value, String field, Violations v) {
    v.check(!value.isBlank(), field, "required");
  }

  @SuppressWarnings("unchecked")
  private static <M extends Message> Map.Entry<Class<? extends Message>, BiConsumer<Message, Violations>> rule(
      Class<M> type, BiConsumer<M, Violations> check) {
    return Map.entry(type, (m, v) -> check.accept((M) m, v));
  }
}
