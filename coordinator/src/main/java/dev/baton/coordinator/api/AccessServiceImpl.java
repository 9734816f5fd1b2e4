package dev.baton.coordinator.api;

import com.google.protobuf.util.Durations;
import dev.baton.coordinator.access.AuditLog;
import dev.baton.coordinator.access.Principal;
import dev.baton.coordinator.access.Tokens;
import dev.baton.proto.v1.AccessServiceGrpc;
import java.time.Duration;
import dev.baton.proto.v1.Caller;
import dev.baton.proto.v1.CreateTokenRequest;
import dev.baton.proto.v1.CreateTokenResponse;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ListAuditRecordsResponse;
import dev.baton.proto.v1.ListTokensRequest;
import dev.baton.proto.v1.ListTokensResponse;
import dev.baton.proto.v1.RevokeTokenRequest;
import dev.baton.proto.v1.Token;
import dev.baton.proto.v1.WhoAmIRequest;
import io.grpc.stub.StreamObserver;

/** AccessService: tokens and the audit log. Who may call each RPC is {@code AccessControl}'s to check. */
public final class AccessServiceImpl extends AccessServiceGrpc.AccessServiceImplBase {
  private final Tokens tokens;
  private final AuditLog audit;
  private final boolean authOn;

  public AccessServiceImpl(Tokens tokens, AuditLog audit, boolean authOn) {
    this.tokens = tokens;
    this.audit = audit;
    this.authOn = authOn;
  }

  @Override
  public void createToken(CreateTokenRequest request, StreamObserver<CreateTokenResponse> response) {
    Calls.unary(response, () -> {
      Tokens.Issued issued = tokens.create(request.getName(), request.getRole(),
          Duration.ofNanos(Durations.toNanos(request.getTtl())), Principal.current().who());
      return CreateTokenResponse.newBuilder().setToken(issued.token()).setSecret(issued.secret()).build();
    });
  }

  @Override
  public void listTokens(ListTokensRequest request, StreamObserver<ListTokensResponse> response) {
    Calls.unary(response, () -> ListTokensResponse.newBuilder().addAllTokens(tokens.list()).build());
  }

  @Override
  public void revokeToken(RevokeTokenRequest request, StreamObserver<Token> response) {
    Calls.unary(response, () -> tokens.revoke(request.getName()));
  }

  @Override
  public void listAuditRecords(ListAuditRecordsRequest request, StreamObserver<ListAuditRecordsResponse> response) {
    Calls.unary(response, () -> audit.list(request));
  }

  @Override
  public void whoAmI(WhoAmIRequest request, StreamObserver<Caller> response) {
    Principal caller = Principal.current();
    Calls.unary(response, () -> Caller.newBuilder().setWho(caller.who()).setRole(caller.role()).setAuth(authOn)
        .build());
  }
}
