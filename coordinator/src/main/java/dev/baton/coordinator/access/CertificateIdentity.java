package dev.baton.coordinator.access;

import dev.baton.proto.v1.Role;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who a client certificate proves its holder to be. {@code baton pki} writes the kind of a certificate in its
 * subject's OU ({@code agent}, {@code coordinator} or {@code client}) and the name in its CN. The TLS handshake has
 * already checked that it chains to the cluster's CA; this only reads it. An {@code agent} certificate makes its
 * holder the agent of that name, a {@code coordinator} one a coordinator; a {@code client} certificate proves a
 * name but gives no role (a token does).
 */
public final class CertificateIdentity {
  public static final String AGENT = "agent";
  public static final String COORDINATOR = "coordinator";
  public static final String CLIENT = "client";

  private CertificateIdentity() {}

  /** The principal a verified peer certificate of this TLS session makes, if any. */
  public static Optional<Principal> of(SSLSession session) {
    if (session == null) {
      return Optional.empty();
    }
    Certificate[] chain;
    try {
      chain = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty(); // no client certificate
    }
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
      return Optional.empty();
    }
    return of(leaf);
  }

  /** The principal {@code certificate} makes: by its OU, named by its CN. */
  public static Optional<Principal> of(X509Certificate certificate) {
    String cn = null;
    String ou = null;
    try {
      for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          cn = String.valueOf(rdn.getValue());
        } else if (rdn.getType().equalsIgnoreCase("OU")) {
          ou = String.valueOf(rdn.getValue());
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    if (cn == null || ou == null) {
      return Optional.empty();
    }
    return switch (ou) {
      case AGENT -> Optional.of(new Principal(Principal.Kind.AGENT, cn, Role.ROLE_AGENT));
      case COORDINATOR -> Optional.of(new Principal(Principal.Kind.COORDINATOR, cn, Role.ROLE_COORDINATOR));
      default -> Optional.empty();
    };
  }
}
