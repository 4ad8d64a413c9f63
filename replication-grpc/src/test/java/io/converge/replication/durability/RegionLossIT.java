package io.converge.replication.durability;

import static io.converge.replication.durability.RegionProcess.ACKED;
import static io.converge.replication.durability.RegionProcess.COUNT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.clocks.ReplicaId;
import io.converge.replication.Consistency;
import io.converge.replication.PeerStatus;
import io.converge.replication.Replica;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.transport.GrpcTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.io.TempDir;

/**
 * Losing a whole region: three durable regions r1, r2, r3 over plaintext gRPC on loopback; r1, a
 * child JVM ({@link RegionProcess}), writes {@code w1, w2, ...} with a given consistency, is killed
 * with SIGKILL, and its data directory is deleted. r2 and r3 run in this JVM and survive.
 *
 * <p>With {@code QUORUM} writes no acknowledged write is lost: each was committed to the disk of r2
 * or r3 before r1 acknowledged it, so the survivors hold it, exchange it by anti-entropy, and give
 * it back to an r1 rebuilt from an empty data directory. With {@code LOCAL} writes the test
 * measures the loss (the recovery point objective): how many acknowledged writes neither survivor
 * holds, how long before the kill the oldest of them was acknowledged, and the replication lag the
 * survivors saw at the kill; once without and once with an injected one-way delay of r1's outbound
 * messages ({@link DelayedTransport}). The figures go to the test report and to {@code
 * target/rpo-report.txt}, one line per scenario.
 */
final class RegionLossIT {

  private static final int WRITES = 100_000;
  private static final int ACKS_BEFORE_KILL = 300;
  private static final Duration CHILD_DEADLINE = Duration.ofSeconds(60);
  private static final Duration CONVERGE = Duration.ofSeconds(30);
  private static final Duration ANTI_ENTROPY = Duration.ofMillis(300);
  private static final Duration RESEND = Duration.ofMillis(100);
  // Far above a loopback round trip plus an fsync, even on a loaded machine: a timeout is not a
  // loss (no ACK is printed for it), it would only make the run less interesting.
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
  private static final ReplicaId R1 = ReplicaId.of("r1");

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
  void quorumWrites_regionLost_noAcknowledgedWriteLost_andRebuiltRegionCatchesUp(
      @TempDir Path dir, TestReporter reporter) throws IOException {
    Loss loss = loseRegion(dir, Consistency.QUORUM, Duration.ZERO, reporter);

    assertEquals(
        List.of(),
        loss.lostImmediately,
        () -> "QUORUM-acknowledged writes held by neither survivor right after the kill: " + loss);
    assertEquals(List.of(), loss.lost, () -> "QUORUM-acknowledged writes lost: " + loss);
    long acked = loss.acks.size();
    assertTrue(loss.count >= acked, () -> "count below the acknowledged writes: " + loss);

    // r1 rebuilt from an empty data directory, under the same id: the survivors give it back
    // everything. In this JVM: its old data directory is gone, nothing of the child is reused. It
    // only catches up here; a rebuilt region that writes takes a new id (see the README).
    GrpcTransport t1 =
        plaintext()
            .peer("r2", "127.0.0.1:" + loss.r2Port)
            .peer("r3", "127.0.0.1:" + loss.r3Port)
            .build();
    Replica r1 = durable("r1", dir.resolve("r1-rebuilt"), t1).start();
    closeables.add(r1);
    await(
        () -> "the rebuilt r1 has not caught up: " + describe(r1, loss.acks.keySet()),
        () -> missing(r1, loss.acks.keySet()).isEmpty() && r1.get(COUNT).value() >= acked);
    reporter.publishEntry("rebuilt r1", describe(r1, loss.acks.keySet()));
  }

  @Test
  void allWrites_regionLost_noAcknowledgedWriteLost_bothSurvivorsHoldEach(
      @TempDir Path dir, TestReporter reporter) throws IOException {
    Loss loss = loseRegion(dir, Consistency.ALL, Duration.ZERO, reporter);
    assertEquals(List.of(), loss.lostImmediately, () -> "ALL-acknowledged writes lost: " + loss);
    assertEquals(List.of(), loss.lost, () -> "ALL-acknowledged writes lost: " + loss);
    assertTrue(loss.count >= loss.acks.size(), () -> "count below the acknowledged: " + loss);
    assertTrue(
        loss.heldR2 >= loss.ackedAtKill && loss.heldR3 >= loss.ackedAtKill,
        () -> "an ALL write returned before both survivors held it: " + loss);
  }

