package io.converge.replication.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.Key;
import io.converge.replication.Replica;
import io.converge.replication.Stats;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.codec.WireLimits;
import io.converge.replication.transport.GrpcTransport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keys of any size over real gRPC on loopback (plaintext): a 50 MiB OR-set reaches a replica that
 * starts empty through anti-entropy, in chunks paced by the receiver's acknowledgements, while the
 * link stays up and deltas of another key keep flowing; and a key over the receiver's limit is
 * refused for that key alone and reported, while every other key converges.
 *
 * <p>{@code us-east} holds the keys and listens; {@code eu-west} (the smaller id, so the dialler)
 * starts empty. Every wait is on a condition, with generous timeouts; nothing asserts on time.
 */
final class LargeKeyIT {

  private static final System.Logger LOG = System.getLogger(LargeKeyIT.class.getName());

  private static final Duration WAIT = Duration.ofMinutes(3);

  /** The OR-set codec with room for a 256 MiB state (a LOCAL write of it, then its full state). */
  private static final CrdtCodec<ORSet<String>> LARGE_SETS =
      CrdtCodec.orSet(ElementCodec.strings(), WireLimits.defaults().withMaxMessageBytes(256 << 20));

  private static final Key<ORSet<String>> BIG = Key.of("big", LARGE_SETS, ORSet.empty());
  private static final Key<ORSet<String>> MEDIUM = Key.of("medium", LARGE_SETS, ORSet.empty());
  private static final Key<GCounter> SMALL = Key.gCounter("small");

  private final List<AutoCloseable> closeables = new ArrayList<>();

