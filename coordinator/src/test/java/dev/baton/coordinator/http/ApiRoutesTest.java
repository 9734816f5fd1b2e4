package dev.baton.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.DescriptorProtos.MethodOptions.IdempotencyLevel;
import com.google.protobuf.Descriptors;
import dev.baton.proto.v1.AccessProto;
import dev.baton.proto.v1.ClusterServiceProto;
import dev.baton.proto.v1.JobServiceProto;
import dev.baton.proto.v1.NotifyProto;
import dev.baton.proto.v1.RunServiceProto;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every RPC people use is in the JSON API, once, and HTTP's safe methods are exactly the RPCs without effects. */
class ApiRoutesTest {
  private static final List<Descriptors.ServiceDescriptor> SERVICES = List.of(
      JobServiceProto.getDescriptor().findServiceByName("JobService"),
      RunServiceProto.getDescriptor().findServiceByName("RunService"),
      ClusterServiceProto.getDescriptor().findServiceByName("ClusterService"),
      AccessProto.getDescriptor().findServiceByName("AccessService"),
      NotifyProto.getDescriptor().findServiceByName("NotificationService"));

  @Test
  void everyRpcHasOneRouteAndGetMeansNoSideEffects() {
    ApiRoutes routes = ApiRoutes.of(SERVICES);
    int rpcs = SERVICES.stream().mapToInt(s -> s.getMethods().size()).sum();
    assertEquals(rpcs, routes.routes().size());
    Set<String> seen = new HashSet<>();
    for (ApiRoutes.Route route : routes.routes()) {
      assertTrue(seen.add(route.httpMethod() + " " + route.path().text()), "declared twice: " + route);
      boolean reads = route.method().getOptions().getIdempotencyLevel() == IdempotencyLevel.NO_SIDE_EFFECTS;
      assertEquals(reads, route.httpMethod().equals("GET"), route.method().getFullName() + " " + route.httpMethod());
      assertTrue(route.path().text().startsWith("/api/v1/"), route.path().text());
    }
  }

  @Test
  void customVerbsAndWrongMethodsAreToldApart() {
    ApiRoutes routes = ApiRoutes.of(SERVICES);
    ApiRoutes.Found trigger = assertInstanceOf(ApiRoutes.Found.class, routes.match("POST", "/api/v1/jobs/x:trigger"));
    assertEquals("baton.v1.JobService/TriggerJob", trigger.route().grpcName());
    assertEquals("x", trigger.variables().get("name"));
    ApiRoutes.WrongMethod wrong = assertInstanceOf(ApiRoutes.WrongMethod.class, routes.match("PUT", "/api/v1/jobs"));
    assertEquals(Set.of("GET", "POST"), Set.copyOf(wrong.allowed()));
    assertInstanceOf(ApiRoutes.NoSuchPath.class, routes.match("GET", "/api/v2/jobs"));
  }
}
