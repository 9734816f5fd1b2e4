package dev.baton.cli.pki;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small certificate authority for one Baton cluster ({@code baton pki}), with Bouncy Castle: a CA, and
 * certificates for coordinators, agents and clients signed by it, as PEM files ({@code ca.pem}, {@code ca-key.pem},
 * {@code NAME.pem}, {@code NAME-key.pem}; keys PKCS#8, mode 0600). Keys are ECDSA P-256.
 *
 * <p>A certificate says what it is for in its subject: {@code CN=NAME, OU=KIND, O=baton}. Coordinators read the OU
 * to know an agent (which may then only use the agent stream, under its CN) or another coordinator.
 */
public final class Pki {
  public static final String CA_CERT = "ca.pem";
  public static final String CA_KEY = "ca-key.pem";
  public static final Duration DEFAULT_CA_LIFETIME = Duration.ofDays(3650);
  public static final Duration DEFAULT_LIFETIME = Duration.ofDays(825);

  /** What a certificate is for. */
  public enum Kind {
    /** A coordinator: serves (and dials other coordinators and etcd). */
    COORDINATOR,
    /** A worker agent: dials coordinators, its CN is its name. */
    AGENT,
    /** A person or program: dials coordinators (a token still gives the role). */
    CLIENT;

    String ou() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private static final String SIGNATURE = "SHA256withECDSA";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path dir;

  public Pki(Path dir) {
    this.dir = dir;
  }

  /**
   * Makes the CA: {@code ca.pem} and {@code ca-key.pem}.
   *
   * @throws FileAlreadyExistsException if a CA is there already (never overwritten: every certificate would break)
   */
  public Path init(Duration lifetime) throws IOException, GeneralSecurityException {
    refuseExisting(CA_CERT, CA_KEY);
    KeyPair keys = newKeys();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "Baton CA")
        .addRDN(BCStyle.O, "baton").build();
    Instant now = Instant.now();
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(lifetime)), subject, keys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
        .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
    X509Certificate ca = sign(builder, keys.getPrivate());
    Files.createDirectories(dir);
    writeKey(dir.resolve(CA_KEY), keys.getPrivate());
    writePublic(dir.resolve(CA_CERT), ca);
    return dir.resolve(CA_CERT);
  }

  /**
   * Issues a certificate signed by the CA in this directory: {@code NAME.pem} and {@code NAME-key.pem}.
   *
   * @param dnsNames extra DNS names (the name itself is always one; a coordinator given none also gets
   *     {@code localhost})
   * @param ips IP addresses (a coordinator given none gets 127.0.0.1 and ::1)
   */
  public Path issue(Kind kind, String name, List<String> dnsNames, List<String> ips, Duration lifetime)
      throws IOException, GeneralSecurityException {
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      throw new IllegalArgumentException("'" + name + "' is not a name for a certificate: 1 to 63 letters, digits, "
          + "'.', '_' or '-'");
    }
    refuseExisting(name + ".pem", name + "-key.pem");
    X509Certificate ca = readCertificate(dir.resolve(CA_CERT));
    PrivateKey caKey = readKey(dir.resolve(CA_KEY));
    KeyPair keys = newKeys();
    X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, name)
        .addRDN(BCStyle.OU, kind.ou()).addRDN(BCStyle.O, "baton").build();
    Set<String> dns = new LinkedHashSet<>();
    dns.add(name);
    dns.addAll(dnsNames);
    List<String> addresses = new ArrayList<>(ips);
    if (kind == Kind.COORDINATOR && dnsNames.isEmpty() && ips.isEmpty()) {
      dns.add("localhost");
      addresses.add("127.0.0.1");
      addresses.add("::1");
    }
    List<GeneralName> sans = new ArrayList<>();
    dns.forEach(d -> sans.add(new GeneralName(GeneralName.dNSName, d)));
    for (String ip : addresses) {
      InetAddress address = InetAddress.getByName(ip.trim()); // literal addresses only: no lookup
      sans.add(new GeneralName(GeneralName.iPAddress, address.getHostAddress()));
    }
    KeyPurposeId[] purposes = kind == Kind.COORDINATOR
        ? new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}
        : new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
    Instant now = Instant.now();
    JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca, serial(),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(lifetime)), subject, keys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
        .addExtension(Extension.subjectAlternativeName, false,
            new GeneralNames(sans.toArray(GeneralName[]::new)))
        .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(ca));
    X509Certificate certificate = sign(builder, caKey);
    writeKey(dir.resolve(name + "-key.pem"), keys.getPrivate());
    writePublic(dir.resolve(name + ".pem"), certificate);
    return dir.resolve(name + ".pem");
  }

  private void refuseExisting(String... names) throws FileAlreadyExistsException {
    for (String name : names) {
      if (Files.exists(dir.resolve(name))) {
        throw new FileAlreadyExistsException(dir.resolve(name).toString(), null,
            "exists already; Baton never overwrites a key or certificate (move it away first)");
      }
    }
  }

  private static KeyPair newKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws GeneralSecurityException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(key);
      return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    } catch (OperatorCreationException e) {
      throw new GeneralSecurityException("cannot sign: " + e.getMessage(), e);
    }
  }

  private static void writeKey(Path file, PrivateKey key) throws IOException {
    Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (Writer out = Files.newBufferedWriter(file); JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(new JcaPKCS8Generator(key, null));
    }
  }

  private static void writePublic(Path file, X509Certificate certificate) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(certificate);
    }
    Files.writeString(file, text.toString());
  }

  static X509Certificate readCertificate(Path file) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(file))) {
      Object object = parser.readObject();
      if (!(object instanceof X509CertificateHolder holder)) {
        throw new GeneralSecurityException(file + " holds no certificate");
      }
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new java.nio.file.NoSuchFileException(file.toString(), null, "no CA here: run 'baton pki init' first");
    }
  }

  private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(file))) {
      Object object = parser.readObject();
      if (!(object instanceof PrivateKeyInfo info)) {
        throw new GeneralSecurityException(file + " holds no PKCS#8 private key");
      }
      return new JcaPEMKeyConverter().getPrivateKey(info);
    }
  }
}
