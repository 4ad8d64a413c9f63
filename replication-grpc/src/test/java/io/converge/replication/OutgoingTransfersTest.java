package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.FullStateChunk;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sender's side of full-state streaming: one transfer, and a peer's transfers on a budget. */
final class OutgoingTransfersTest {

  private static final int CHUNK = 100;
  private static final long COST = CHUNK + OutgoingTransfer.CHUNK_OVERHEAD;

  private long lastId;

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  private OutgoingTransfer transfer(String key, int size) {
    OutgoingTransfer t =
        new OutgoingTransfer(key, "GCounter", ++lastId, new Object(), new byte[] {1}, CHUNK);
    t.encoded(bytes(size));
    return t;
  }

  // --- one transfer ---------------------------------------------------------------------------

  @Test
  void sendNext_chunksCoverTheStateInOrder_withCountAndTotal() {
    OutgoingTransfer t = transfer("k", 250);
    assertEquals(3, t.count());
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    for (int i = 0; i < 3; i++) {
      FullStateChunk c = t.sendNext();
      assertEquals(i, c.getChunkIndex());
      assertEquals(3, c.getChunkCount());
      assertEquals(250, c.getTotalBytes());
      assertEquals(t.id, c.getTransfer());
      joined.writeBytes(c.getPayload().toByteArray());
    }
    assertArrayEquals(bytes(250), joined.toByteArray());
    assertFalse(t.hasUnsent());
    assertThrows(IllegalStateException.class, t::sendNext);
  }

  @Test
  void encoded_emptyState_oneEmptyChunk() {
    OutgoingTransfer t = transfer("k", 0);
    assertEquals(1, t.count());
    FullStateChunk c = t.sendNext();
    assertEquals(0, c.getPayload().size());
    assertEquals(0, c.getTotalBytes());
    assertEquals(OutgoingTransfer.CHUNK_OVERHEAD, t.inFlight(), "an empty chunk still costs");
  }

  @Test
  void encoded_moreChunksThanAllowed_oversized() {
    OutgoingTransfer t = new OutgoingTransfer("k", "GCounter", 1, new Object(), null, 1);
    WireException e =
        assertThrows(
            WireException.class, () -> t.encoded(new byte[OutgoingTransfer.MAX_CHUNKS + 1]));
    assertEquals(WireException.Reason.OVERSIZED, e.reason());
    assertFalse(t.encoded());
  }

  @Test
  void acknowledge_beyondCount_malformed_nothingChanged() {
    OutgoingTransfer t = transfer("k", 250);
    t.sendNext();
    WireException e = assertThrows(WireException.class, () -> t.acknowledge(4));
    assertEquals(WireException.Reason.MALFORMED, e.reason());
    assertThrows(WireException.class, () -> t.acknowledge(-1));
    assertThrows(WireException.class, () -> t.acknowledge(1L << 32));
    assertEquals(0, t.acked());
    assertEquals(1, t.next());
  }

  @Test
  void acknowledge_beforeEncoded_malformed() {
    OutgoingTransfer t = new OutgoingTransfer("k", "GCounter", 1, new Object(), null, CHUNK);
    assertThrows(WireException.class, () -> t.acknowledge(0));
  }

  @Test
  void acknowledge_olderOrRepeated_changesNothing() {
    OutgoingTransfer t = transfer("k", 250);
    t.sendNext();
    t.sendNext();
    assertTrue(t.acknowledge(2));
    assertFalse(t.acknowledge(1));
    assertFalse(t.acknowledge(2));
    assertEquals(2, t.acked());
    assertEquals(0, t.inFlight());
  }

  @Test
  void acknowledge_ofChunksNotSentYet_skipsThem() {
    // A rewound chunk the peer had in fact received: its ack covers what is to be sent again.
    OutgoingTransfer t = transfer("k", 250);
    t.sendNext();
    t.sendNext();
    t.rewind(0);
    assertEquals(0, t.next());
    assertTrue(t.acknowledge(2));
    assertEquals(2, t.next());
  }

  @Test
  void rewind_neverBelowAcknowledged_neverForward() {
    OutgoingTransfer t = transfer("k", 500);
    for (int i = 0; i < 4; i++) {
      t.sendNext();
    }
    t.acknowledge(2);
    t.rewind(1);
    assertEquals(2, t.next());
    t.rewind(4);
    assertEquals(2, t.next());
    t.sendNext();
    t.rewind(4);
    assertEquals(3, t.next(), "a chunk not sent yet is not skipped");
  }

