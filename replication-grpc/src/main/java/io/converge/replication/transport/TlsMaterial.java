package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A {@link GrpcTransport}'s mutual-TLS material (its certificate chain, private key and trusted
 * CAs, as PEM) and what is made of it: gRPC credentials for the server and the channels, and the
 * check that a peer's certificate names the replica it claims to be. Immutable (the bytes are
 * copied in); thread-safe.
 */
final class TlsMaterial {

  private final byte[] chain;
  private final byte[] key;
  private final byte[] ca;

  TlsMaterial(byte[] chain, byte[] key, byte[] ca) {
    this.chain = chain.clone();
    this.key = key.clone();
    this.ca = ca.clone();
  }

  /**
   * Reads a PEM file now.
   *
   * @param name the builder's parameter, for the message if {@code file} is null
   * @throws NullPointerException if {@code file} is null
   * @throws UncheckedIOException naming the file if it cannot be read
   */
  static byte[] read(Path file, String name) {
    Objects.requireNonNull(file, name);
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read TLS file " + file + ": " + e, e);
    }
  }

  /**
   * Checks that the material parses: certificates in both PEMs, a PKCS#8 private key.
   *
   * @throws IllegalArgumentException naming the part that does not
   */
  void validate() {
    certificates(chain, "certChainPem");
    certificates(ca, "trustedCaPem");
    privateKey(key);
  }

  /** The server's credentials: this certificate, and a client certificate from the CAs required. */
  ServerCredentials serverCredentials() {
    try {
      return TlsServerCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(chain), new ByteArrayInputStream(key))
          .trustManager(new ByteArrayInputStream(ca))
          .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("invalid TLS material: " + e.getMessage(), e);
    }
  }

  /** A dialler's credentials: this certificate, trusting only the CAs. */
  ChannelCredentials channelCredentials() {
    try {
      return TlsChannelCredentials.newBuilder()
          .keyManager(new ByteArrayInputStream(chain), new ByteArrayInputStream(key))
          .trustManager(new ByteArrayInputStream(ca))
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("invalid TLS material: " + e.getMessage(), e);
    }
  }

  /** Whether the certificate names {@code id} in its subject CN or a DNS subject alt name. */
  static boolean certificateNames(X509Certificate cert, ReplicaId id) {
    String name = id.toString();
    try {
      for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN") && name.equals(String.valueOf(rdn.getValue()))) {
          return true;
        }
      }
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(2).equals(san.get(0)) && name.equals(san.get(1))) {
            return true;
          }
        }
      }
    } catch (InvalidNameException | CertificateParsingException e) {
      return false;
    }
    return false;
  }

  /** Whether the TLS peer's certificate (client or server) names {@code id}. */
  static boolean peerCertificateNames(SSLSession session, ReplicaId id) {
    if (session == null) {
      return false;
    }
    try {
      Certificate[] peerChain = session.getPeerCertificates();
      return peerChain.length > 0
          && peerChain[0] instanceof X509Certificate
          && certificateNames((X509Certificate) peerChain[0], id);
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  private static void certificates(byte[] pem, String name) {
    try {
      if (CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem))
          .isEmpty()) {
        throw new IllegalArgumentException("invalid TLS material: no certificate in " + name);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          "invalid TLS material: " + name + " is not PEM certificates: " + e.getMessage(), e);
    }
  }

  private static void privateKey(byte[] pem) {
    String text = new String(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new IllegalArgumentException(
          "invalid TLS material: privateKeyPem has no '-----BEGIN PRIVATE KEY-----' (PKCS#8)"
              + " block");
    }
    byte[] der;
    try {
      der =
          Base64.getMimeDecoder()
              .decode(text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "invalid TLS material: privateKeyPem is not base64: " + e.getMessage(), e);
    }
    for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
      try {
        KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        return;
      } catch (GeneralSecurityException e) {
        // try the next algorithm
      }
    }
    throw new IllegalArgumentException(
        "invalid TLS material: privateKeyPem is not an RSA, EC or EdDSA PKCS#8 key");
  }
}
