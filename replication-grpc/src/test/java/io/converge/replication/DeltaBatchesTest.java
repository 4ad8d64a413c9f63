package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.KeyedDelta;
import java.util.List;
import org.junit.jupiter.api.Test;

final class DeltaBatchesTest {

  private static KeyedDelta full(String key, String type, long packedOrigin) {
    KeyedDelta.Builder d =
        KeyedDelta.newBuilder()
            .setKey(key)
            .setType(type)
            .setPayload(ByteString.copyFrom(new byte[10])); // a GCounter delta's size
    if (packedOrigin >= 0) {
      d.setOriginTime(
          io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(packedOrigin));
    }
    return d.build();
  }

  private static DeltaBatch compact(List<KeyedDelta> deltas) {
    DeltaBatches.Builder b = new DeltaBatches.Builder(7);
    deltas.forEach(b::add);
    assertEquals(deltas.size(), b.count());
    return b.build();
  }

  @Test
  void compactBatch_readsBackEveryTypeAndOriginTime_inFewerBytes() {
    long t = HlcTimestamp.of(1_764_000_000_000L, 3).packed();
    List<KeyedDelta> deltas =
        List.of(
            full("counter-01234", "GCounter", t),
            full("cart/alice", "ORMap", t + 65_536 * 2 + 1),
            full("counter-01235", "GCounter", t + 5),
            full("no-origin", "GCounter", -1));
    DeltaBatch batch = compact(deltas);

    assertEquals(7, batch.getFirstSequence());
    assertEquals(List.of("GCounter", "ORMap"), batch.getTypesList());
    assertEquals(t + 65_536 * 2 + 1, batch.getBaseTime().getPacked(), "the newest origin");
    for (int i = 0; i < deltas.size(); i++) {
      KeyedDelta sent = batch.getDeltas(i);
      assertTrue(sent.getType().isEmpty());
      assertFalse(sent.hasOriginTime());
      assertEquals(deltas.get(i).getKey(), sent.getKey());
      assertEquals(deltas.get(i).getPayload(), sent.getPayload());
      assertEquals(deltas.get(i).getType(), DeltaBatches.type(batch, sent, 7 + i));
      HlcTimestamp origin = DeltaBatches.origin(batch, sent, 7 + i);
      if (deltas.get(i).hasOriginTime()) {
        assertEquals(deltas.get(i).getOriginTime().getPacked(), origin.packed());
      } else {
        assertNull(origin);
      }
    }
    KeyedDelta first = full("counter-01234", "GCounter", t);
    assertEquals(48, first.getSerializedSize());
    assertTrue(
        batch.getDeltas(0).getSerializedSize() <= 31,
        () -> "compact: " + batch.getDeltas(0).getSerializedSize() + " bytes");
  }

  @Test
  void fullForm_isStillRead() {
    long t = HlcTimestamp.of(1_764_000_000_000L, 0).packed();
    KeyedDelta d = full("k", "PNCounter", t);
    DeltaBatch batch = DeltaBatch.newBuilder().setFirstSequence(1).addDeltas(d).build();
    assertEquals("PNCounter", DeltaBatches.type(batch, d, 1));
    assertEquals(t, DeltaBatches.origin(batch, d, 1).packed());
  }

  private static void assertMalformed(Runnable read, String detail) {
    WireException e = assertThrows(WireException.class, read::run);
    assertEquals(WireException.Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains(detail), e::getMessage);
  }

  @Test
  void hostileBatches_areMalformed_namingTheValue() {
    long t = HlcTimestamp.of(1_764_000_000_000L, 0).packed();
    DeltaBatch typed = compact(List.of(full("k", "GCounter", t)));

    KeyedDelta beyond = typed.getDeltas(0).toBuilder().setTypeIndex(5).build();
    assertMalformed(() -> DeltaBatches.type(typed, beyond, 3), "type_index 5 beyond");
    KeyedDelta negative = typed.getDeltas(0).toBuilder().setTypeIndex(-1).build();
    assertMalformed(() -> DeltaBatches.type(typed, negative, 3), "type_index 4294967295");
    KeyedDelta named = typed.getDeltas(0).toBuilder().setType("GCounter").build();
    assertMalformed(() -> DeltaBatches.type(typed, named, 3), "a type name (GCounter)");
    DeltaBatch untyped = typed.toBuilder().clearTypes().build();
    assertMalformed(
        () -> DeltaBatches.type(untyped, beyond, 3), "type_index 5 in a batch without types");

    KeyedDelta both = typed.getDeltas(0).toBuilder().setOriginTime(typed.getBaseTime()).build();
    assertMalformed(() -> DeltaBatches.origin(typed, both, 3), "both origin_time");
    DeltaBatch baseless = typed.toBuilder().clearBaseTime().build();
    assertMalformed(
        () -> DeltaBatches.origin(baseless, typed.getDeltas(0), 3), "without base_time");
    KeyedDelta before = typed.getDeltas(0).toBuilder().setOriginBeforeBase(t + 1).build();
    assertMalformed(() -> DeltaBatches.origin(typed, before, 3), "beyond base_time");
    KeyedDelta huge = typed.getDeltas(0).toBuilder().setOriginBeforeBase(-1L).build();
    assertMalformed(() -> DeltaBatches.origin(typed, huge, 3), "18446744073709551615");
    DeltaBatch negativeBase =
        typed.toBuilder()
            .setBaseTime(io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(-5))
            .build();
    assertMalformed(
        () -> DeltaBatches.origin(negativeBase, typed.getDeltas(0), 3), "beyond base_time");
  }
}
