package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.KeyedDelta;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The delta link's state machine, driven by hand: no engine, no transport, no clock. */
final class PeerSessionTest {

  private static final long MS = 1_000_000L;
  private static final long INTERVAL = 500 * MS;
  private static final int BUDGET = 2 * 1024 * 1024;

  private final OutboundLog log = new OutboundLog();
  private final PeerSession peer = new PeerSession(ReplicaId.of("b"));
  private long next = 1;

  private void write(int count) {
    for (int i = 0; i < count; i++) {
      log.addLast(
          next++,
          KeyedDelta.newBuilder()
              .setKey("k" + i)
              .setType("GCounter")
              .setPayload(ByteString.copyFrom(new byte[10]))
              .build());
    }
  }

  private List<DeltaBatch> send(long now) {
    return peer.nextBatches(log, next, BUDGET, PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT, now);
  }

  private static List<Long> firstSequences(List<DeltaBatch> batches) {
    return batches.stream().map(DeltaBatch::getFirstSequence).toList();
  }

  @Test
  void idleLinkSendsAtOnce_busyLinkGathersWritesUntilTheAck() {
    write(1);
    assertEquals(List.of(1L), firstSequences(send(0)));
    write(5);
    assertTrue(send(MS).isEmpty(), "a batch that is not full waits while one is in flight");
    assertEquals(1, peer.batchesInFlight());

    peer.acknowledged(1, 2 * MS);
    List<DeltaBatch> batches = send(2 * MS);
    assertEquals(1, batches.size());
    assertEquals(2, batches.get(0).getFirstSequence());
    assertEquals(5, batches.get(0).getDeltasCount(), "the five writes in one batch");
    assertEquals(2 * MS, peer.smoothedRoundTrip, "round trip of the first batch");
  }

  @Test
  void lingerHoldsAPartialBatch_evenOnAnIdleLink_butNotAFullOne() {
    write(3);
    List<DeltaBatch> held =
        peer.nextBatches(log, next, BUDGET, PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT, 0, false);
    assertTrue(held.isEmpty(), "a partial batch waits while a linger holds it");
    assertEquals(0, peer.sent);

    write(PeerSession.MAX_DELTAS_PER_BATCH);
    List<DeltaBatch> full =
        peer.nextBatches(log, next, BUDGET, PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT, MS, false);
    assertEquals(List.of(1L), firstSequences(full), "a full batch goes whatever the linger");
    assertEquals(PeerSession.MAX_DELTAS_PER_BATCH, full.get(0).getDeltasCount());

    // The linger ends while the full batch is in flight: the three left over wait for its Ack,
    // as without a linger, and then leave together.
    assertTrue(
        peer.nextBatches(log, next, BUDGET, PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT, MS, true)
            .isEmpty());
    peer.acknowledged(PeerSession.MAX_DELTAS_PER_BATCH, 2 * MS);
    List<DeltaBatch> rest =
        peer.nextBatches(
            log, next, BUDGET, PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT, 2 * MS, true);
    assertEquals(List.of((long) PeerSession.MAX_DELTAS_PER_BATCH + 1), firstSequences(rest));
    assertEquals(3, rest.get(0).getDeltasCount());
  }

  @Test
  void fullBatchesGoWhateverIsInFlight_theWindowBoundsThem() {
    write(1);
    send(0);
    write(PeerSession.WINDOW + 100);
    List<DeltaBatch> batches = send(MS);
    // Up to WINDOW in flight: deltas 2..1024 are 1023, three full batches of 256; the 255 after
    // them are not a full batch, and wait.
    assertEquals(List.of(2L, 258L, 514L), firstSequences(batches));
    batches.forEach(b -> assertEquals(PeerSession.MAX_DELTAS_PER_BATCH, b.getDeltasCount()));
    assertEquals(769, peer.sent);
  }

  @Test
  void aTrimmedLogSendsOneSkip_onceNothingIsInFlight() {
    write(3);
    send(0);
    write(10);
    log.trim(0, 5); // the log now holds 9..13: 1..3 were sent, 4..8 dropped before being sent
    assertTrue(send(MS).isEmpty(), "deltas in flight: no skip yet");
    peer.acknowledged(3, 2 * MS);
    List<DeltaBatch> batches = send(2 * MS);
    assertEquals(List.of(9L, 9L), firstSequences(batches));
    assertEquals(0, batches.get(0).getDeltasCount(), "the skip");
    assertEquals(5, batches.get(1).getDeltasCount(), "then what the log holds");
    assertFalse(peer.holds(5), "skipped, never applied");
  }

  @Test
  void aRefusedSendIsSentAgain() {
    write(2);
    assertEquals(List.of(1L), firstSequences(send(0)));
    peer.sendRefused(1);
    assertEquals(0, peer.batchesInFlight());
    List<DeltaBatch> again = send(MS);
    assertEquals(List.of(1L), firstSequences(again));
    assertEquals(2, again.get(0).getDeltasCount());
  }

  /** Deltas in flight and no Ack: a tick that goes back to the first unacknowledged, or not. */
  private int ticksUntilResend() {
    for (int tick = 1; tick <= 64; tick++) {
      if (peer.resendTick(INTERVAL)) {
        send(0);
        return tick;
      }
    }
    throw new AssertionError("no resend in 64 ticks");
  }

  @Test
  void withoutRoundTripSamples_theStallWaitDoublesUpTo16Intervals() {
    write(1);
    send(0);
    assertEquals(1, ticksUntilResend());
    assertEquals(2, ticksUntilResend());
    assertEquals(4, ticksUntilResend());
    assertEquals(8, ticksUntilResend());
    assertEquals(16, ticksUntilResend());
    assertEquals(16, ticksUntilResend());
  }

  @Test
  void aMeasuredRoundTripCapsTheStallWait_aLostLinkIsRetriedEachInterval() {
    write(1);
    send(0);
    peer.acknowledged(1, 20 * MS); // a 20 ms round trip: four of them fit in one interval
    write(1);
    send(21 * MS);
    assertFalse(peer.resendTick(INTERVAL), "the Ack since the last tick is progress");
    for (int i = 0; i < 6; i++) {
      assertEquals(1, ticksUntilResend(), "resend " + i + " (was 1, 2, 4, 8, 16, 16 intervals)");
    }
  }

  @Test
  void aLongRoundTrip_isWaitedFor() {
    write(1);
    send(0);
    peer.acknowledged(1, 1_000 * MS); // one second: four round trips are eight intervals
    write(1);
    send(1_000 * MS);
    assertFalse(peer.resendTick(INTERVAL), "the Ack since the last tick is progress");
    assertEquals(1, ticksUntilResend());
    assertEquals(2, ticksUntilResend());
    assertEquals(4, ticksUntilResend());
    assertEquals(8, ticksUntilResend());
    assertEquals(8, ticksUntilResend(), "capped at four round trips, not doubled to 16");
  }

  @Test
  void anAckSinceTheLastTick_isProgress_notAStall() {
    write(1);
    send(0);
    peer.acknowledged(1, MS);
    write(1);
    send(MS);
    assertFalse(peer.resendTick(INTERVAL), "acknowledged since the last tick: no stall");
    assertTrue(peer.resendTick(INTERVAL), "nothing since: the batch in flight was lost");
    assertEquals(1, peer.sent, "back to the first unacknowledged");
  }
}
