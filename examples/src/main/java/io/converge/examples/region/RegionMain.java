package io.converge.examples.region;

import io.converge.replication.Consistency;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs one region as its own process: {@code java -cp converge-examples.jar
 * io.converge.examples.region.RegionMain --name us-east --http-port 8081 --tls-cert us-east.crt
 * ...}. Replicates over mutual TLS ({@code --tls-cert}, {@code --tls-key}, {@code --tls-ca}; see
 * {@link RegionCertificates}) or, for peers on this machine only, {@code --plaintext}. Prints
 * {@code READY http=<port> grpc=<port>} on standard output once it serves, then runs until it is
 * stopped (SIGTERM or, with {@code --exit-on-stdin-eof}, the end of its standard input: how the
 * game-day program's regions die with it).
 */
@Command(
    name = "region",
    mixinStandardHelpOptions = true,
    description = "Runs one region of the cart example: a durable replica and the cart HTTP API.")
public final class RegionMain implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--name", required = true, description = "Region name and replica id.")
  private String name;

  @Option(names = "--http-port", defaultValue = "0", description = "Cart API port (0: any).")
  private int httpPort;

  @Option(names = "--grpc-port", defaultValue = "0", description = "Replication port (0: any).")
  private int grpcPort;

  @Option(names = "--data-dir", required = true, description = "The replica's data directory.")
  private Path dataDirectory;

  @Option(
      names = "--peer",
      description = "Another region as name=host:port (repeat per region).",
      paramLabel = "NAME=HOST:PORT")
  private List<String> peers = List.of();

  @Option(
      names = "--consistency",
      defaultValue = "LOCAL",
      description =
          "Default write consistency: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  private Consistency consistency;

  @Option(
      names = "--write-timeout",
      defaultValue = "PT2S",
      description = "QUORUM/ALL write timeout, ISO-8601 (default ${DEFAULT-VALUE}).")
  private Duration writeTimeout;

  @Option(
      names = "--read-timeout",
      defaultValue = "PT2S",
      description = "How long a read with a causal token waits (default ${DEFAULT-VALUE}).")
  private Duration readTimeout;

  @Option(
      names = "--max-clock-offset",
      defaultValue = "PT3S",
      description = "How far ahead a peer's clock may be (default ${DEFAULT-VALUE}).")
  private Duration maxClockOffset;

  @Option(
      names = "--clock-skew",
      defaultValue = "PT0S",
      description = "Sets this region's wall clock ahead (or behind, negative) (default 0).")
  private Duration clockSkew;

  @Option(
      names = "--anti-entropy",
      defaultValue = "PT2S",
      description = "Anti-entropy interval (default ${DEFAULT-VALUE}).")
  private Duration antiEntropy;

  @Option(
      names = "--tls-cert",
      paramLabel = "FILE",
      description =
          "This region's certificate, PEM, naming the region in its CN or a DNS SAN (mutual TLS;"
              + " with --tls-key and --tls-ca).")
  private Path tlsCertificate;

  @Option(
      names = "--tls-key",
      paramLabel = "FILE",
      description = "The certificate's private key, PEM (PKCS#8).")
  private Path tlsPrivateKey;

  @Option(
      names = "--tls-ca",
      paramLabel = "FILE",
      description = "The CA certificate, PEM, that peers' certificates must chain to.")
  private Path tlsCa;

  @Option(
      names = "--plaintext",
      description =
          "Replicate without TLS instead: any caller may claim to be a peer. Only for peers on"
              + " this machine (loopback addresses).")
  private boolean plaintext;

  @Option(names = "--admin", description = "Serve the game-day endpoint PUT /admin/clock.")
  private boolean admin;

  @Option(
      names = "--exit-on-stdin-eof",
      description = "Stop when standard input ends (the parent process died).")
  private boolean exitOnStdinEof;

  private RegionMain() {}

  /**
   * Runs a region; exits 0 when stopped, 2 with the reason on standard error if it cannot start.
   *
   * @param args the options ({@code --help} lists them)
   */
  public static void main(String[] args) {
    int status = new CommandLine(new RegionMain()).execute(args);
    if (status != 0) {
      // gRPC's and Jetty's non-daemon threads would keep a failed region alive.
      System.exit(status);
    }
  }

  /** The TLS files, or null with {@code --plaintext}; exactly one of the two is required. */
  private RegionCertificates.TlsFiles tls() {
    int given =
        (tlsCertificate == null ? 0 : 1)
            + (tlsPrivateKey == null ? 0 : 1)
            + (tlsCa == null ? 0 : 1);
    if (plaintext && given == 0) {
      return null;
    }
    if (!plaintext && given == 3) {
      return new RegionCertificates.TlsFiles(tlsCertificate, tlsPrivateKey, tlsCa);
    }
    throw new CommandLine.ParameterException(
        new CommandLine(this),
        "choose mutual TLS (all of --tls-cert, --tls-key and --tls-ca) or --plaintext (peers on"
            + " this machine only)");
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    Map<String, String> peerMap = new LinkedHashMap<>();
    for (String peer : peers) {
      int eq = peer.indexOf('=');
      if (eq <= 0 || eq == peer.length() - 1) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--peer must be NAME=HOST:PORT: " + peer);
      }
      peerMap.put(peer.substring(0, eq), peer.substring(eq + 1));
    }
    RegionConfig config;
    try {
      config =
          new RegionConfig(
              name,
              httpPort,
              grpcPort,
              dataDirectory,
              peerMap,
              consistency,
              writeTimeout,
              readTimeout,
              maxClockOffset,
              clockSkew,
              antiEntropy,
              admin,
              tls());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    Region region = Region.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  region.close();
                  stopped.countDown();
                },
                "region-shutdown"));
    // Standard output is the channel to the game-day program (IPC), not logging.
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    out.println("READY http=" + region.httpPort() + " grpc=" + region.grpcPort());
    if (exitOnStdinEof) {
      System.in.transferTo(OutputStream.nullOutputStream());
      System.exit(0);
    }
    stopped.await();
    return 0;
  }
}
