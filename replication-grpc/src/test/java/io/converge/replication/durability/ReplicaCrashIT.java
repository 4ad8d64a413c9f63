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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
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
  private static final String EOF = "\u0000eof";

  private final List<Child> children = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Child child : children) {
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

    Child writer = start("r1-writer", dir, "r1", "0", r1Data.toString(), "", "" + WRITES);
    long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
    readyPort(writer, deadline);
    long acked = 0;
    while (acked < ACKS_BEFORE_KILL) {
      acked = ack(writer, writer.next(deadline, "ACK " + (acked + 1)), acked);
    }
    writer.kill();
    // Lines the child wrote before it died are acknowledgements too: read them to the end.
    for (String line; !(line = writer.nextOrEof(deadline, "end of output")).equals(EOF); ) {
      acked = ack(writer, line, acked);
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
    Child server =
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
  private static long ack(Child child, String line, long previous) {
    if (line.equals("DONE")) {
      return previous;
    }
    assertEquals("ACK " + (previous + 1), line, () -> "acks out of order" + child.stderrTail());
    return previous + 1;
  }

  private static int readyPort(Child child, long deadline) {
    String line = child.next(deadline, "READY <port>");
    assertTrue(line.startsWith("READY "), () -> "expected READY, got " + line + child.stderrTail());
    return Integer.parseInt(line.substring("READY ".length()));
  }

  /** Polls {@code condition} until true; fails on the deadline or if the child died first. */
  private static void await(Child child, Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + CONVERGE.toNanos();
    while (!condition.getAsBoolean()) {
      if (!child.process.isAlive()) {
        fail(child.name + " exited while waiting: " + what.get() + child.stderrTail());
      }
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + CONVERGE + ": " + what.get() + child.stderrTail());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  private Child start(String name, Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // A short-lived child on a loaded two-core machine: start fast, spend no core on C2 or G1.
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-XX:+UseSerialGC");
    command.add("-D" + RegionProcess.ANTI_ENTROPY_MILLIS + "=" + ANTI_ENTROPY.toMillis());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(RegionProcess.class.getName());
    command.addAll(List.of(args));
    Path stderr = dir.resolve(name + ".stderr.txt");
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    Child child = new Child(name, process, stderr);
    children.add(child);
    return child;
  }

  /** A child JVM, its standard output as lines read on a daemon thread, its stderr in a file. */
  private static final class Child {
    final String name;
    final Process process;
    final Path stderr;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    Child(String name, Process process, Path stderr) {
      this.name = name;
      this.process = process;
      this.stderr = stderr;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the child was killed while we read: end of stream
                } finally {
                  lines.add(EOF);
                }
              },
              name + "-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    /** The next line; fails at the deadline or at the end of the output. */
    String next(long deadline, String waitingFor) {
      String line = nextOrEof(deadline, waitingFor);
      if (line.equals(EOF)) {
        fail(name + " exited while waiting for " + waitingFor + stderrTail());
      }
      return line;
    }

    /** The next line, or {@link #EOF} at the end of the output; fails at the deadline. */
    String nextOrEof(long deadline, String waitingFor) {
      String line;
      try {
        line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + waitingFor, e);
      }
      if (line == null) {
        fail(
            "no "
                + waitingFor
                + " from "
                + name
                + " before the deadline, alive="
                + process.isAlive()
                + stderrTail());
      }
      return line;
    }

    /** SIGKILL on Linux, then waits for the process to be gone. */
    void kill() {
      process.destroyForcibly();
      try {
        assertTrue(
            process.waitFor(30, TimeUnit.SECONDS), () -> name + " did not die" + stderrTail());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + name + " to die", e);
      }
    }

    /** The last 4000 characters of the child's standard error, for failure messages. */
    String stderrTail() {
      try {
        String all =
            Files.exists(stderr)
                ? new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8)
                : "";
        String tail = all.length() > 4000 ? "..." + all.substring(all.length() - 4000) : all;
        return "\n--- " + name + " stderr (" + stderr + ") ---\n" + tail;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
