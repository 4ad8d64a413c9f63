package io.converge.replication.durability;

import static io.converge.replication.durability.RegionProcess.ACKED;
import static io.converge.replication.durability.RegionProcess.COUNT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.replication.Replica;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.StoreException;
import io.converge.replication.transport.GrpcTransport;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable replicas in real processes: a region killed with SIGKILL while it writes keeps every
 * write it acknowledged, and converges with a peer once restarted.
 *
 * <p>The writer has no peer, so nothing it writes leaves its process except through its data
 * directory: what the reopened replica holds was on disk when the process died.
 */
final class ReplicaCrashIT {

  private static final int WRITES = 100_000;
  private static final int ACKS_BEFORE_KILL = 500;
  private static final Duration CHILD_DEADLINE = Duration.ofSeconds(60);
  private static final Duration CONVERGE = Duration.ofSeconds(60);
  private static final Duration ANTI_ENTROPY = Duration.ofMillis(300);

  private final List<ChildJvm> children = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (ChildJvm child : children) {
      child.kill();
    }
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void killMinus9_duringWrites_everyAcknowledgedWriteRecovered_andReplicasConverge(
      @TempDir Path dir, TestReporter reporter) throws Exception {
    Path r1Data = dir.resolve("r1");

    ChildJvm writer = start("r1-writer", dir, "r1", "0", r1Data.toString(), "", "" + WRITES);
    long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
    readyPort(writer, deadline);
    long acked = 0;
    while (acked < ACKS_BEFORE_KILL) {
      acked = ack(writer, writer.next(deadline, "ACK " + (acked + 1)).text(), acked);
    }
    writer.kill();
    // Lines the child wrote before it died are acknowledgements too: read them to the end.
    for (ChildJvm.Line line; !(line = writer.nextOrEof(deadline, "end of output")).isEof(); ) {
      acked = ack(writer, line.text(), acked);
    }
    long k = acked;
    assertTrue(k < WRITES, "the writer finished before it was killed: not a crash, k=" + k);
    try (Replica r1 = durable("r1", r1Data, plaintext(0).build()).start()) {
      reporter.publishEntry("killed after ACK " + k, "recovered " + describe(r1, k));
      assertEveryAcknowledgedWrite(r1, k, "r1 reopened in-process after kill -9");
    }

    GrpcTransport t2 = plaintext(0).acceptFrom("r1").build();
    Replica r2 = durable("r2", dir.resolve("r2"), t2).start();
    closeables.add(r2);
    ChildJvm server =
        start("r1-server", dir, "r1", "0", r1Data.toString(), "r2=127.0.0.1:" + t2.port(), "serve");
    readyPort(server, System.nanoTime() + CHILD_DEADLINE.toNanos());
    await(
        server,
        () -> "r2 has not caught up with the restarted r1 (k=" + k + "): " + describe(r2, k),
        () -> missing(r2, k).isEmpty() && r2.get(COUNT).value() >= k);
  }

  @Test
  void dataDirectory_ofAnotherReplica_refusedClearly(@TempDir Path dir) {
    durable("r1", dir, plaintext(0).build()).start().close();

    GrpcTransport t9 = plaintext(0).build();
    closeables.add(t9);
    StoreException e =
        assertThrows(StoreException.class, () -> closeables.add(durable("r9", dir, t9).start()));
    assertEquals(StoreException.Reason.OTHER_REPLICA, e.reason(), e::getMessage);
    String message = e.getMessage();
    assertTrue(message.contains(dir.toString()), () -> "directory not named: " + message);
    assertTrue(message.contains("r1"), () -> "owner r1 not named: " + message);
    assertTrue(message.contains("r9"), () -> "opener r9 not named: " + message);
  }

  private static GrpcTransport.Builder plaintext(int port) {
    return GrpcTransport.builder()
        .listen("127.0.0.1", port)
        .plaintext()
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  /** An in-process durable replica; it has no writes of its own to drain, so it closes at once. */
  private static Replica.Builder durable(String id, Path data, GrpcTransport transport) {
    return Replica.builder()
        .replicaId(id)
        .transport(transport)
        .dataDirectory(data)
        .fsyncPolicy(FsyncPolicy.always())
        .key(ACKED)
        .key(COUNT)
        .resendInterval(Duration.ofMillis(100))
        .antiEntropyInterval(ANTI_ENTROPY)
        .drainTimeout(Duration.ZERO);
  }

  private static void assertEveryAcknowledgedWrite(Replica r, long k, String what) {
    assertTrue(
        missing(r, k).isEmpty(), () -> what + ": acknowledged writes lost: " + describe(r, k));
    assertTrue(
        r.get(COUNT).value() >= k,
        () -> what + ": count below the acknowledged writes: " + describe(r, k));
  }

  /** The acknowledged elements w1..wk that {@code r} does not hold. */
  private static List<String> missing(Replica r, long k) {
    Set<String> elements = r.get(ACKED).elements();
    List<String> missing = new ArrayList<>();
    for (long i = 1; i <= k; i++) {
      if (!elements.contains("w" + i)) {
        missing.add("w" + i);
      }
    }
    return missing;
  }

  private static String describe(Replica r, long k) {
    List<String> missing = missing(r, k);
    return r.self()
        + " count="
        + r.get(COUNT).value()
        + " acked.size="
        + r.get(ACKED).elements().size()
        + " missing "
        + missing.size()
        + " of w1..w"
        + k
        + (missing.isEmpty() ? "" : ", first " + missing.subList(0, Math.min(20, missing.size())));
  }

  /** Parses {@code ACK i}, which must follow {@code previous}. */
  private static long ack(ChildJvm child, String line, long previous) {
    if (line.equals("DONE")) {
      return previous;
    }
    assertEquals("ACK " + (previous + 1), line, () -> "acks out of order" + child.stderrTail());
    return previous + 1;
  }

  private static int readyPort(ChildJvm child, long deadline) {
    String line = child.next(deadline, "READY <port>").text();
    assertTrue(line.startsWith("READY "), () -> "expected READY, got " + line + child.stderrTail());
    return Integer.parseInt(line.substring("READY ".length()));
  }

  /** Polls {@code condition} until true; fails on the deadline or if the child died first. */
  private static void await(ChildJvm child, Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + CONVERGE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!child.isAlive()) {
        fail(child.name() + " exited while waiting: " + what.get() + child.stderrTail());
      }
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + CONVERGE + ": " + what.get() + child.stderrTail());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  /** Starts a {@link RegionProcess}; {@link #tearDown()} kills it. */
  private ChildJvm start(String name, Path dir, String... args) throws IOException {
    List<String> options = new ArrayList<>(ChildJvm.SHORT_LIVED);
    options.add("-D" + RegionProcess.ANTI_ENTROPY_MILLIS + "=" + ANTI_ENTROPY.toMillis());
    ChildJvm child = ChildJvm.start(name, dir, options, RegionProcess.class, List.of(args));
    children.add(child);
    return child;
  }
}
