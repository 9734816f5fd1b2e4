package dev.baton.cli.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PkiTest {
  @TempDir Path dir;

  @Test
  void aCaAndCertificatesThatSayWhatTheyAreFor() throws Exception {
    Pki pki = new Pki(dir);
    pki.init(Duration.ofDays(10));
    pki.issue(Pki.Kind.COORDINATOR, "c1", List.of(), List.of(), Duration.ofDays(5));
    pki.issue(Pki.Kind.AGENT, "w1", List.of("w1.example.com"), List.of("10.0.0.7"), Duration.ofDays(5));
    for (String key : List.of("ca-key.pem", "c1-key.pem", "w1-key.pem")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(key))), key);
      assertTrue(Files.readString(dir.resolve(key)).startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8: " + key);
    }
    X509Certificate ca = Pki.readCertificate(dir.resolve("ca.pem"));
    X509Certificate c1 = Pki.readCertificate(dir.resolve("c1.pem"));
    X509Certificate w1 = Pki.readCertificate(dir.resolve("w1.pem"));
    c1.verify(ca.getPublicKey());
    w1.verify(ca.getPublicKey());
    assertTrue(ca.getBasicConstraints() >= 0, "the CA is a CA");
    assertEquals(-1, w1.getBasicConstraints(), "a leaf is not");
    assertEquals("O=baton,OU=agent,CN=w1", w1.getSubjectX500Principal().getName());
    assertEquals("O=baton,OU=coordinator,CN=c1", c1.getSubjectX500Principal().getName());
    assertEquals(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"), c1.getExtendedKeyUsage(), "server and client");
    assertEquals(List.of("1.3.6.1.5.5.7.3.2"), w1.getExtendedKeyUsage(), "client only");
    assertEquals("[[2, c1], [2, localhost], [7, 127.0.0.1], [7, 0:0:0:0:0:0:0:1]]",
        String.valueOf(c1.getSubjectAlternativeNames()), "a coordinator given no names is valid on loopback");
    assertEquals("[[2, w1], [2, w1.example.com], [7, 10.0.0.7]]", String.valueOf(w1.getSubjectAlternativeNames()));
  }

  @Test
  void nothingIsOverwrittenAndNothingIsIssuedWithoutACa() throws Exception {
    Pki pki = new Pki(dir);
    assertThrows(java.nio.file.NoSuchFileException.class,
        () -> pki.issue(Pki.Kind.AGENT, "w1", List.of(), List.of(), Duration.ofDays(1)));
    pki.init(Duration.ofDays(1));
    String ca = Files.readString(dir.resolve("ca.pem"));
    assertThrows(FileAlreadyExistsException.class, () -> pki.init(Duration.ofDays(1)));
    assertEquals(ca, Files.readString(dir.resolve("ca.pem")));
    pki.issue(Pki.Kind.AGENT, "w1", List.of(), List.of(), Duration.ofDays(1));
    assertThrows(FileAlreadyExistsException.class,
        () -> pki.issue(Pki.Kind.CLIENT, "w1", List.of(), List.of(), Duration.ofDays(1)));
    assertThrows(IllegalArgumentException.class,
        () -> pki.issue(Pki.Kind.AGENT, "../w2", List.of(), List.of(), Duration.ofDays(1)));
  }
}
