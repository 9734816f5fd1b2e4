package dev.baton.coordinator.api;

import com.google.protobuf.Empty;
import dev.baton.coordinator.notify.Outbox;
import dev.baton.coordinator.notify.Webhooks;
import dev.baton.proto.v1.CreateWebhookRequest;
import dev.baton.proto.v1.CreateWebhookResponse;
import dev.baton.proto.v1.DeleteWebhookRequest;
import dev.baton.proto.v1.Delivery;
import dev.baton.proto.v1.ListDeliveriesRequest;
import dev.baton.proto.v1.ListDeliveriesResponse;
import dev.baton.proto.v1.ListWebhooksRequest;
import dev.baton.proto.v1.ListWebhooksResponse;
import dev.baton.proto.v1.NotificationServiceGrpc;
import dev.baton.proto.v1.TestWebhookRequest;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;

/** NotificationService: webhooks and their deliveries (the outbox). Requests are checked by {@link RequestChecks}. */
public final class NotificationServiceImpl extends NotificationServiceGrpc.NotificationServiceImplBase {
  private final Webhooks webhooks;
  private final Outbox outbox;

  public NotificationServiceImpl(Webhooks webhooks, Outbox outbox) {
    this.webhooks = webhooks;
    this.outbox = outbox;
  }

  @Override
  public void createWebhook(CreateWebhookRequest request, StreamObserver<CreateWebhookResponse> response) {
    Calls.unary(response, () -> {
      Webhooks.Stored created = webhooks.create(request.getWebhook(), batch -> {});
      return CreateWebhookResponse.newBuilder().setWebhook(created.webhook())
          .setSecret(new String(created.secret(), StandardCharsets.UTF_8)).build();
    });
  }

  @Override
  public void listWebhooks(ListWebhooksRequest request, StreamObserver<ListWebhooksResponse> response) {
    Calls.unary(response, () -> ListWebhooksResponse.newBuilder()
        .addAllWebhooks(webhooks.all().stream().map(Webhooks.Stored::webhook).toList()).build());
  }

  @Override
  public void deleteWebhook(DeleteWebhookRequest request, StreamObserver<Empty> response) {
    Calls.unary(response, () -> {
      webhooks.delete(request.getName());
      return Empty.getDefaultInstance();
    });
  }

  @Override
  public void testWebhook(TestWebhookRequest request, StreamObserver<Delivery> response) {
    Calls.unary(response, () -> outbox.test(webhooks.find(request.getName())
        .orElseThrow(() -> Webhooks.notFound(request.getName()))));
  }

  @Override
  public void listDeliveries(ListDeliveriesRequest request, StreamObserver<ListDeliveriesResponse> response) {
    Calls.unary(response, () -> {
      webhooks.find(request.getWebhook()).orElseThrow(() -> Webhooks.notFound(request.getWebhook()));
      return outbox.list(request);
    });
  }
}
