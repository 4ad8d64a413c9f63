package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import io.converge.replication.codec.WireException.Reason;
import io.converge.replication.wire.v1.FullStateChunk;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The receiver's side of full-state streaming: reassembly, and what a peer may make it hold. */
final class IncomingTransfersTest {

  private static final long LIMIT = 1000;

  private final IncomingTransfers in = new IncomingTransfers(2, 1500);

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 13 + 1);
    }
    return b;
  }

  /** Chunk {@code index} of {@code state} cut in {@code count} chunks of {@code size} bytes. */
  private static FullStateChunk chunk(
      String key, long transfer, byte[] state, int index, int count, int size) {
    int from = Math.min(state.length, index * size);
    int to = index == count - 1 ? state.length : Math.min(state.length, from + size);
    return FullStateChunk.newBuilder()
        .setKey(key)
        .setType("GCounter")
        .setTransfer(transfer)
        .setChunkIndex(index)
        .setChunkCount(count)
        .setTotalBytes(state.length)
        .setPayload(ByteString.copyFrom(state, from, to - from))
        .build();
  }

  private IncomingTransfers.Outcome accept(FullStateChunk chunk) {
    IncomingTransfers.validate(chunk);
    return in.accept(chunk, LIMIT, 0);
  }

  @Test
  void accept_inOrder_acknowledgesEachThenReturnsTheWholeState() {
    byte[] state = bytes(250);
    assertEquals(new IncomingTransfers.Partial(1), accept(chunk("k", 1, state, 0, 3, 100)));
    assertEquals(250, in.reserved());
    assertEquals(new IncomingTransfers.Partial(2), accept(chunk("k", 1, state, 1, 3, 100)));
    IncomingTransfers.Complete done =
        assertInstanceOf(IncomingTransfers.Complete.class, accept(chunk("k", 1, state, 2, 3, 100)));
    assertArrayEquals(state, done.bytes());
    assertEquals(3, done.count());
    assertEquals(0, in.size());
    assertEquals(0, in.reserved());
  }

  @Test
  void accept_outOfOrderAndRepeated_acknowledgesTheContiguousPrefix() {
    byte[] state = bytes(250);
    assertEquals(new IncomingTransfers.Partial(0), accept(chunk("k", 1, state, 2, 3, 100)));
    assertEquals(new IncomingTransfers.Partial(0), accept(chunk("k", 1, state, 2, 3, 100)));
    assertEquals(new IncomingTransfers.Partial(1), accept(chunk("k", 1, state, 0, 3, 100)));
    IncomingTransfers.Complete done =
        assertInstanceOf(IncomingTransfers.Complete.class, accept(chunk("k", 1, state, 1, 3, 100)));
    assertArrayEquals(state, done.bytes());
  }

  @Test
  void accept_emptyState_oneEmptyChunk() {
    IncomingTransfers.Complete done =
        assertInstanceOf(
            IncomingTransfers.Complete.class, accept(chunk("k", 1, new byte[0], 0, 1, 100)));
    assertEquals(0, done.bytes().length);
  }

  @Test
  void accept_newerTransferOfTheKey_replacesTheUnfinishedOne_neverCombined() {
    byte[] a = bytes(200);
    byte[] b = bytes(200);
    Arrays.fill(b, (byte) 9);
    accept(chunk("k", 1, a, 0, 2, 100));
    assertEquals(new IncomingTransfers.Partial(0), accept(chunk("k", 2, b, 1, 2, 100)));
    assertEquals(1, in.size());
    assertEquals(200, in.reserved());
    IncomingTransfers.Complete done =
        assertInstanceOf(IncomingTransfers.Complete.class, accept(chunk("k", 2, b, 0, 2, 100)));
    assertArrayEquals(b, done.bytes());
  }

  @Test
  void accept_overTheKeyLimit_refusedForGood_laterChunksDropped() {
    byte[] state = bytes((int) LIMIT + 1);
    IncomingTransfers.Refused refused =
        assertInstanceOf(IncomingTransfers.Refused.class, accept(chunk("k", 1, state, 0, 2, 600)));
    assertEquals(Reason.OVERSIZED, refused.reason().reason());
    assertFalse(refused.retryLater());
    assertTrue(refused.reason().getMessage().contains("1001"), refused.reason()::getMessage);
    assertEquals(0, in.size());
    assertEquals(0, in.reserved());
    FullStateChunk next = chunk("k", 1, state, 1, 2, 600);
    assertTrue(in.dropped(next));
    assertInstanceOf(IncomingTransfers.Dropped.class, accept(next));
    assertFalse(in.dropped(chunk("k", 2, bytes(10), 0, 1, 600)), "a new transfer is looked at");
  }

  @Test
  void accept_atTheKeyLimit_accepted() {
    byte[] state = bytes((int) LIMIT);
    assertInstanceOf(IncomingTransfers.Partial.class, accept(chunk("k", 1, state, 0, 2, 600)));
  }

  @Test
  void accept_beyondTheCountBound_refusedForNow_theOthersFinish() {
    accept(chunk("a", 1, bytes(20), 0, 2, 10));
    accept(chunk("b", 2, bytes(20), 0, 2, 10));
    IncomingTransfers.Refused refused =
        assertInstanceOf(
            IncomingTransfers.Refused.class, accept(chunk("c", 3, bytes(20), 0, 2, 10)));
    assertEquals(Reason.OVERSIZED, refused.reason().reason());
    assertTrue(refused.retryLater());
    assertInstanceOf(IncomingTransfers.Complete.class, accept(chunk("a", 1, bytes(20), 1, 2, 10)));
    assertInstanceOf(
        IncomingTransfers.Partial.class,
        accept(chunk("c", 4, bytes(20), 0, 2, 10)),
        "the next try, once one finished");
  }

  @Test
  void accept_beyondTheByteBudget_refusedForNow_theOthersFinish() {
    accept(chunk("a", 1, bytes(900), 0, 2, 450));
    IncomingTransfers.Refused refused =
        assertInstanceOf(
            IncomingTransfers.Refused.class, accept(chunk("b", 2, bytes(700), 0, 2, 350)));
    assertTrue(refused.retryLater());
    assertEquals(900, in.reserved());
    assertInstanceOf(
        IncomingTransfers.Partial.class,
        accept(chunk("c", 3, bytes(600), 0, 2, 300)),
        "600 more fits the 1500 budget");
    assertEquals(1500, in.reserved());
  }

  @Test
  void validate_contradictions_malformed() {
    byte[] state = bytes(250);
    FullStateChunk good = chunk("k", 1, state, 0, 3, 100);
    assertMalformed(good.toBuilder().setChunkCount(0).build());
    assertMalformed(good.toBuilder().setChunkIndex(3).build());
    assertMalformed(good.toBuilder().setChunkIndex(-1).build());
    assertMalformed(good.toBuilder().setChunkCount(OutgoingTransfer.MAX_CHUNKS + 1).build());
    assertMalformed(good.toBuilder().setChunkCount(251).build());
    assertMalformed(good.toBuilder().setTotalBytes(99).build());
    assertMalformed(good.toBuilder().setTotalBytes(0).setChunkCount(2).build());
    IncomingTransfers.validate(good);
  }

  @Test
  void accept_chunksAddingUpToMoreThanTheTotal_malformed_released() {
    byte[] state = bytes(250);
    accept(chunk("k", 1, state, 0, 3, 100));
    FullStateChunk tooLong =
        chunk("k", 1, state, 1, 3, 100).toBuilder()
            .setPayload(ByteString.copyFrom(bytes(200)))
            .build();
    WireException e = assertThrows(WireException.class, () -> accept(tooLong));
    assertEquals(Reason.MALFORMED, e.reason());
    assertEquals(0, in.size());
    assertEquals(0, in.reserved());
  }

  @Test
  void accept_chunksAddingUpToLessThanTheTotal_malformedAtTheLast() {
    byte[] state = bytes(250);
    accept(chunk("k", 1, state, 0, 3, 100));
    accept(chunk("k", 1, state, 1, 3, 100));
    FullStateChunk shortLast =
        chunk("k", 1, state, 2, 3, 100).toBuilder()
            .setPayload(ByteString.copyFrom(bytes(10)))
            .build();
    assertEquals(
        Reason.MALFORMED, assertThrows(WireException.class, () -> accept(shortLast)).reason());
    assertEquals(0, in.reserved());
  }

  @Test
  void accept_anotherCountOrTotalWithinATransfer_malformed() {
    byte[] state = bytes(250);
    accept(chunk("k", 1, state, 0, 3, 100));
    assertThrows(
        WireException.class,
        () -> accept(chunk("k", 1, state, 1, 3, 100).toBuilder().setChunkCount(4).build()));
    accept(chunk("k", 2, state, 0, 3, 100));
    assertThrows(
        WireException.class,
        () -> accept(chunk("k", 2, state, 1, 3, 100).toBuilder().setTotalBytes(260).build()));
    assertEquals(0, in.reserved());
  }

  @Test
  void expire_dropsPartialStatesWithoutChunks_releasesTheirBytes() {
    in.accept(chunk("old", 1, bytes(200), 0, 2, 100), LIMIT, 10);
    in.accept(chunk("new", 2, bytes(200), 0, 2, 100), LIMIT, 15);
    assertEquals(0, in.expire(10 + IncomingTransfers.EXPIRE_TICKS - 1));
    assertEquals(1, in.expire(10 + IncomingTransfers.EXPIRE_TICKS));
    assertEquals(1, in.size());
    assertEquals(200, in.reserved());
  }

  @Test
  void refuse_keyNotDeclared_laterChunksDropped() {
    in.refuse("k", 7);
    assertTrue(in.dropped(chunk("k", 7, bytes(20), 1, 2, 10)));
    assertFalse(in.dropped(chunk("k", 8, bytes(20), 0, 2, 10)));
  }

  @Test
  void refusals_rememberedUpToABound() {
    for (int i = 0; i <= IncomingTransfers.REMEMBERED_REFUSALS; i++) {
      in.refuse("k" + i, i);
    }
    assertFalse(in.dropped(chunk("k0", 0, bytes(20), 1, 2, 10)), "the oldest is forgotten");
    assertTrue(in.dropped(chunk("k1", 1, bytes(20), 1, 2, 10)));
  }

  private static void assertMalformed(FullStateChunk chunk) {
    WireException e = assertThrows(WireException.class, () -> IncomingTransfers.validate(chunk));
    assertEquals(Reason.MALFORMED, e.reason(), chunk::toString);
  }
}
