package dev.baton.coordinator.http;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import com.google.rpc.Code;
import com.google.rpc.ErrorDetailsProto;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.baton.client.Credentials;
import dev.baton.coordinator.access.AccessControl;
import dev.baton.ops.OpsServer;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code /api/v1/...}: the gRPC services as JSON over HTTP (DESIGN.md section 9), served from their
 * {@code google.api.http} declarations ({@link ApiRoutes}). A request becomes the RPC's request message — the body
 * (per the rule's {@code body}), then the path's variables, then query parameters naming fields (repeated ones may
 * repeat) — in Protobuf's JSON mapping, and is sent through an in-process gRPC channel to this very coordinator, so
 * that it meets the same access check (its {@code Authorization} header forwarded), validation, leader redirects and
 * audit as any gRPC call. Answers use the same JSON mapping as the CLI's {@code -o json}; errors are the HTTP status of
 * their gRPC code (the mapping of {@code google.rpc.Code}) with the {@code google.rpc.Status} as the body, details
 * included. Server-streaming RPCs (run events, output) answer as server-sent events: one {@code data:} line of JSON
 * per message, {@code event: error} with the status if the stream fails, and a comment line every 15 s so that a
 * closed page is noticed.
 */
public final class JsonApi implements HttpHandler {
  private static final String JSON = "application/json; charset=utf-8";
  private static final long UNARY_DEADLINE_SECONDS = 60;
  private static final long KEEPALIVE_SECONDS = 15;
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw Status.INTERNAL.withDescription("cannot read a message").withCause(e).asRuntimeException();
      }
    }
  };
  private static final JsonFormat.Printer PRINTER = JsonFormat.printer().usingTypeRegistry(
      JsonFormat.TypeRegistry.newBuilder().add(ErrorDetailsProto.getDescriptor().getMessageTypes()).build());
  /** One line per message: a server-sent event's data is one line. */
  private static final JsonFormat.Printer ONE_LINE = PRINTER.omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(JsonApi.class);

  private final ApiRoutes routes;
  private final Channel channel;
  private final int maxBodyBytes;

  /**
   * @param channel a channel to this coordinator's own services (in-process)
   * @param maxBodyBytes the largest request body (the gRPC message limit)
   */
  public JsonApi(ApiRoutes routes, Channel channel, int maxBodyBytes) {
    this.routes = routes;
    this.channel = channel;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try {
      serve(exchange);
    } catch (RuntimeException | IOException e) {
      // The JDK's server would drop the connection without a word: say so, once, in the log.
      log.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString(), e);
      throw e;
    } finally {
      exchange.close();
    }
  }

  private void serve(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    ApiRoutes.Match match = routes.match(exchange.getRequestMethod(), path);
    if (match instanceof ApiRoutes.NoSuchPath) {
      error(exchange, Status.NOT_FOUND.withDescription("no API at " + path + " (the API is under /api/v1/: jobs, "
          + "runs, waves, deadLetters, workers, cluster, tokens, auditRecords, whoami, webhooks)"));
      return;
    }
    if (match instanceof ApiRoutes.WrongMethod wrong) {
      exchange.getResponseHeaders().set("Allow", String.join(", ", wrong.allowed()));
      respondStatus(exchange, 405, com.google.rpc.Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE)
          .setMessage(exchange.getRequestMethod() + " is not allowed on " + path + "; allowed: "
              + String.join(", ", wrong.allowed())).build());
      return;
    }
    ApiRoutes.Found found = (ApiRoutes.Found) match;
    byte[] request;
    try {
      request = request(exchange, found);
    } catch (StatusRuntimeException e) {
      error(exchange, e.getStatus());
      return;
    }
    Channel calls = ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(
        headers(exchange)));
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(found.route().streams() ? MethodDescriptor.MethodType.SERVER_STREAMING
            : MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(found.route().grpcName())
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
    Descriptors.Descriptor output = found.route().method().getOutputType();
    if (found.route().streams()) {
      stream(exchange, calls, method, request, output);
    } else {
      unary(exchange, calls, method, request, output);
    }
  }

  private void unary(HttpExchange exchange, Channel calls, MethodDescriptor<byte[], byte[]> method, byte[] request,
      Descriptors.Descriptor output) throws IOException {
    byte[] answer;
    try {
      answer = ClientCalls.blockingUnaryCall(calls, method,
          CallOptions.DEFAULT.withDeadlineAfter(UNARY_DEADLINE_SECONDS, TimeUnit.SECONDS), request);
    } catch (StatusRuntimeException e) {
      error(exchange, e);
      return;
    }
    OpsServer.respond(exchange, 200, JSON, print(DynamicMessage.parseFrom(output, answer)) + "\n");
  }

  /** What the gRPC stream delivers to the HTTP thread: a message, or its end. */
  private record Item(byte[] message, Throwable failure, boolean end) {}

  private void stream(HttpExchange exchange, Channel calls, MethodDescriptor<byte[], byte[]> method, byte[] request,
      Descriptors.Descriptor output) throws IOException {
    // A bounded queue: a slow reader holds up the stream (gRPC flow control), it never buffers without bound.
    BlockingQueue<Item> items = new ArrayBlockingQueue<>(64);
    ClientCall<byte[], byte[]> call = calls.newCall(method, CallOptions.DEFAULT);
    StreamObserver<byte[]> observer = new StreamObserver<>() {
      @Override
      public void onNext(byte[] message) {
        put(new Item(message, null, false));
      }

      @Override
      public void onError(Throwable t) {
        put(new Item(null, t, true));
      }

      @Override
      public void onCompleted() {
        put(new Item(null, null, true));
      }

      private void put(Item item) {
        try {
          items.put(item);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          call.cancel("interrupted", e);
        }
      }
    };
    ClientCalls.asyncServerStreamingCall(call, request, observer);
    exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      while (true) {
        Item item = items.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
        if (item == null) {
          write(out, ": keepalive\n\n"); // fails once the client has gone: the call is then cancelled below
          continue;
        }
        if (item.message() != null) {
          write(out, "data: " + ONE_LINE.print(DynamicMessage.parseFrom(output, item.message())) + "\n\n");
          continue;
        }
        if (item.failure() != null) {
          write(out, "event: error\ndata: " + ONE_LINE.print(statusOf(item.failure())) + "\n\n");
        } else {
          write(out, "event: end\ndata: {}\n\n");
        }
        return;
      }
    } catch (IOException e) {
      call.cancel("the HTTP client went away", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      call.cancel("interrupted", e);
    }
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** The request message: the body, then the path's variables, then the query's parameters. */
  private byte[] request(HttpExchange exchange, ApiRoutes.Found found) throws IOException {
    Descriptors.Descriptor input = found.route().method().getInputType();
    JsonObject root = new JsonObject();
    String bodyField = found.route().body();
    byte[] body = readBody(exchange);
    if (!bodyField.isEmpty() && body.length > 0) {
      JsonElement parsed;
      try {
        parsed = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
      } catch (JsonParseException e) {
        throw invalid("the body is not JSON: " + e.getMessage());
      }
      if (bodyField.equals("*")) {
        if (!parsed.isJsonObject()) {
          throw invalid("the body must be a JSON object");
        }
        root = parsed.getAsJsonObject();
      } else {
        root.add(bodyField, parsed);
      }
    } else if (bodyField.isEmpty() && body.length > 0) {
      throw invalid(exchange.getRequestMethod() + " " + found.route().path().text() + " takes no body; give "
          + "fields as query parameters");
    }
    for (Map.Entry<String, String> variable : found.variables().entrySet()) {
      set(root, input, variable.getKey(), variable.getValue(), false);
    }
    String query = exchange.getRequestURI().getRawQuery();
    if (query != null && !query.isEmpty()) {
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        String value = eq < 0 ? "true" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
        set(root, input, key, value, true);
      }
    }
    DynamicMessage.Builder message = DynamicMessage.newBuilder(input);
    try {
      PARSER.merge(root.toString(), message);
    } catch (InvalidProtocolBufferException e) {
      throw invalid(e.getMessage());
    }
    return message.build().toByteArray();
  }

  /**
   * Sets the field at {@code path} ({@code job.name}; proto or JSON names) of {@code root} to {@code value}, a text
   * the JSON mapping reads for any scalar, enum, timestamp or duration; for a repeated field (from the query) it is
   * added.
   */
  private static void set(JsonObject root, Descriptors.Descriptor type, String path, String value, boolean query) {
    String[] names = path.split("\\.");
    JsonObject at = root;
    Descriptors.Descriptor atType = type;
    for (int i = 0; i < names.length; i++) {
      Descriptors.FieldDescriptor field = field(atType, names[i]);
      if (field == null) {
        throw invalid("no field '" + path + "' in " + type.getFullName());
      }
      String key = field.getJsonName();
      if (i == names.length - 1) {
        JsonElement element = field.getJavaType() == Descriptors.FieldDescriptor.JavaType.BOOLEAN
            ? new JsonPrimitive(Boolean.parseBoolean(value)) : new JsonPrimitive(value);
        if (field.isRepeated() && query) {
          JsonElement existing = at.get(key);
          JsonArray array = existing != null && existing.isJsonArray() ? existing.getAsJsonArray() : new JsonArray();
          array.add(element);
          at.add(key, array);
        } else {
          at.remove(field.getName());
          at.add(key, element);
        }
        return;
      }
      if (field.getJavaType() != Descriptors.FieldDescriptor.JavaType.MESSAGE || field.isRepeated()) {
        throw invalid("'" + path + "' does not name a field of " + type.getFullName());
      }
      JsonElement next = at.has(key) ? at.get(key) : at.get(field.getName());
      if (next == null || !next.isJsonObject()) {
        next = new JsonObject();
        at.remove(field.getName());
        at.add(key, next);
      }
      at = next.getAsJsonObject();
      atType = field.getMessageType();
    }
  }

  private static Descriptors.FieldDescriptor field(Descriptors.Descriptor type, String name) {
    Descriptors.FieldDescriptor byName = type.findFieldByName(name);
    if (byName != null) {
      return byName;
    }
    return type.getFields().stream().filter(f -> f.getJsonName().equals(name)).findFirst().orElse(null);
  }

  private byte[] readBody(HttpExchange exchange) throws IOException {
    byte[] body = exchange.getRequestBody().readNBytes(maxBodyBytes + 1); // closed with the exchange
    if (body.length > maxBodyBytes) {
      throw Status.RESOURCE_EXHAUSTED.withDescription("the body is larger than " + maxBodyBytes + " bytes")
          .asRuntimeException();
    }
    return body;
  }

  /** The gRPC headers of the call: the caller's token, and where the HTTP request came from (for the audit). */
  private static Metadata headers(HttpExchange exchange) {
    Metadata headers = new Metadata();
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null) {
      headers.put(Credentials.AUTHORIZATION, authorization);
    }
    headers.put(AccessControl.FORWARDED_FOR, String.valueOf(exchange.getRemoteAddress()));
    return headers;
  }

  private static String print(com.google.protobuf.MessageOrBuilder message) throws IOException {
    return PRINTER.print(message);
  }

  private static StatusRuntimeException invalid(String message) {
    return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
  }

  private static com.google.rpc.Status statusOf(Throwable failure) {
    com.google.rpc.Status status = StatusProto.fromThrowable(failure);
    if (status != null) {
      return status;
    }
    Status plain = Status.fromThrowable(failure);
    return com.google.rpc.Status.newBuilder().setCode(plain.getCode().value())
        .setMessage(plain.getDescription() == null ? plain.getCode().name() : plain.getDescription()).build();
  }

  private static void error(HttpExchange exchange, Status status) throws IOException {
    error(exchange, status.asRuntimeException());
  }

  private static void error(HttpExchange exchange, Throwable failure) throws IOException {
    com.google.rpc.Status status = statusOf(failure);
    respondStatus(exchange, httpStatus(Status.fromCodeValue(status.getCode()).getCode()), status);
  }

  private static void respondStatus(HttpExchange exchange, int httpStatus, com.google.rpc.Status status)
      throws IOException {
    if (httpStatus == 401) {
      exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
    }
    OpsServer.respond(exchange, httpStatus, JSON, print(status) + "\n");
  }

  /** The HTTP status of a gRPC code, as {@code google.rpc.Code} documents it. */
  static int httpStatus(Status.Code code) {
    return switch (code) {
      case OK -> 200;
      case CANCELLED -> 499;
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case DEADLINE_EXCEEDED -> 504;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PERMISSION_DENIED -> 403;
      case UNAUTHENTICATED -> 401;
      case RESOURCE_EXHAUSTED -> 429;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      default -> 500; // UNKNOWN, INTERNAL, DATA_LOSS
    };
  }
}
