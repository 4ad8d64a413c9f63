package io.converge.clocks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

final class HlcTimestampTest {

  private static final long T0 = Instant.parse("2026-11-23T09:00:00.123Z").toEpochMilli();

  @Test
  void constants_describeSixteenBitLogicalAnd47BitPhysical() {
    assertEquals(16, HlcTimestamp.LOGICAL_BITS);
    assertEquals(65_535, HlcTimestamp.MAX_LOGICAL);
    assertEquals((1L << 47) - 1, HlcTimestamp.MAX_PHYSICAL);
    assertEquals(0, HlcTimestamp.ZERO.physical());
    assertEquals(0, HlcTimestamp.ZERO.logical());
    assertEquals(0L, HlcTimestamp.ZERO.packed());
  }

  @Test
  void of_validParts_keepsParts() {
    HlcTimestamp t = HlcTimestamp.of(T0, 2);
    assertEquals(T0, t.physical());
    assertEquals(2, t.logical());
    assertEquals(new HlcTimestamp(T0, 2), t);
  }

  @Test
  void of_maxValues_accepted() {
    HlcTimestamp t = HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, HlcTimestamp.MAX_LOGICAL);
    assertEquals(HlcTimestamp.MAX_PHYSICAL, t.physical());
    assertEquals(HlcTimestamp.MAX_LOGICAL, t.logical());
    assertEquals(Long.MAX_VALUE, t.packed());
    assertEquals(6429, t.instant().atZone(ZoneOffset.UTC).getYear());
  }

  @Test
  void of_negativePhysical_rejectedWithValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HlcTimestamp.of(-1, 0));
    assertTrue(e.getMessage().contains("physical=-1"), e.getMessage());
  }

  @Test
  void of_physicalAboveMax_rejectedWithValue() {
    long bad = HlcTimestamp.MAX_PHYSICAL + 1;
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new HlcTimestamp(bad, 0));
    assertTrue(e.getMessage().contains("physical=" + bad), e.getMessage());
    assertTrue(e.getMessage().contains(String.valueOf(HlcTimestamp.MAX_PHYSICAL)), e.getMessage());
    IllegalArgumentException max =
        assertThrows(IllegalArgumentException.class, () -> HlcTimestamp.of(Long.MAX_VALUE, 0));
    assertTrue(max.getMessage().contains("physical=" + Long.MAX_VALUE), max.getMessage());
  }

  @Test
  void of_negativeLogical_rejectedWithValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HlcTimestamp.of(T0, -1));
    assertTrue(e.getMessage().contains("logical=-1"), e.getMessage());
  }

  @Test
  void of_logicalAboveMax_rejectedWithValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> HlcTimestamp.of(T0, HlcTimestamp.MAX_LOGICAL + 1));
    assertTrue(e.getMessage().contains("logical=65536"), e.getMessage());
    assertTrue(e.getMessage().contains("65535"), e.getMessage());
  }

  @Test
  void fromPacked_negative_rejectedWithValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HlcTimestamp.fromPacked(-1));
    assertTrue(e.getMessage().contains("packed=-1"), e.getMessage());
    IllegalArgumentException min =
        assertThrows(IllegalArgumentException.class, () -> HlcTimestamp.fromPacked(Long.MIN_VALUE));
    assertTrue(min.getMessage().contains("packed=" + Long.MIN_VALUE), min.getMessage());
  }

  @Test
  void packed_layout_physicalHighLogicalLow() {
    assertEquals(65_536L, HlcTimestamp.of(1, 0).packed());
    assertEquals(65_535L, HlcTimestamp.of(0, 65_535).packed());
    assertEquals((T0 << 16) | 7, HlcTimestamp.of(T0, 7).packed());
  }

  @Test
  void packed_roundTrip_returnsSameTimestamp() {
    List<HlcTimestamp> samples =
        List.of(
            HlcTimestamp.ZERO,
            HlcTimestamp.of(0, 1),
            HlcTimestamp.of(0, HlcTimestamp.MAX_LOGICAL),
            HlcTimestamp.of(1, 0),
            HlcTimestamp.of(T0, 2),
            HlcTimestamp.of(T0, HlcTimestamp.MAX_LOGICAL),
            HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, 0),
            HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, HlcTimestamp.MAX_LOGICAL));
    for (HlcTimestamp t : samples) {
      assertTrue(t.packed() >= 0, t.toString());
      assertEquals(t, HlcTimestamp.fromPacked(t.packed()));
    }
    assertEquals(0L, HlcTimestamp.fromPacked(0).packed());
    assertEquals(Long.MAX_VALUE, HlcTimestamp.fromPacked(Long.MAX_VALUE).packed());
    assertEquals(12_345_678L, HlcTimestamp.fromPacked(12_345_678L).packed());
  }

  @Test
  void packed_orderEqualsCompareToOrder() {
    List<HlcTimestamp> samples =
        new ArrayList<>(
            List.of(
                HlcTimestamp.of(T0, 5),
                HlcTimestamp.ZERO,
                HlcTimestamp.of(T0 + 1, 0),
                HlcTimestamp.of(T0, HlcTimestamp.MAX_LOGICAL),
                HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, HlcTimestamp.MAX_LOGICAL),
                HlcTimestamp.of(T0, 0),
                HlcTimestamp.of(0, HlcTimestamp.MAX_LOGICAL),
                HlcTimestamp.of(1, 0),
                HlcTimestamp.of(HlcTimestamp.MAX_PHYSICAL, 0)));
    for (HlcTimestamp a : samples) {
      for (HlcTimestamp b : samples) {
        assertEquals(
            Integer.signum(a.compareTo(b)),
            Integer.signum(Long.compare(a.packed(), b.packed())),
            a + " vs " + b);
      }
    }
    Collections.sort(samples);
    for (int i = 1; i < samples.size(); i++) {
      assertTrue(samples.get(i - 1).packed() < samples.get(i).packed());
    }
  }

  @Test
  void compareTo_physicalFirstThenLogical() {
    assertTrue(HlcTimestamp.of(T0, 65_535).compareTo(HlcTimestamp.of(T0 + 1, 0)) < 0);
    assertTrue(HlcTimestamp.of(T0, 3).compareTo(HlcTimestamp.of(T0, 2)) > 0);
    assertEquals(0, HlcTimestamp.of(T0, 3).compareTo(HlcTimestamp.of(T0, 3)));
  }

  @Test
  void isAfterAndIsBefore_strict() {
    HlcTimestamp early = HlcTimestamp.of(T0, 1);
    HlcTimestamp late = HlcTimestamp.of(T0, 2);
    assertTrue(late.isAfter(early));
    assertFalse(early.isAfter(late));
    assertTrue(early.isBefore(late));
    assertFalse(late.isBefore(early));
    assertFalse(early.isAfter(HlcTimestamp.of(T0, 1)));
    assertFalse(early.isBefore(HlcTimestamp.of(T0, 1)));
    assertTrue(HlcTimestamp.of(T0 + 1, 0).isAfter(HlcTimestamp.of(T0, 9)));
  }

  @Test
  void instant_physicalPartAsInstant() {
    assertEquals(Instant.parse("2026-11-23T09:00:00.123Z"), HlcTimestamp.of(T0, 9).instant());
    assertEquals(Instant.EPOCH, HlcTimestamp.ZERO.instant());
  }

  @Test
  void toString_instantHashLogical() {
    assertEquals("2026-11-23T09:00:00.123Z#2", HlcTimestamp.of(T0, 2).toString());
    assertEquals("1970-01-01T00:00:00Z#0", HlcTimestamp.ZERO.toString());
    assertEquals(
        "2026-11-23T09:00:00Z#65535",
        HlcTimestamp.of(T0 - 123, HlcTimestamp.MAX_LOGICAL).toString());
  }

  @Test
  void equals_sameParts_equalWithSameHashCode() {
    assertEquals(HlcTimestamp.of(T0, 2), HlcTimestamp.fromPacked(HlcTimestamp.of(T0, 2).packed()));
    assertEquals(HlcTimestamp.of(T0, 2).hashCode(), HlcTimestamp.of(T0, 2).hashCode());
    assertNotEquals(HlcTimestamp.of(T0, 2), HlcTimestamp.of(T0, 3));
    assertNotEquals(HlcTimestamp.of(T0, 2), HlcTimestamp.of(T0 + 1, 2));
  }
}
