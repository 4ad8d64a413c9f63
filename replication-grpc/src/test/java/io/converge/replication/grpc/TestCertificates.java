package io.converge.replication.grpc;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A test certificate authority made in memory (EC P-256), and leaf certificates it signs. */
final class TestCertificates {

  private static final AtomicLong SERIAL = new AtomicLong(1);

  /** A certificate and its private key, PEM. */
  record Leaf(byte[] certPem, byte[] keyPem) {}

  private final KeyPair caKeys;
  private final X500Name caName;
  private final byte[] caPem;

  TestCertificates(String caCommonName) {
    caKeys = keyPair();
    caName = new X500Name("CN=" + caCommonName);
    try {
      X509v3CertificateBuilder b = builder(caName, caName, caKeys);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      b.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      caPem = pem("CERTIFICATE", sign(b, caKeys.getPrivate()).getEncoded());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  byte[] caPem() {
    return caPem.clone();
  }

  /** A leaf for replica {@code id}: CN=id, SAN DNS:id, DNS:localhost, IP:127.0.0.1. */
  Leaf leaf(String id) {
    KeyPair keys = keyPair();
    try {
      X509v3CertificateBuilder b = builder(caName, new X500Name("CN=" + id), keys);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(
          Extension.keyUsage,
          true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      b.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, id),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
              }));
      return new Leaf(
          pem("CERTIFICATE", sign(b, caKeys.getPrivate()).getEncoded()),
          pem("PRIVATE KEY", keys.getPrivate().getEncoded()));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        BigInteger.valueOf(SERIAL.getAndIncrement()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(Duration.ofDays(1))),
        subject,
        keys.getPublic());
  }

  private static X509CertificateHolder sign(X509v3CertificateBuilder b, PrivateKey key) {
    try {
      return b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key));
    } catch (OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] pem(String type, byte[] der) {
    String body =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