  @Test
  void localWrites_regionLost_lossMeasured(@TempDir Path dir, TestReporter reporter)
      throws IOException {
    assertLocalLoss(loseRegion(dir, Consistency.LOCAL, Duration.ZERO, reporter));
  }

  @Test
  void localWrites_50msReplicationDelay_regionLost_lossMeasured(
      @TempDir Path dir, TestReporter reporter) throws IOException {
    assertLocalLoss(loseRegion(dir, Consistency.LOCAL, Duration.ofMillis(50), reporter));
  }

  /**
   * What may be asserted of LOCAL writes: nothing about how many are lost, but r1's deltas reach a
   * peer in the order r1 made them (a peer applies only the next sequence number, and a full state
   * holds every write made before it), so each survivor holds a prefix of r1's writes and the lost
   * ones are the last acknowledged: w(j)..w(k).
   */
  private static void assertLocalLoss(Loss loss) {
    long k = loss.acks.size();
    assertTrue(loss.lost.size() <= k, loss::toString);
    if (!loss.lost.isEmpty()) {
      long first = loss.lost.get(0);
      List<Long> suffix = new ArrayList<>();
      for (long i = first; i <= k; i++) {
        suffix.add(i);
      }
      assertEquals(suffix, loss.lost, () -> "lost writes are not the last ones: " + loss);
    }
  }

  /**
   * Starts r3, r2 and the writing r1, kills r1 after {@value #ACKS_BEFORE_KILL} acknowledged
   * writes, deletes its data directory, waits until r2 and r3 no longer hear r1 and agree, and
   * reports what they lost.
   */
  private Loss loseRegion(Path dir, Consistency consistency, Duration delay, TestReporter reporter)
      throws IOException {
    GrpcTransport t3 = plaintext().acceptFrom("r1").acceptFrom("r2").build();
    Replica r3 = durable("r3", dir.resolve("r3"), t3).start();
    closeables.add(r3);
    GrpcTransport t2 = plaintext().acceptFrom("r1").peer("r3", "127.0.0.1:" + t3.port()).build();
    Replica r2 = durable("r2", dir.resolve("r2"), t2).start();
    closeables.add(r2);

    Path r1Data = dir.resolve("r1");
    String peers = "r2=127.0.0.1:" + t2.port() + ",r3=127.0.0.1:" + t3.port();
    ChildJvm writer =
        start(
            "r1-writer",
            dir,
            List.of(
                "-D" + RegionProcess.CONSISTENCY + "=" + consistency,
                "-D" + RegionProcess.WRITE_TIMEOUT_MILLIS + "=" + WRITE_TIMEOUT.toMillis(),
                "-D" + RegionProcess.OUTBOUND_DELAY_MILLIS + "=" + delay.toMillis()),
            "r1",
            "0",
            r1Data.toString(),
            peers,
            "" + WRITES);
    long deadline = System.nanoTime() + CHILD_DEADLINE.toNanos();
    ChildJvm.Line ready = writer.next(deadline, "READY <port>");
    assertTrue(
        ready.text().startsWith("READY "),
        () -> "expected READY, got " + ready.text() + writer.stderrTail());

    // i -> when this JVM read "ACK i" (System.nanoTime()).
    Map<Long, Long> acks = new LinkedHashMap<>();
    List<Long> timeouts = new ArrayList<>();
    while (acks.size() < ACKS_BEFORE_KILL) {
      parse(writer, writer.next(deadline, "ACK " + (acks.size() + 1)), acks, timeouts);
    }
    // The survivors' view just before the kill.
    long lagR2 = lagOfR1(r2);
    long lagR3 = lagOfR1(r3);
    int heldR2 = r2.get(ACKED).elements().size();
    int heldR3 = r3.get(ACKED).elements().size();
    int ackedAtKill = acks.size();
    long killedAt = System.nanoTime();
    writer.kill();
    // Lines the child wrote before it died are acknowledgements too: read them to the end.
    for (ChildJvm.Line line; !(line = writer.nextOrEof(deadline, "end of output")).isEof(); ) {
      parse(writer, line, acks, timeouts);
    }
    assertFalse(
        acks.containsKey((long) WRITES), "the writer finished before it was killed: not a crash");
    deleteRecursively(r1Data);
    assertFalse(Files.exists(r1Data), "r1's data directory is still there");

    Set<Long> acked = acks.keySet();
    List<Long> lostImmediately = lostBy(r2, r3, acked);
    // Once neither survivor is connected to r1 no more of its writes can arrive; then wait for
    // the survivors to agree (anti-entropy), so that "lost" is final.
    await(
        () -> "r2 and r3 still connected to the dead r1: " + r2.peers() + " " + r3.peers(),
        () -> !connectedToR1(r2) && !connectedToR1(r3));
    await(
        () ->
            "r2 and r3 do not converge: "
                + describe(r2, acked)
                + "; "
                + describe(r3, acked)
                + " (r2 count "
                + r2.get(COUNT).value()
                + ", r3 count "
                + r3.get(COUNT).value()
                + ")",
        () ->
            r2.get(ACKED).equals(r3.get(ACKED)) && r2.get(COUNT).value() == r3.get(COUNT).value());
    List<Long> lost = lostBy(r2, r3, acked);
    long rpoWindowMillis =
        lost.isEmpty()
            ? 0
            : Math.max(0, TimeUnit.NANOSECONDS.toMillis(killedAt - acks.get(lost.get(0))));

    Loss loss =
        new Loss(
            consistency,
            delay,
            acks,
            timeouts,
            lostImmediately,
            lost,
            rpoWindowMillis,
            lagR2,
            lagR3,
            ackedAtKill,
            heldR2,
            heldR3,
            r2.get(COUNT).value(),
            t2.port(),
            t3.port());
    reporter.publishEntry(consistency + " writes, " + delay.toMillis() + " ms delay", loss.line());
    appendToReport(loss.line());
    return loss;
  }