  /** The transport of {@code us-east}, which {@code eu-west} dials. */
  private GrpcTransport listening;

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  @Test
  void fiftyMebibyteORSet_reachesReplicaThatStartsEmpty_linkUp_deltasFlowMeanwhile()
      throws Exception {
    Replica us = start("us-east", null, b -> b);
    us.update(BIG, s -> withElements(s, us, 52_000)); // LOCAL, larger than a message: no delta
    long encoded = LARGE_SETS.encode(us.get(BIG)).length;
    assertTrue(encoded >= 50L << 20, "the key is " + encoded + " bytes");

    MeterRegistry euMeters = new SimpleMeterRegistry();
    List<String> smallSeenWhileBigMissing = new CopyOnWriteArrayList<>();
    long started = System.nanoTime();
    Replica eu =
        start(
            "eu-west",
            listening,
            b -> b.meterRegistry(euMeters).maxKeyBytes(64 << 20)); // a limit the key is under
    eu.subscribe(
        SMALL,
        small -> {
          double received = bytesReceived(euMeters);
          if (received >= 4 << 20 && eu.get(BIG).elements().isEmpty()) {
            smallSeenWhileBigMissing.add(small.value() + " after " + (long) received + " bytes");
          }
        });
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              while (writing.get()) {
                long mine = us.update(SMALL, c -> c.increment(us.self(), 1)).value();
                // Paced by the link, not by time: the next write once this one arrived (or the
                // test is done).
                Await.until(
                    WAIT,
                    () -> "small " + mine + " never reached eu-west",
                    () -> !writing.get() || eu.get(SMALL).value() >= mine);
              }
            },
            "small-writer");
    writer.start();
    try {
      Await.until(
          WAIT,
          () -> "eu-west has " + eu.get(BIG).elements().size() + " elements; " + eu.stats(),
          () -> eu.get(BIG).elements().size() == 52_000);
    } finally {
      writing.set(false);
      writer.join();
    }
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertEquals(us.get(BIG), eu.get(BIG));
    assertTrue(
        !smallSeenWhileBigMissing.isEmpty(),
        "no delta of another key was applied while the large transfer was under way");
    Await.until(
        WAIT,
        () -> "small: us " + us.get(SMALL).value() + ", eu " + eu.get(SMALL).value(),
        () -> eu.get(SMALL).value() == us.get(SMALL).value());
    assertNothingRefused(us);
    assertNothingRefused(eu);
    assertTrue(eu.peers().get(us.self()).connected(), eu.peers()::toString);
    assertTrue(eu.stats().fullStatesReceived() >= 1, eu.stats()::toString);
    LOG.log(
        System.Logger.Level.INFO,
        () ->
            String.format(
                "LargeKeyIT: %d bytes reached eu-west in %d ms (from its start, with connecting and the"
                    + " first anti-entropy round); %d deltas of another key applied meanwhile, the first"
                    + " %s; heap peak %d MiB of %d MiB",
                encoded,
                tookMillis,
                smallSeenWhileBigMissing.size(),
                smallSeenWhileBigMissing.get(0),
                heapPeak() >> 20,
                Runtime.getRuntime().maxMemory() >> 20));
  }

  @Test
  void keyOverTheReceiversLimit_refusedForThatKeyAlone_reported_otherKeysConverge()
      throws Exception {
    Replica us = start("us-east", null, b -> b);
    us.update(BIG, s -> withElements(s, us, 12_000)); // ~12 MiB
    us.update(MEDIUM, s -> withElements(s, us, 5_000)); // ~5 MiB: anti-entropy, under the limit
    MeterRegistry euMeters = new SimpleMeterRegistry();
    Replica eu = start("eu-west", listening, b -> b.meterRegistry(euMeters).maxKeyBytes(8 << 20));
    Await.until(
        WAIT,
        () -> "eu-west " + eu.stats(),
        () -> eu.stats().fullStatesOversized() >= 1 && eu.get(MEDIUM).elements().size() == 5_000);
    us.update(SMALL, c -> c.increment(us.self(), 3));
    Await.until(WAIT, () -> "small at eu-west", () -> eu.get(SMALL).value() == 3);

    Stats stats = eu.stats();
    assertTrue(stats.oversizedKeys().contains("big"), stats::toString);
    assertTrue(eu.get(BIG).elements().isEmpty());
    assertEquals(1.0, oversizedMeter(euMeters), stats::toString);
    assertEquals(0, stats.rejected(Reason.MALFORMED), stats::toString);
    assertTrue(eu.peers().get(us.self()).connected(), eu.peers()::toString);
    assertEquals(1L, oversizedRefusals(us), us.stats()::toString);
    assertEquals(us.get(MEDIUM), eu.get(MEDIUM));

    // Rounds go on, and the refused version is not sent again.
    long rounds = us.stats().digestRounds();
    Await.until(
        WAIT,
        () -> "three more rounds, " + us.stats(),
        () -> us.stats().digestRounds() >= rounds + 3);
    assertEquals(1, eu.stats().fullStatesOversized(), eu.stats()::toString);
    assertEquals(1L, oversizedRefusals(us), us.stats()::toString);
  }

  /**
   * Starts {@code us-east}, listening ({@code dial} null), or {@code eu-west}, dialling {@code
   * dial}.
   */
  private Replica start(String name, GrpcTransport dial, UnaryOperator<Replica.Builder> configure) {
    GrpcTransport.Builder t = GrpcTransport.builder().listen("127.0.0.1", 0).plaintext();
    if (dial == null) {
      t.acceptFrom("eu-west");
    } else {
      t.peer("us-east", "127.0.0.1:" + dial.port())
          .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }
    GrpcTransport transport = t.build();
    if (dial == null) {
      listening = transport;
    }
    Replica replica =
        configure
            .apply(
                Replica.builder()
                    .replicaId(name)
                    .transport(transport)
                    .key(BIG)
                    .key(MEDIUM)
                    .key(SMALL)
                    .antiEntropyInterval(Duration.ofMillis(500))
                    .drainTimeout(Duration.ZERO))
            .start();
    closeables.add(replica);
    return replica;
  }

  /** Adds {@code n} distinct elements of 1 KiB each. */
  private static ORSet<String> withElements(ORSet<String> set, Replica replica, int n) {
    String padding = "x".repeat(1016);
    ORSet<String> s = set;
    for (int i = 0; i < n; i++) {
      s = s.add(replica.self(), String.format("%08d", i) + padding);
    }
    return s;
  }

  private static double bytesReceived(MeterRegistry registry) {
    Counter c = registry.find("converge.bytes.received").tag("peer", "us-east").counter();
    return c == null ? 0 : c.count();
  }

  private static long oversizedRefusals(Replica replica) {
    return replica.stats().rejectsReceived().get(Reason.OVERSIZED);
  }

  private static double oversizedMeter(MeterRegistry registry) {
    Counter c = registry.find("converge.fullstate.oversized").counter();
    return c == null ? 0 : c.count();
  }

  private static void assertNothingRefused(Replica replica) {
    Stats stats = replica.stats();
    for (Reason reason : Reason.values()) {
      assertEquals(0, stats.rejected(reason), () -> replica + " refused: " + stats);
      assertEquals(
          0L,
          stats.rejectsReceived().get(reason).longValue(),
          () -> replica + " was refused: " + stats);
    }
  }

  /** The sum of the heap pools' peak usages since the JVM started: an upper bound of the peak. */
  private static long heapPeak() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
