package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class WirePartsTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");
  private final CausalContext upTo3 = CausalContext.of(VersionVector.of(r1, 3));

  private static <T extends Throwable> void assertMessage(T e, String... parts) {
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), () -> e.getMessage() + " should name " + part);
    }
  }

  @Test
  void toORSet_dotOutsideContext_rejectedNamingDot() {
    WireParts.ORSetParts<String> parts =
        new WireParts.ORSetParts<>(Map.of("a", List.of(Dot.of(r2, 1))), upTo3, null, true);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toORSet(parts, upTo3)),
        "r2:1",
        "element a");
  }

  @Test
  void toORSet_sameDotOnTwoElements_rejected() {
    WireParts.ORSetParts<String> parts =
        new WireParts.ORSetParts<>(
            Map.of("a", List.of(Dot.of(r1, 1)), "b", List.of(Dot.of(r1, 1))), upTo3, null, true);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toORSet(parts, upTo3)),
        "r1:1",
        "twice");
  }

  @Test
  void toORSet_elementWithoutDots_rejected() {
    WireParts.ORSetParts<String> parts =
        new WireParts.ORSetParts<>(Map.of("a", List.of()), upTo3, null, true);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toORSet(parts, upTo3)),
        "element a");
  }

  @Test
  void toORSet_deltaNotListingItsKey_rejected() {
    WireParts.DeltaParts<String> delta =
        new WireParts.DeltaParts<>(Set.of("b"), upTo3, CausalContext.empty());
    WireParts.ORSetParts<String> parts =
        new WireParts.ORSetParts<>(Map.of("a", List.of(Dot.of(r1, 1))), upTo3, delta, false);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toORSet(parts, upTo3)),
        "key a");
  }

  @Test
  void toORSet_validParts_roundTrips() {
    ORSet<String> set = ORSet.<String>empty().add(r1, "a").add(r2, "b").remove(r1, "a");
    ORSet<String> copy = WireParts.toORSet(WireParts.of(set), set.context());
    assertEquals(set, copy);
    ORSet<String> delta = set.delta().orElseThrow();
    assertEquals(delta, WireParts.toORSet(WireParts.of(delta), delta.context()));
  }

  @Test
  void toORMap_valueWithOwnContext_rejected() {
    CausalCounter withContext = CausalCounter.zero().increment(r1, 1);
    WireParts.ORMapParts<String, CausalCounter> parts =
        new WireParts.ORMapParts<>(Map.of("a", withContext), upTo3, null, true);
    assertMessage(
        assertThrows(
            IllegalArgumentException.class,
            () -> WireParts.toORMap(parts, CausalCounter.zero(), upTo3)),
        "bare");
  }

  @Test
  void toEWFlag_withDisables_rejected() {
    WireParts.FlagParts parts =
        new WireParts.FlagParts(List.of(Dot.of(r1, 1)), List.of(Dot.of(r1, 2)), upTo3);
    assertThrows(IllegalArgumentException.class, () -> WireParts.toEWFlag(parts, upTo3));
  }

  @Test
  void toDWFlag_dotBothEnableAndDisable_rejected() {
    WireParts.FlagParts parts =
        new WireParts.FlagParts(List.of(Dot.of(r1, 1)), List.of(Dot.of(r1, 1)), upTo3);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toDWFlag(parts, upTo3)),
        "twice");
  }

  @Test
  void toCausalCounter_zeroAmount_rejected() {
    WireParts.CounterParts parts =
        new WireParts.CounterParts(List.of(new WireParts.Change(Dot.of(r1, 1), 0)), upTo3);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toCausalCounter(parts, upTo3)),
        "amount 0");
  }

  @Test
  void toMVRegister_siblingOutsideContext_rejected() {
    Versioned<String> v = new Versioned<>("x", HlcTimestamp.of(1, 0), Dot.of(r1, 9));
    WireParts.MVRegisterParts<String> parts = new WireParts.MVRegisterParts<>(List.of(v), upTo3);
    assertMessage(
        assertThrows(IllegalArgumentException.class, () -> WireParts.toMVRegister(parts, upTo3)),
        "r1:9");
  }
}