  @Test
  void inFlight_isTheUnacknowledgedChunksWithOverheads() {
    OutgoingTransfer t = transfer("k", 250);
    t.sendNext();
    t.sendNext();
    t.sendNext();
    assertEquals(250 + 3 * OutgoingTransfer.CHUNK_OVERHEAD, t.inFlight());
    t.acknowledge(2);
    assertEquals(50 + OutgoingTransfer.CHUNK_OVERHEAD, t.inFlight());
    t.acknowledge(3);
    assertTrue(t.done());
    assertEquals(0, t.inFlight());
  }

  // --- a peer's transfers -----------------------------------------------------------------------

  @Test
  void poll_keepsBytesInFlightWithinBudget_acksReleaseIt() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = transfer("k", 1000);
    out.offer(t, 0);
    long budget = 3 * COST;
    List<FullStateChunk> sent = drain(out, budget);
    assertEquals(3, sent.size());
    assertEquals(3 * COST, out.inFlight());
    assertNull(out.poll(budget, 0), "the budget is spent");
    assertEquals(OutgoingTransfers.Acked.PROGRESS, out.acknowledge("k", t.id, 2, 0));
    assertEquals(COST, out.inFlight());
    assertEquals(2, drain(out, budget).size());
    assertEquals(3 * COST, out.inFlight());
  }

  @Test
  void poll_oneChunkLargerThanTheBudget_stillGoesAlone() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = transfer("k", 250);
    out.offer(t, 0);
    assertEquals(1, drain(out, 1).size());
    out.acknowledge("k", t.id, 1, 0);
    assertEquals(1, drain(out, 1).size());
  }

  @Test
  void poll_transfersGoInOrder_eachWholeBeforeTheNext() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer a = transfer("a", 250);
    OutgoingTransfer b = transfer("b", 150);
    out.offer(a, 0);
    out.offer(b, 0);
    List<FullStateChunk> sent = drain(out, Long.MAX_VALUE);
    List<String> order = new ArrayList<>();
    for (FullStateChunk c : sent) {
      order.add(c.getKey() + c.getChunkIndex());
    }
    assertEquals(List.of("a0", "a1", "a2", "b0", "b1"), order);
  }

  @Test
  void poll_firstTransferWaitingForBytes_holdsTheOthersBack() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer a = new OutgoingTransfer("a", "GCounter", 1, new Object(), null, CHUNK);
    OutgoingTransfer b = new OutgoingTransfer("b", "GCounter", 2, new Object(), null, CHUNK);
    b.encoded(bytes(10));
    out.offer(a, 0);
    out.offer(b, 0);
    assertNull(out.poll(Long.MAX_VALUE, 0));
    assertEquals(List.of(a), out.waitingForBytes());
    a.encoded(bytes(10));
    assertEquals(
        List.of("a", "b"), drain(out, Long.MAX_VALUE).stream().map(c -> c.getKey()).toList());
  }

  @Test
  void acknowledge_last_transferDoneAndRemoved() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = sent(out, "k", 150);
    assertEquals(OutgoingTransfers.Acked.DONE, out.acknowledge("k", t.id, 2, 0));
    assertNull(out.get("k"));
    assertEquals(0, out.inFlight());
    assertEquals(OutgoingTransfers.Acked.IGNORED, out.acknowledge("k", t.id, 2, 0));
  }

  @Test
  void acknowledge_ofAnotherTransferOfTheKey_ignored() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = sent(out, "k", 150);
    assertEquals(OutgoingTransfers.Acked.IGNORED, out.acknowledge("k", t.id + 1, 2, 0));
    assertEquals(OutgoingTransfers.Acked.IGNORED, out.acknowledge("other", t.id, 2, 0));
    assertEquals(2 * COST - 50, out.inFlight());
  }

  @Test
  void acknowledge_beyondCount_malformed_budgetUnchanged() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = sent(out, "k", 150);
    long inFlight = out.inFlight();
    assertThrows(WireException.class, () -> out.acknowledge("k", t.id, 3, 0));
    assertEquals(inFlight, out.inFlight());
    assertSame(t, out.get("k"));
  }

  @Test
  void offer_replacesOneNotStarted_keepsOneUnderWay() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer first = transfer("k", 150);
    OutgoingTransfer newer = transfer("k", 160);
    assertTrue(out.offer(first, 0));
    assertTrue(out.offer(newer, 0), "the newer version goes instead");
    assertSame(newer, out.get("k"));
    out.poll(Long.MAX_VALUE, 0);
    assertFalse(out.offer(transfer("k", 170), 0), "one under way finishes first");
    assertSame(newer, out.get("k"));
  }

  @Test
  void refuse_forGood_remembersThatVersionOnly_untilForgotten() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = sent(out, "k", 150);
    assertSame(t, out.refuse("k", t.id, true));
    assertNull(out.get("k"));
    assertEquals(0, out.inFlight());
    assertTrue(out.refused("k", new byte[] {1}));
    assertFalse(out.refused("k", new byte[] {2}), "another version may go");
    assertFalse(out.refused("other", new byte[] {1}));
    out.forgetRefusals();
    assertFalse(out.refused("k", new byte[] {1}));
  }

  @Test
  void refuse_forNow_notRemembered() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = transfer("k", 150);
    out.offer(t, 0);
    assertSame(t, out.refuse("k", t.id, false));
    assertFalse(out.refused("k", new byte[] {1}));
    assertNull(out.refuse("k", t.id, true), "not under way any more");
  }

  @Test
  void rewind_refusedChunkIsSentAgain_budgetReleased() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = sent(out, "k", 300);
    out.rewind("k", t.id, 1);
    assertEquals(COST, out.inFlight());
    List<FullStateChunk> again = drain(out, Long.MAX_VALUE);
    assertEquals(List.of(1, 2), again.stream().map(FullStateChunk::getChunkIndex).toList());
    assertEquals(3 * COST, out.inFlight());
  }

  @Test
  void tick_noProgress_goesBackThenAbandons() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = transfer("k", 300);
    out.offer(t, 10);
    drain(out, Long.MAX_VALUE, 10);
    out.acknowledge("k", t.id, 1, 11);
    assertTrue(out.tick(12).isEmpty());
    assertEquals(3, t.next(), "one tick without progress: nothing yet");
    assertTrue(out.tick(13).isEmpty());
    assertEquals(1, t.next(), "after two ticks without progress it goes back");
    assertEquals(0, out.inFlight());
    drain(out, Long.MAX_VALUE, 13);
    assertEquals(List.of(t), out.tick(14), "after three it is given up");
    assertNull(out.get("k"));
    assertEquals(0, out.inFlight());
  }

  @Test
  void tick_waitingBehindOthers_isNotAStall() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer a = transfer("a", 300);
    OutgoingTransfer b = transfer("b", 100);
    out.offer(a, 0);
    out.offer(b, 0);
    drain(out, 3 * COST, 0); // a takes the whole budget
    for (long tick = 1; tick <= 2; tick++) {
      out.acknowledge("a", a.id, tick, tick); // a progresses slowly
      assertTrue(out.tick(tick).isEmpty());
    }
    drain(out, 3 * COST, 2);
    out.acknowledge("a", a.id, 3, 3);
    assertNotNull(out.get("b"));
    assertTrue(out.tick(4).isEmpty(), "b started at tick 2: it goes back, not given up");
    drain(out, 3 * COST, 4);
    assertEquals(List.of(b), out.tick(5));
  }

  @Test
  void clear_dropsEverything_keepsRefusals() {
    OutgoingTransfers out = new OutgoingTransfers();
    OutgoingTransfer t = sent(out, "k", 300);
    OutgoingTransfer refused = transfer("r", 10);
    out.offer(refused, 0);
    out.refuse("r", refused.id, true);
    out.clear();
    assertEquals(0, out.size());
    assertEquals(0, out.inFlight());
    assertNull(out.poll(Long.MAX_VALUE, 0));
    assertTrue(out.refused("r", new byte[] {1}));
  }

  /** A transfer offered to {@code out} with all its chunks sent. */
  private OutgoingTransfer sent(OutgoingTransfers out, String key, int size) {
    OutgoingTransfer t = transfer(key, size);
    out.offer(t, 0);
    drain(out, Long.MAX_VALUE);
    return t;
  }

  private static List<FullStateChunk> drain(OutgoingTransfers out, long budget) {
    return drain(out, budget, 0);
  }

  private static List<FullStateChunk> drain(OutgoingTransfers out, long budget, long tick) {
    List<FullStateChunk> sent = new ArrayList<>();
    FullStateChunk c;
    while ((c = out.poll(budget, tick)) != null) {
      sent.add(c);
    }
    return sent;
  }
}
