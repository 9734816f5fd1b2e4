package dev.baton.client;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a client, an agent or a coordinator proves itself to a coordinator and checks that it talks to the right
 * one: TLS (the CA that signed the coordinators' certificates, and optionally a certificate of its own for mutual
 * TLS) or plain text, and optionally a bearer token sent with every call. Never printed: {@link #toString} names
 * the files, not the token.
 */
public final class Credentials {
  /** The header a token travels in, as {@code Bearer SECRET}. */
  public static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  public static final String BEARER = "Bearer ";

  private final Optional<TlsFiles> tls;
  private final Optional<String> token;

  private Credentials(Optional<TlsFiles> tls, Optional<String> token) {
    this.tls = tls;
    this.token = token;
  }

  /** Plain text, no token: for a coordinator on loopback without auth. */
  public static Credentials plaintext() {
    return new Credentials(Optional.empty(), Optional.empty());
  }

  /** TLS with these files (see {@link TlsFiles}). */
  public static Credentials tls(TlsFiles files) {
    return new Credentials(Optional.of(files), Optional.empty());
  }

  /** TLS when {@code files} is present, else plain text. */
  public static Credentials of(Optional<TlsFiles> files) {
    return new Credentials(files, Optional.empty());
  }

  /** The same, sending {@code secret} as a bearer token with every call (a blank one sends none). */
  public Credentials withToken(String secret) {
    return new Credentials(tls, secret == null || secret.isBlank() ? Optional.empty() : Optional.of(secret.trim()));
  }

  public Optional<TlsFiles> tls() {
    return tls;
  }

  public boolean hasToken() {
    return token.isPresent();
  }

  /** gRPC's channel credentials for these settings. */
  public ChannelCredentials channelCredentials() {
    if (tls.isEmpty()) {
      return InsecureChannelCredentials.create();
    }
    TlsFiles files = tls.get();
    try {
      TlsChannelCredentials.Builder builder = TlsChannelCredentials.newBuilder().trustManager(files.ca().toFile());
      if (files.cert().isPresent()) {
        builder.keyManager(files.cert().get().toFile(), files.key().get().toFile());
      }
      return builder.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS files " + files + ": " + e.getMessage(), e);
    }
  }

  /** A channel builder for {@code target} with these credentials (the token is added by {@link #interceptor}). */
  public ManagedChannelBuilder<?> channelBuilder(String target) {
    return Grpc.newChannelBuilder(target, channelCredentials());
  }

  /** Adds the token, if any, to every call; a no-op without one. */
  public ClientInterceptor interceptor() {
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        ClientCall<Q, R> call = next.newCall(method, options);
        if (token.isEmpty()) {
          return call;
        }
        return new ForwardingClientCall.SimpleForwardingClientCall<>(call) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(AUTHORIZATION, BEARER + token.get());
            super.start(listener, headers);
          }
        };
      }
    };
  }

  /**
   * What went wrong in a TLS handshake, in words, if that is why a call or stream failed: the peer serves no TLS, or
   * a certificate was not trusted (the innermost cause, which names it). Empty for any other failure.
   */
  public static Optional<String> tlsFailure(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t.getClass().getSimpleName().equals("NotSslRecordException")) {
        return Optional.of("the other side does not serve TLS");
      }
      if (t instanceof javax.net.ssl.SSLException || t instanceof java.security.cert.CertificateException) {
        Throwable root = t;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        return Optional.of(String.valueOf(root.getMessage() != null ? root.getMessage() : t.getMessage()));
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return (tls.map(t -> "TLS " + t).orElse("plain text")) + (token.isPresent() ? " with a token" : "");
  }

  /**
   * TLS files in PEM: the CA certificate every peer's certificate must chain to, and this side's certificate and
   * private key (PKCS#8), both or neither (a client without them still checks the server; an agent needs them).
   */
  public record TlsFiles(Path ca, Optional<Path> cert, Optional<Path> key) {
    public TlsFiles {
      if (cert.isPresent() != key.isPresent()) {
        throw new IllegalArgumentException("give both --tls-cert and --tls-key, or neither");
      }
      for (Path p : new Path[] {ca, cert.orElse(ca), key.orElse(ca)}) {
        if (!Files.isReadable(p)) {
          throw new IllegalArgumentException("cannot read TLS file " + p);
        }
      }
    }

    /**
     * The files given, or none when no TLS setting is given at all.
     *
     * @throws IllegalArgumentException when a certificate is given without the CA, or half a key pair
     */
    public static Optional<TlsFiles> of(String ca, String cert, String key) {
      boolean any = present(ca) || present(cert) || present(key);
      if (!any) {
        return Optional.empty();
      }
      if (!present(ca)) {
        throw new IllegalArgumentException("TLS needs --tls-ca (the CA certificate, ca.pem)");
      }
      return Optional.of(new TlsFiles(Path.of(ca.trim()), Optional.ofNullable(present(cert) ? Path.of(cert.trim())
          : null), Optional.ofNullable(present(key) ? Path.of(key.trim()) : null)));
    }

    private static boolean present(String s) {
      return s != null && !s.isBlank();
    }

    @Override
    public String toString() {
      return "ca " + ca + cert.map(c -> ", cert " + c).orElse("");
    }
  }
}
