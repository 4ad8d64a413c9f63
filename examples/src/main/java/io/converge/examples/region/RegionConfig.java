package io.converge.examples.region;

import io.converge.replication.Consistency;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How one region runs.
 *
 * @param name the region's name, also its replica id (e.g. {@code us-east})
 * @param httpPort the cart API's port on 127.0.0.1 (0: the system chooses)
 * @param grpcPort the replication port on 127.0.0.1 (0: the system chooses)
 * @param dataDirectory where the replica keeps its state
 * @param peers the other regions: name to the {@code host:port} this region dials them at
 * @param consistency the writes' consistency when a request does not choose one
 * @param writeTimeout how long a {@code QUORUM}/{@code ALL} write waits for acknowledgements
 * @param readTimeout how long a read with a causal token waits for the token's writes
 * @param maxClockOffset how far ahead of this region's clock a peer's timestamp may be
 * @param clockSkew how far this region's wall clock is set ahead (or behind) of the machine's
 * @param antiEntropyInterval how often the replica compares digests with each peer
 * @param admin whether the game-day endpoints ({@code PUT /admin/clock}) are served
 * @param tls the region's certificate, private key and trusted CA for mutual TLS between regions;
 *     {@code null} for plaintext, which trusts whatever replica id a caller claims and is therefore
 *     allowed only when every peer is on this machine (a loopback address or {@code localhost})
 */
public record RegionConfig(
    String name,
    int httpPort,
    int grpcPort,
    Path dataDirectory,
    Map<String, String> peers,
    Consistency consistency,
    Duration writeTimeout,
    Duration readTimeout,
    Duration maxClockOffset,
    Duration clockSkew,
    Duration antiEntropyInterval,
    boolean admin,
    RegionCertificates.TlsFiles tls) {

  /** The default write timeout. */
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(2);

  /** The default read timeout. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);

  /** The default maximum clock offset: regions' clocks may differ by up to 3 s. */
  public static final Duration DEFAULT_MAX_CLOCK_OFFSET = Duration.ofSeconds(3);

  /** The default anti-entropy interval. */
  public static final Duration DEFAULT_ANTI_ENTROPY_INTERVAL = Duration.ofSeconds(2);

  /**
   * Checks the components and copies the peers.
   *
   * @param name the region's name
   * @param httpPort the HTTP port
   * @param grpcPort the replication port
   * @param dataDirectory the data directory
   * @param peers the peers
   * @param consistency the default consistency
   * @param writeTimeout the write timeout
   * @param readTimeout the read timeout
   * @param maxClockOffset the maximum clock offset
   * @param clockSkew the clock skew
   * @param antiEntropyInterval the anti-entropy interval
   * @param admin whether the admin endpoints are served
   * @param tls the TLS files, or {@code null} for plaintext (loopback peers only)
   * @throws NullPointerException if an argument but {@code tls} is null
   * @throws IllegalArgumentException if a port is out of range, a duration is not positive, a peer
   *     is this region, or a peer is not on this machine while {@code tls} is null
   */
  public RegionConfig {
    Objects.requireNonNull(name, "name");
    checkPort("httpPort", httpPort);
    checkPort("grpcPort", grpcPort);
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    peers = java.util.Collections.unmodifiableMap(new TreeMap<>(peers));
    if (peers.containsKey(name)) {
      throw new IllegalArgumentException("region " + name + " lists itself as a peer: " + peers);
    }
    Objects.requireNonNull(consistency, "consistency");
    checkPositive("writeTimeout", writeTimeout);
    checkPositive("readTimeout", readTimeout);
    checkPositive("maxClockOffset", maxClockOffset);
    Objects.requireNonNull(clockSkew, "clockSkew");
    checkPositive("antiEntropyInterval", antiEntropyInterval);
    if (tls == null) {
      peers.forEach(RegionConfig::checkLoopback);
    }
  }

  /** Plaintext lets anyone who reaches the port claim a replica id: one host only. */
  private static void checkLoopback(String peer, String address) {
    int colon = address.lastIndexOf(':');
    String host = colon < 0 ? address : address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    boolean loopback = host.equalsIgnoreCase("localhost");
    // Only literal addresses are resolved (no DNS lookup): a name other than localhost is refused.
    if (!loopback && (host.contains(":") || host.matches("[0-9.]+"))) {
      try {
        loopback = InetAddress.getByName(host).isLoopbackAddress();
      } catch (UnknownHostException e) {
        loopback = false;
      }
    }
    if (!loopback) {
      throw new IllegalArgumentException(
          "plaintext replication is for one machine only, but peer "
              + peer
              + " is at "
              + address
              + ": give the region a certificate (--tls-cert, --tls-key, --tls-ca)");
    }
  }

  private static void checkPort(String what, int port) {
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(what + " must be in [0, 65535]: " + port);
    }
  }

  private static void checkPositive(String what, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
  }
}
