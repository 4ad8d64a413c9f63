package io.converge.replication.durability;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.Consistency;
import io.converge.replication.Key;
import io.converge.replication.PeerStatus;
import io.converge.replication.Replica;
import io.converge.replication.WriteTimeoutException;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.transport.GrpcTransport;
import io.converge.replication.transport.Transport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The child process of {@link ReplicaCrashIT} and {@link RegionLossIT}: one durable region replica
 * over plaintext gRPC on loopback.
 *
 * <p>Arguments: the replica id, the listen port (0: the system chooses), the data directory, the
 * peers as a comma-separated list of {@code id=host:port} (empty for none), then either a key count
 * {@code N} or {@code serve}. Optional system properties: {@value #ANTI_ENTROPY_MILLIS}, the
 * anti-entropy interval in milliseconds; {@value #CONSISTENCY}, the consistency of the writes
 * ({@code LOCAL}, the default, {@code QUORUM} or {@code ALL}); {@value #WRITE_TIMEOUT_MILLIS}, the
 * write timeout of {@code QUORUM} and {@code ALL} writes in milliseconds (default the replica's);
 * {@value #OUTBOUND_DELAY_MILLIS}, a one-way delay added to every message this replica sends
 * (default 0, none; see {@link DelayedTransport}).
 *
 * <p>Prints {@code READY <port>} once started. With {@code N}, waits until it is connected to every
 * peer (at most 30 seconds), then writes {@code "w" + i} to the OR-set {@code acked} and increments
 * the counter {@code count}, for i = 1..N, printing {@code ACK i} after both updates returned (so
 * every printed number is an acknowledged write: with {@code QUORUM}, one a majority holds), then
 * {@code DONE}. If either update of write i throws {@link WriteTimeoutException}, prints {@code
 * TIMEOUT i} instead of {@code ACK i} and goes on with i + 1 (the write is applied and replicates,
 * but was not acknowledged: no test may count it). With {@code serve}, replicates until its
 * standard input ends, then closes. In both modes the end of standard input (the parent died) stops
 * the process.
 */
final class RegionProcess {

  /** The system property of the anti-entropy interval, in milliseconds. */
  static final String ANTI_ENTROPY_MILLIS = "converge.test.antiEntropyMillis";

  /** The system property of the writes' consistency, a {@link Consistency} name. */
  static final String CONSISTENCY = "converge.test.consistency";

  /** The system property of the write timeout, in milliseconds. */
  static final String WRITE_TIMEOUT_MILLIS = "converge.test.writeTimeoutMillis";

  /** The system property of the one-way delay added to every outbound message, in milliseconds. */
  static final String OUTBOUND_DELAY_MILLIS = "converge.test.outboundDelayMillis";

  private static final Duration PEERS_DEADLINE = Duration.ofSeconds(30);

  static final Key<ORSet<String>> ACKED = Key.orSet("acked", ElementCodec.strings());
  static final Key<GCounter> COUNT = Key.gCounter("count");

  private static final System.Logger LOG = System.getLogger(RegionProcess.class.getName());

  private RegionProcess() {}

  /**
   * Runs the replica; exits with status 2 and the stack trace on standard error if it fails.
   *
   * @param args id, port, data directory, peers, {@code N} or {@code serve}
   */
  public static void main(String[] args) {
    try {
      run(args);
      System.exit(0);
    } catch (Throwable t) {
      // To standard error (the platform logger's default), which the parent test prints on failure.
      LOG.log(
          System.Logger.Level.ERROR, "region process failed, args=" + String.join(" ", args), t);
      // gRPC's non-daemon threads would keep a failed child alive until the parent's deadline.
      System.exit(2);
    }
  }

  private static void run(String[] args) throws IOException {
    if (args.length != 5) {
      throw new IllegalArgumentException(
          "usage: id port dataDir peers (N|serve): args.length=" + args.length);
    }
    String id = args[0];
    int port = Integer.parseInt(args[1]);
    Path data = Path.of(args[2]);
    boolean serve = args[4].equals("serve");
    int n = serve ? 0 : Integer.parseInt(args[4]);
    Duration antiEntropy =
        Duration.ofMillis(
            Long.getLong(
                ANTI_ENTROPY_MILLIS, Replica.Builder.DEFAULT_ANTI_ENTROPY_INTERVAL.toMillis()));
    Consistency consistency = Consistency.valueOf(System.getProperty(CONSISTENCY, "LOCAL"));
    Duration writeTimeout =
        Duration.ofMillis(
            Long.getLong(WRITE_TIMEOUT_MILLIS, Replica.Builder.DEFAULT_WRITE_TIMEOUT.toMillis()));
    Duration outboundDelay = Duration.ofMillis(Long.getLong(OUTBOUND_DELAY_MILLIS, 0));

    GrpcTransport.Builder transport =
        GrpcTransport.builder()
            .listen("127.0.0.1", port)
            .plaintext()
            .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
    if (!args[3].isEmpty()) {
      for (String peer : args[3].split(",")) {
        int eq = peer.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException("peer must be id=host:port: peer=" + peer);
        }
        transport.peer(peer.substring(0, eq), peer.substring(eq + 1));
      }
    }
    GrpcTransport built = transport.build();
    Transport used = outboundDelay.isZero() ? built : new DelayedTransport(built, outboundDelay);

    // Standard output is the channel to the parent (IPC), not logging: "READY <port>", then one
    // "ACK i" per acknowledged write. Flushed per line so the parent sees an acknowledgement as
    // soon as it is made: a line still in a buffer when SIGKILL comes would hide an acknowledged
    // write from the check.
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Replica replica =
        Replica.builder()
            .replicaId(id)
            .transport(used)
            .dataDirectory(data)
            // The default; named because the test's claim (acknowledged = on disk) depends on it.
            .fsyncPolicy(FsyncPolicy.always())
            .key(ACKED)
            .key(COUNT)
            .resendInterval(Duration.ofMillis(100))
            .antiEntropyInterval(antiEntropy)
            .consistency(consistency)
            .writeTimeout(writeTimeout)
            .start();
    ReplicaId self = replica.self();
    out.println("READY " + built.port());

    if (serve) {
      System.in.transferTo(OutputStream.nullOutputStream());
      replica.close();
      return;
    }
    Thread orphanGuard =
        new Thread(
            () -> {
              try {
                System.in.transferTo(OutputStream.nullOutputStream());
              } catch (IOException e) {
                // the pipe broke: the parent is gone too
              }
              Runtime.getRuntime().halt(3);
            },
            "region-stdin-eof");
    orphanGuard.setDaemon(true);
    orphanGuard.start();
    awaitPeersConnected(replica, used);
    for (int i = 1; i <= n; i++) {
      String element = "w" + i;
      try {
        replica.update(ACKED, s -> s.add(self, element));
        replica.update(COUNT, c -> c.increment(self, 1));
      } catch (WriteTimeoutException e) {
        out.println("TIMEOUT " + i);
        continue;
      }
      out.println("ACK " + i);
    }
    out.println("DONE");
    replica.close();
  }

  /**
   * Waits until the replica is connected to every configured peer, so that what a test measures
   * from the first write on is replication, not connection set-up. Returns at once without peers.
   */
  private static void awaitPeersConnected(Replica replica, Transport transport) {
    long deadline = System.nanoTime() + PEERS_DEADLINE.toNanos();
    while (!transport.peers().stream()
        .allMatch(
            peer -> {
              PeerStatus status = replica.peers().get(peer);
              return status != null && status.connected();
            })) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "not connected to every peer "
                + transport.peers()
                + " within "
                + PEERS_DEADLINE
                + ": "
                + replica.peers());
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
