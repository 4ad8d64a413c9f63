package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The README's crdt-core examples, statement for statement: if this breaks, fix the README. */
final class ReadmeExamplesTest {

  private final ReplicaId us = ReplicaId.of("us-east");
  private final ReplicaId eu = ReplicaId.of("eu-west");

  @Test
  void counters() {
    GCounter visitsUs = GCounter.empty().increment(us, 3);
    GCounter visitsEu = GCounter.empty().increment(eu, 2);
    assertEquals(5, visitsUs.merge(visitsEu).value());

    PNCounter stock = PNCounter.empty().increment(us, 10).decrement(eu, 4);
    assertEquals(6, stock.value());
  }

  @Test
  void orSet_addWins() {
    ORSet<String> tags = ORSet.<String>empty().add(us, "sale").resetDelta();
    ORSet<String> removedInUs = tags.remove(us, "sale");
    ORSet<String> addedInEu = tags.add(eu, "sale");
    assertTrue(removedInUs.merge(addedInEu).contains("sale"));
  }

  @Test
  void registers() {
    HlcTimestamp t1 = HlcTimestamp.of(1_700_000_000_000L, 0);
    LWWRegister<String> a = LWWRegister.<String>empty().set("Paris", t1, us);
    LWWRegister<String> b = LWWRegister.<String>empty().set("Berlin", t1, eu);
    assertEquals(Optional.of("Paris"), a.merge(b).value()); // same stamp: "us-east" > "eu-west"

    MVRegister<String> x = MVRegister.<String>empty().write(us, "blue", t1);
    MVRegister<String> y = MVRegister.<String>empty().write(eu, "green", t1);
    MVRegister<String> both = x.merge(y);
    assertEquals(List.of("green", "blue"), both.values());
    assertEquals(Optional.of("green"), both.resolve(ConflictResolver.max(String::compareTo)));
  }

  @Test
  void flags() {
    EWFlag on = EWFlag.disabled().enable(us).resetDelta();
    assertTrue(on.disable(us).merge(on.enable(eu)).isEnabled());
    DWFlag dw = DWFlag.disabled().enable(us).resetDelta();
    assertFalse(dw.disable(us).merge(dw.enable(eu)).isEnabled());
  }

  @Test
  void orMap_removeAndConcurrentUpdate() {
    ORMap<String, CausalCounter> cart =
        ORMap.<String, CausalCounter>empty(CausalCounter.zero())
            .update(us, "apple", q -> q.increment(us, 3))
            .resetDelta();
    ORMap<String, CausalCounter> removedInUs = cart.remove(us, "apple");
    ORMap<String, CausalCounter> addedInEu = cart.update(eu, "apple", q -> q.increment(eu, 1));
    assertEquals(1, removedInUs.merge(addedInEu).get("apple").orElseThrow().value());
  }

  @Test
  void lwwMap() {
    HybridLogicalClock clock = HybridLogicalClock.system();
    LWWMap<String, String> profile = LWWMap.<String, String>empty().put(us, "email", "a@x", clock);
    assertEquals(Optional.of("a@x"), profile.get("email"));
    assertEquals(Set.of("email"), profile.keys());
  }

  @Test
  void deltas() {
    ORSet<String> state = ORSet.<String>empty().add(us, "a").resetDelta();
    ORSet<String> next = state.add(us, "b");
    ORSet<String> delta = next.delta().orElseThrow(); // ship this: {b} and its context
    ORSet<String> remote = ORSet.<String>empty().add(eu, "c").resetDelta();
    assertEquals(Set.of("b", "c"), remote.merge(delta).elements());
    assertEquals(next, state.merge(delta));
  }
}
