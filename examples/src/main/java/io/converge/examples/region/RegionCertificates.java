package io.converge.examples.region;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The example's own certificate authority, made in memory when the game-day program starts, and the
 * certificates it issues to the regions so that they replicate over mutual TLS: each region proves
 * it is the replica it claims to be, and accepts only peers with a certificate of this authority
 * that names them (see {@code GrpcTransport.Builder#tls}).
 *
 * <p>A region's certificate names its replica id in the subject CN and a DNS subject alternative
 * name (what the transport checks on both sides), and also {@code localhost} and {@code 127.0.0.1}:
 * the dialling region checks the host name it dialled against the certificate, and regions dial
 * each other on the loopback address (through the game day's {@code FaultProxy}, which passes TLS
 * through untouched). Keys are EC P-256, signatures SHA256withECDSA; certificates are valid from an
 * hour ago for {@link #VALIDITY}.
 *
 * <p>The authority's private key never leaves this object: once the program ends nobody can issue
 * another certificate this authority signed. Outside a demo, certificates come from your own PKI.
 *
 * <p>Thread-safe.
 */
public final class RegionCertificates {

  /** How long issued certificates are valid. */
  public static final Duration VALIDITY = Duration.ofDays(30);

  /** The file names {@link #writeFiles} uses in a region's directory. */
  static final String CERTIFICATE_FILE = "region.crt";

  static final String PRIVATE_KEY_FILE = "region.key";
  static final String CA_FILE = "ca.crt";

  /**
   * A region's certificate and private key.
   *
   * @param certificatePem the certificate, PEM
   * @param privateKeyPem its private key, PEM (PKCS#8)
   */
  public record Issued(byte[] certificatePem, byte[] privateKeyPem) {

    /**
     * Copies the arrays.
     *
     * @param certificatePem the certificate, PEM
     * @param privateKeyPem its private key, PEM (PKCS#8)
     */
    public Issued {
      certificatePem = certificatePem.clone();
      privateKeyPem = privateKeyPem.clone();
    }

    /**
     * Returns a copy of the certificate.
     *
     * @return the certificate, PEM
     */
    @Override
    public byte[] certificatePem() {
      return certificatePem.clone();
    }

    /**
     * Returns a copy of the private key.
     *
     * @return the private key, PEM (PKCS#8)
     */
    @Override
    public byte[] privateKeyPem() {
      return privateKeyPem.clone();
    }
  }

  /**
   * Where a region's TLS material is, as {@link RegionMain}'s {@code --tls-cert}, {@code --tls-key}
   * and {@code --tls-ca} take it.
   *
   * @param certificate the region's certificate, PEM
   * @param privateKey its private key, PEM (PKCS#8)
   * @param trustedCa the authority's certificate, PEM: peers' certificates must chain to it
   */
  public record TlsFiles(Path certificate, Path privateKey, Path trustedCa) {

    /**
     * Checks the paths.
     *
     * @param certificate the certificate file
     * @param privateKey the private key file
     * @param trustedCa the CA certificate file
     * @throws NullPointerException if a path is null
     */
    public TlsFiles {
      Objects.requireNonNull(certificate, "certificate");
      Objects.requireNonNull(privateKey, "privateKey");
      Objects.requireNonNull(trustedCa, "trustedCa");
    }
  }

  private final X500Name name;
  private final KeyPair keys;
  private final byte[] caPem;
  private final AtomicLong serial = new AtomicLong(1);

  private RegionCertificates(String commonName) {
    this.name = new X500Name("CN=" + commonName);
    this.keys = newKeyPair();
    X509v3CertificateBuilder ca = unsigned(name, keys);
    try {
      ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      ca.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot build the CA certificate", e);
    }
    this.caPem = signed(ca);
  }

  /**
   * Makes a new certificate authority in memory (no I/O).
   *
   * @param commonName the subject CN of the authority's certificate
   * @return the authority
   * @throws NullPointerException if {@code commonName} is null
   * @throws IllegalArgumentException if {@code commonName} is blank
   */
  public static RegionCertificates create(String commonName) {
    Objects.requireNonNull(commonName, "commonName");
    if (commonName.isBlank()) {
      throw new IllegalArgumentException("commonName must not be blank");
    }
    return new RegionCertificates(commonName);
  }

  /**
   * Returns the authority's certificate: what every region trusts.
   *
   * @return the CA certificate, PEM
   */
  public byte[] caPem() {
    return caPem.clone();
  }

  /**
   * Issues a certificate, with a new key pair, to a region.
   *
   * @param region the region's name, its replica id: the subject CN and a DNS name of the
   *     certificate
   * @return the certificate and its private key
   * @throws NullPointerException if {@code region} is null
   */
  public Issued issue(String region) {
    Objects.requireNonNull(region, "region");
    KeyPair regionKeys = newKeyPair();
    X509v3CertificateBuilder leaf = unsigned(new X500Name("CN=" + region), regionKeys);
    try {
      leaf.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      leaf.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
      // Each region is a server to the peers that dial it and a client of those it dials.
      leaf.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      leaf.addExtension(
          Extension.subjectAlternativeName,
          false,
          new GeneralNames(
              new GeneralName[] {
                new GeneralName(GeneralName.dNSName, region),
                new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")
              }));
    } catch (CertIOException e) {
      throw new IllegalStateException("cannot build the certificate of " + region, e);
    }
    return new Issued(signed(leaf), pem("PRIVATE KEY", regionKeys.getPrivate().getEncoded()));
  }

  /**
   * Issues a certificate to a region and writes it, its private key (readable by the owner only,
   * where the file system has POSIX permissions) and the authority's certificate as PEM files into
   * {@code directory}, replacing earlier ones.
   *
   * @param region the region's name, its replica id
   * @param directory where the files go; created if missing
   * @return the files
   * @throws IOException if the files cannot be written
   */
  public TlsFiles writeFiles(String region, Path directory) throws IOException {
    Issued issued = issue(region);
    Files.createDirectories(directory);
    TlsFiles files =
        new TlsFiles(
            directory.resolve(CERTIFICATE_FILE),
            directory.resolve(PRIVATE_KEY_FILE),
            directory.resolve(CA_FILE));
    Files.write(files.certificate(), issued.certificatePem());
    Files.deleteIfExists(files.privateKey());
    if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
      Files.createFile(
          files.privateKey(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.write(files.privateKey(), issued.privateKeyPem());
    Files.write(files.trustedCa(), caPem);
    return files;
  }

  private X509v3CertificateBuilder unsigned(X500Name subject, KeyPair subjectKeys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        name,
        BigInteger.valueOf(serial.getAndIncrement()),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(VALIDITY)),
        subject,
        subjectKeys.getPublic());
  }

  private byte[] signed(X509v3CertificateBuilder certificate) {
    try {
      return pem(
          "CERTIFICATE",
          certificate
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))
              .getEncoded());
    } catch (OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot sign a certificate with " + name, e);
    }
  }

  private static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no EC P-256 key pairs on this JVM", e);
    }
  }

  private static byte[] pem(String type, byte[] der) {
    String base64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return ("-----BEGIN " + type + "-----\n" + base64 + "\n-----END " + type + "-----\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