  /** Parses {@code ACK i} or {@code TIMEOUT i}; numbers must increase. */
  private static void parse(
      ChildJvm child, ChildJvm.Line line, Map<Long, Long> acks, List<Long> timeouts) {
    String[] parts = line.text().split(" ");
    if (parts.length == 1 && parts[0].equals("DONE")) {
      return;
    }
    if (parts.length != 2 || !(parts[0].equals("ACK") || parts[0].equals("TIMEOUT"))) {
      fail("unexpected line from " + child.name() + ": " + line.text() + child.stderrTail());
    }
    long i = Long.parseLong(parts[1]);
    long last = acks.size() + timeouts.size(); // numbered from 1, each number once
    assertEquals(last + 1, i, () -> "lines out of order: " + line.text() + child.stderrTail());
    if (parts[0].equals("ACK")) {
      acks.put(i, line.readAt());
    } else {
      timeouts.add(i);
    }
  }

  private static long lagOfR1(Replica survivor) {
    PeerStatus status = survivor.peers().get(R1);
    return status == null ? -1 : status.lagMillis();
  }

  private static boolean connectedToR1(Replica survivor) {
    PeerStatus status = survivor.peers().get(R1);
    return status != null && status.connected();
  }

  /** The acknowledged writes, ascending, that neither survivor holds. */
  private static List<Long> lostBy(Replica r2, Replica r3, Set<Long> acked) {
    Set<String> held2 = r2.get(ACKED).elements();
    Set<String> held3 = r3.get(ACKED).elements();
    List<Long> lost = new ArrayList<>();
    for (long i : acked) {
      if (!held2.contains("w" + i) && !held3.contains("w" + i)) {
        lost.add(i);
      }
    }
    lost.sort(Comparator.naturalOrder());
    return lost;
  }

