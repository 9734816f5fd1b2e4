package dev.baton.coordinator.http;

import com.google.api.AnnotationsProto;
import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import io.grpc.MethodDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON API's routes, read from the {@code google.api.http} annotations of the {@code .proto} files (DESIGN.md
 * section 9): one declaration per RPC, so the HTTP API cannot drift from the gRPC one. Pure: matching only.
 */
public final class ApiRoutes {
  /**
   * One RPC as HTTP.
   *
   * @param httpMethod GET, POST, PATCH, PUT or DELETE
   * @param path its path template
   * @param body {@code *} (the whole request is the body), a field name (the body is that field), or empty (none)
   * @param method the RPC
   */
  public record Route(String httpMethod, PathTemplate path, String body, Descriptors.MethodDescriptor method) {
    /** The RPC's gRPC name, {@code baton.v1.JobService/GetJob}. */
    public String grpcName() {
      return MethodDescriptor.generateFullMethodName(method.getService().getFullName(), method.getName());
    }

    public boolean streams() {
      return method.isServerStreaming();
    }
  }

  /** What a request found: its route and the path's variables, or why none fits. */
  public sealed interface Match permits Found, NoSuchPath, WrongMethod {}

  public record Found(Route route, Map<String, String> variables) implements Match {}

  public record NoSuchPath() implements Match {}

  public record WrongMethod(List<String> allowed) implements Match {}

  private final List<Route> routes;

  private ApiRoutes(List<Route> routes) {
    this.routes = List.copyOf(routes);
  }

  /** The routes of every annotated RPC of {@code services}; client-streaming RPCs have none. */
  public static ApiRoutes of(List<Descriptors.ServiceDescriptor> services) {
    List<Route> routes = new ArrayList<>();
    for (Descriptors.ServiceDescriptor service : services) {
      for (Descriptors.MethodDescriptor method : service.getMethods()) {
        if (!method.getOptions().hasExtension(AnnotationsProto.http) || method.isClientStreaming()) {
          continue;
        }
        HttpRule rule = method.getOptions().getExtension(AnnotationsProto.http);
        String verb = switch (rule.getPatternCase()) {
          case GET -> "GET";
          case POST -> "POST";
          case PATCH -> "PATCH";
          case PUT -> "PUT";
          case DELETE -> "DELETE";
          default -> throw new IllegalArgumentException(method.getFullName() + ": unsupported HTTP rule " + rule);
        };
        String path = switch (rule.getPatternCase()) {
          case GET -> rule.getGet();
          case POST -> rule.getPost();
          case PATCH -> rule.getPatch();
          case PUT -> rule.getPut();
          default -> rule.getDelete();
        };
        routes.add(new Route(verb, PathTemplate.parse(path), rule.getBody(), method));
      }
    }
    return new ApiRoutes(routes);
  }

  public List<Route> routes() {
    return routes;
  }

  /** The route for {@code httpMethod} on {@code path} (as sent, percent-encoded). */
  public Match match(String httpMethod, String path) {
    List<String> allowed = new ArrayList<>();
    for (Route route : routes) {
      Optional<Map<String, String>> variables = route.path().match(path);
      if (variables.isEmpty()) {
        continue;
      }
      if (route.httpMethod().equals(httpMethod)) {
        return new Found(route, variables.get());
      }
      allowed.add(route.httpMethod());
    }
    return allowed.isEmpty() ? new NoSuchPath() : new WrongMethod(allowed);
  }
}
