package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.crdt.GCounter;
import io.converge.replication.transport.InMemoryNetwork;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flow control under a backlog far beyond the in-flight window, on virtual time (nothing sleeps;
 * every count is exact for the seed). A writer faster than its peer's acknowledgements used to
 * collapse the link: once the window was full, each Ack (the receiver acknowledges every batch)
 * opened one slot and sent one delta in a batch of its own, which was acknowledged alone, so the
 * window stayed full of one-delta batches for good (the <i>silly window</i>); and once the bounded
 * log overflowed, every write sent the lagging peer another empty skip batch and no delta at all.
 * Over gRPC on two cores that made three replicas apply 1 000 updates/s of a 20 000/s load.
 */
final class EngineFlowControlTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");

  /** Updates written at once, before any Ack can arrive: sixteen windows. */
  private static final int BURST = 16 * PeerSession.WINDOW;

  /**
   * Messages that carry the first window of a burst: the first write's delta alone, then full
   * batches (a write made while a batch that is not full is in flight waits for its Ack).
   */
  private static final long FIRST_WINDOW_MESSAGES =
      1 + (PeerSession.WINDOW - 1) / PeerSession.MAX_DELTAS_PER_BATCH;

  /** The deltas those messages carry (the rest of the window waits, not full, for an Ack). */
  private static final long FIRST_WINDOW_DELTAS =
      1 + (FIRST_WINDOW_MESSAGES - 1) * PeerSession.MAX_DELTAS_PER_BATCH;

  private SimulatedCluster cluster;

  @BeforeEach
  void setUp() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(11)
                .delay(Duration.ofMillis(1), Duration.ofMillis(5))
                .build());
  }

  /** A replica whose anti-entropy stays quiet, so that every message it sends is counted here. */
  private Replica start(String name, int maxLogEntries) {
    return cluster.start(
        name,
        b ->
            b.key(VISITS)
                .maxLogEntries(maxLogEntries)
                .resendInterval(Duration.ofSeconds(10))
                .antiEntropyInterval(Duration.ofHours(1)));
  }

  /** Messages r1 sent r2: its handshake and its delta batches (r2 writes nothing, so no Acks). */
  private long messages(Replica from, Replica to) {
    return cluster.network.stats(from.self(), to.self()).sent();
  }

  private void burst(Replica writer, int updates) {
    for (int i = 0; i < updates; i++) {
      writer.update(VISITS, c -> c.increment(writer.self(), 1));
    }
  }

  @Test
  void batchLinger_writesOfTheLingerLeaveTogether_atItsEnd_notBefore() {
    Replica r1 =
        cluster.start(
            "r1",
            b ->
                b.key(VISITS)
                    .batchLinger(Duration.ofMillis(20))
                    .resendInterval(Duration.ofSeconds(10))
                    .antiEntropyInterval(Duration.ofHours(1)));
    Replica r2 = start("r2", Replica.Builder.DEFAULT_MAX_LOG_ENTRIES);
    cluster.advance(Duration.ofSeconds(1));
    long before = messages(r1, r2);

    burst(r1, 3); // an idle link: without a linger the first would leave at once
    cluster.advance(Duration.ofMillis(5));
    burst(r1, 2);
    cluster.advance(Duration.ofMillis(10)); // 15 ms into the linger
    assertEquals(0, messages(r1, r2) - before, "nothing leaves before the linger ends");
    assertEquals(0, r2.get(VISITS).value());

    cluster.advance(Duration.ofMillis(30)); // the linger ended at 20 ms; the network delays 1-5
    assertEquals(1, messages(r1, r2) - before, "the five writes in one batch");
    assertEquals(5, r2.get(VISITS).value());
    assertEquals(5, r2.stats().deltasReceived());
  }

  @Test
  void batchLinger_outOfRange_refusedNamingIt() {
    IllegalArgumentException negative =
        assertThrows(
            IllegalArgumentException.class,
            () -> Replica.builder().batchLinger(Duration.ofMillis(-1)));
    assertTrue(negative.getMessage().contains("PT-0.001S"), negative::getMessage);
    IllegalArgumentException tooLong =
        assertThrows(
            IllegalArgumentException.class,
            () -> Replica.builder().batchLinger(Duration.ofSeconds(2)));
    assertTrue(tooLong.getMessage().contains("PT2S"), tooLong::getMessage);
  }

  @Test
  void burstBeyondTheWindow_acksReleaseFullBatches_eachDeltaSentOnce() {
    Replica r1 = start("r1", Replica.Builder.DEFAULT_MAX_LOG_ENTRIES);
    Replica r2 = start("r2", Replica.Builder.DEFAULT_MAX_LOG_ENTRIES);
    cluster.advance(Duration.ofSeconds(1));
    long before = messages(r1, r2);

    burst(r1, BURST);
    // The first window went as the writes were made: the first delta alone, then (while that
    // batch is in flight) each batch once full; the rest waits.
    assertEquals(FIRST_WINDOW_MESSAGES, messages(r1, r2) - before);
    assertEquals(BURST, r1.peers().get(r2.self()).pendingDeltas());

    cluster.advance(Duration.ofSeconds(5)); // less than one resend interval: no resend can help
    assertEquals(BURST, r2.get(VISITS).value());
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
    assertEquals(BURST, r1.stats().deltasSent(), "every delta sent once");
    // After the first window, each Ack that sends sends at least MIN_WINDOW_OPENING deltas (in at
    // most two batches: MAX_DELTAS_PER_BATCH is at least MIN_WINDOW_OPENING), not one per Ack.
    long batches = messages(r1, r2) - before - FIRST_WINDOW_MESSAGES;
    long bound = 2L * (BURST - PeerSession.WINDOW) / PeerSession.MIN_WINDOW_OPENING;
    assertTrue(
        batches <= bound,
        () -> batches + " batches carried the " + (BURST - PeerSession.WINDOW) + " deltas");
  }

  @Test
  void burstBeyondTheLogBound_oneSkipOnceTheWindowIsAcked_notOnePerWrite() {
    int maxLog = 2 * PeerSession.WINDOW;
    Replica r1 = start("r1", maxLog);
    Replica r2 = start("r2", Replica.Builder.DEFAULT_MAX_LOG_ENTRIES);
    cluster.advance(Duration.ofSeconds(1));
    long before = messages(r1, r2);

    // The log keeps the last maxLog deltas: the first window, in flight, is dropped from it while
    // its Acks are still to come, and so are the deltas that waited behind it.
    burst(r1, BURST);
    assertEquals(FIRST_WINDOW_MESSAGES, messages(r1, r2) - before, "no skip while in flight");

    cluster.advance(Duration.ofSeconds(5));
    // One skip to the oldest delta held, then the deltas the log held, in full batches (a
    // G-counter delta carries the writer's whole count, so r2 has every increment all the same).
    assertEquals(0, r1.peers().get(r2.self()).pendingDeltas());
    assertEquals(BURST, r2.get(VISITS).value());
    assertEquals(
        FIRST_WINDOW_DELTAS + maxLog,
        r2.stats().deltasReceived(),
        "the first window's full batches and the deltas the log still held");
    assertEquals(FIRST_WINDOW_DELTAS + maxLog, r1.stats().deltasSent(), "each sent once");
    long skipsAndBatches = messages(r1, r2) - before - FIRST_WINDOW_MESSAGES;
    long bound = 1 + 2L * maxLog / PeerSession.MIN_WINDOW_OPENING;
    assertTrue(
        skipsAndBatches <= bound,
        () -> skipsAndBatches + " messages after the first window carried " + maxLog + " deltas");
  }

  @Test
  void writesMadeWhileABatchIsInFlight_leaveTogetherOnItsAck_aWriteOnAnIdleLinkLeavesAtOnce() {
    Replica r1 = start("r1", Replica.Builder.DEFAULT_MAX_LOG_ENTRIES);
    Replica r2 = start("r2", Replica.Builder.DEFAULT_MAX_LOG_ENTRIES);
    cluster.advance(Duration.ofSeconds(1));
    long before = messages(r1, r2);

    burst(r1, 10);
    assertEquals(1, messages(r1, r2) - before, "the first write leaves at once, the rest wait");
    assertEquals(10, r1.peers().get(r2.self()).pendingDeltas());

    cluster.advance(Duration.ofSeconds(1)); // less than a resend interval: only Acks send
    assertEquals(2, messages(r1, r2) - before, "the nine others in one batch, on the first's Ack");
    assertEquals(10, r2.get(VISITS).value());
    assertEquals(10, r1.stats().deltasSent(), "each sent once");

    burst(r1, 1);
    assertEquals(3, messages(r1, r2) - before, "nothing in flight: a write leaves at once");
    cluster.advance(Duration.ofSeconds(1));
    assertEquals(11, r2.get(VISITS).value());
  }
}
