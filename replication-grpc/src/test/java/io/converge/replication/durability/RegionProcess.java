package io.converge.replication.durability;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.Key;
import io.converge.replication.Replica;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.transport.GrpcTransport;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child process of {@link ReplicaCrashIT}: one durable region replica over plaintext gRPC on
 * loopback.
 *
 * <p>Arguments: the replica id, the listen port (0: the system chooses), the data directory, the
 * peers as a comma-separated list of {@code id=host:port} (empty for none), then either a key count
 * {@code N} or {@code serve}. The system property {@value #ANTI_ENTROPY_MILLIS} sets the
 * anti-entropy interval in milliseconds.
 *
 * <p>Prints {@code READY <port>} once started. With {@code N}, writes {@code "w" + i} to the OR-set
 * {@code acked} and increments the counter {@code count}, for i = 1..N, printing {@code ACK i}
 * after both updates returned (so every printed number is an acknowledged write), then {@code
 * DONE}. With {@code serve}, replicates until its standard input ends, then closes. In both modes
 * the end of standard input (the parent died) stops the process.
 */
final class RegionProcess {

  /** The system property of the anti-entropy interval, in milliseconds. */
  static final String ANTI_ENTROPY_MILLIS = "converge.test.antiEntropyMillis";

  static final Key<ORSet<String>> ACKED = Key.orSet("acked", ElementCodec.strings());
  static final Key<GCounter> COUNT = Key.gCounter("count");

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
      t.printStackTrace();
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

    // Standard output is the channel to the parent (IPC), not logging: "READY <port>", then one
    // "ACK i" per acknowledged write. Flushed per line so the parent sees an acknowledgement as
    // soon as it is made: a line still in a buffer when SIGKILL comes would hide an acknowledged
    // write from the check.
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    Replica replica =
        Replica.builder()
            .replicaId(id)
            .transport(built)
            .dataDirectory(data)
            // The default; named because the test's claim (acknowledged = on disk) depends on it.
            .fsyncPolicy(FsyncPolicy.always())
            .key(ACKED)
            .key(COUNT)
            .resendInterval(Duration.ofMillis(100))
            .antiEntropyInterval(antiEntropy)
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
    for (int i = 1; i <= n; i++) {
      String element = "w" + i;
      replica.update(ACKED, s -> s.add(self, element));
      replica.update(COUNT, c -> c.increment(self, 1));
      out.println("ACK " + i);
    }
    out.println("DONE");
    replica.close();
  }
}
