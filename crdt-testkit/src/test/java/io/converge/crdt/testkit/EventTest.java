package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class EventTest {

  private static final ReplicaId R1 = ReplicaId.of("r1");
  private static final ReplicaId R2 = ReplicaId.of("r2");
  private static final Operation<String> ADD_A = Operation.call("add", "a", (r, s) -> s);
  private static final Operation<String> REMOVE_A = Operation.call("remove", "a", (r, s) -> s);

  @Test
  void hasSeen_eventInSeen_isTrue() {
    Event<String> add = new Event<>(1, R1, ADD_A, Set.of());
    Event<String> remove = new Event<>(2, R2, REMOVE_A, Set.of(1));
    assertTrue(remove.hasSeen(add));
    assertFalse(add.hasSeen(remove));
    assertFalse(remove.isConcurrentWith(add));
  }

  @Test
  void isConcurrentWith_neitherSawTheOther_isTrue() {
    Event<String> add = new Event<>(1, R1, ADD_A, Set.of());
    Event<String> remove = new Event<>(2, R2, REMOVE_A, Set.of());
    assertTrue(remove.isConcurrentWith(add));
    assertTrue(add.isConcurrentWith(remove));
    assertFalse(add.isConcurrentWith(add));
  }

  @Test
  void payload_isTheOperationsPayload() {
    assertEquals(new Operation.Call("add", "a"), new Event<>(1, R1, ADD_A, Set.of()).payload());
  }

  @Test
  void seen_isAnUnmodifiableSortedCopy() {
    Set<Integer> seen = new HashSet<>(List.of(3, 1, 2));
    Event<String> event = new Event<>(4, R1, ADD_A, seen);
    seen.add(5);
    assertEquals(List.of(1, 2, 3), List.copyOf(event.seen()));
    assertThrows(UnsupportedOperationException.class, () -> event.seen().add(0));
  }

  @Test
  void toString_readsLikeTheTrace() {
    assertEquals(
        "e3 add(\"a\")@r2 saw {e1, e2}", new Event<>(3, R2, ADD_A, Set.of(2, 1)).toString());
  }

  @Test
  void new_seenNotEarlier_throws() {
    assertThrows(IllegalArgumentException.class, () -> new Event<>(2, R1, ADD_A, Set.of(2)));
    assertThrows(IllegalArgumentException.class, () -> new Event<>(2, R1, ADD_A, Set.of(0)));
    assertThrows(IllegalArgumentException.class, () -> new Event<>(0, R1, ADD_A, Set.of()));
  }

  @Test
  void new_nullArguments_throw() {
    assertThrows(NullPointerException.class, () -> new Event<>(1, null, ADD_A, Set.of()));
    assertThrows(NullPointerException.class, () -> new Event<String>(1, R1, null, Set.of()));
    assertThrows(NullPointerException.class, () -> new Event<>(1, R1, ADD_A, null));
  }
}
