package io.converge.examples.region;

import io.converge.replication.Consistency;
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
    boolean admin) {

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
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if a port is out of range, a duration is not positive, or a
   *     peer is this region
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