  /** The acknowledged writes, ascending, that {@code r} does not hold. */
  private static List<Long> missing(Replica r, Set<Long> acked) {
    Set<String> elements = r.get(ACKED).elements();
    List<Long> missing = new ArrayList<>();
    for (long i : acked) {
      if (!elements.contains("w" + i)) {
        missing.add(i);
      }
    }
    missing.sort(Comparator.naturalOrder());
    return missing;
  }

  private static String describe(Replica r, Set<Long> acked) {
    List<Long> missing = missing(r, acked);
    return r.self()
        + " count="
        + r.get(COUNT).value()
        + " acked.size="
        + r.get(ACKED).elements().size()
        + " missing "
        + missing.size()
        + " of "
        + acked.size()
        + " acknowledged"
        + (missing.isEmpty() ? "" : ", first " + missing.subList(0, Math.min(20, missing.size())));
  }

  private static void appendToReport(String line) throws IOException {
    Path report = Path.of(System.getProperty("basedir", "."), "target", "rpo-report.txt");
    Files.createDirectories(report.getParent());
    Files.writeString(
        report,
        Instant.now() + " " + line + System.lineSeparator(),
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path path : paths) {
      Files.delete(path);
    }
  }

  private static GrpcTransport.Builder plaintext() {
    return GrpcTransport.builder()
        .listen("127.0.0.1", 0)
        .plaintext()
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
  }

  /** An in-process durable replica; it writes nothing itself, so it closes at once. */
  private static Replica.Builder durable(String id, Path data, GrpcTransport transport) {
    return Replica.builder()
        .replicaId(id)
        .transport(transport)
        .dataDirectory(data)
        .fsyncPolicy(FsyncPolicy.always())
        .key(ACKED)
        .key(COUNT)
        .resendInterval(RESEND)
        .antiEntropyInterval(ANTI_ENTROPY)
        .drainTimeout(Duration.ZERO);
  }

  /** Polls {@code condition} until true; fails after {@link #CONVERGE}. */
  private static void await(Supplier<String> what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + CONVERGE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        fail("timed out after " + CONVERGE + ": " + what.get());
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  /** Starts a {@link RegionProcess} with {@code properties}; {@link #tearDown()} kills it. */
  private ChildJvm start(String name, Path dir, List<String> properties, String... args)
      throws IOException {
    List<String> options = new ArrayList<>(ChildJvm.SHORT_LIVED);
    options.add("-D" + RegionProcess.ANTI_ENTROPY_MILLIS + "=" + ANTI_ENTROPY.toMillis());
    options.addAll(properties);
    ChildJvm child = ChildJvm.start(name, dir, options, RegionProcess.class, List.of(args));
    children.add(child);
    return child;
  }

  /**
   * What a region loss cost: the acknowledged writes (i to when this JVM read {@code ACK i}), the
   * timed-out ones, the acknowledged writes neither survivor held right after the kill and once
   * they agreed, the RPO window, each survivor's replication lag from r1 and how many of r1's
   * writes it held just before the kill, the acknowledgements read then, the survivors' counter,
   * and their ports.
   */
  private record Loss(
      Consistency consistency,
      Duration delay,
      Map<Long, Long> acks,
      List<Long> timeouts,
      List<Long> lostImmediately,
      List<Long> lost,
      long rpoWindowMillis,
      long lagR2,
      long lagR3,
      int ackedAtKill,
      int heldR2,
      int heldR3,
      long count,
      int r2Port,
      int r3Port) {

    String line() {
      return "consistency="
          + consistency
          + " injectedDelayMs="
          + delay.toMillis()
          + " acknowledged="
          + acks.size()
          + " timeouts="
          + timeouts.size()
          + " lost="
          + lost.size()
          + (lost.isEmpty() ? "" : " (w" + lost.get(0) + "..w" + lost.get(lost.size() - 1) + ")")
          + " rpoWindowMs="
          + rpoWindowMillis
          + " lagAtKillMs(r2,r3)="
          + lagR2
          + ","
          + lagR3
          + " atKill: acksRead="
          + ackedAtKill
          + " heldBy(r2,r3)="
          + heldR2
          + ","
          + heldR3;
    }

    @Override
    public String toString() {
      return line() + " lostImmediately=" + lostImmediately + " lost=" + lost + " count=" + count;
    }
  }
}
