package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.converge.clocks.ReplicaId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class SpecificationTest {

  private static final ReplicaId R1 = ReplicaId.of("r1");

  private static Event<String> event(int id, String name, Object argument) {
    return new Event<>(id, R1, Operation.call(name, argument, (r, s) -> s), Set.of());
  }

  @Test
  void of_delegatesToTheFunctions() {
    Specification<String, Integer> spec = Specification.of(List::size, String::length);
    assertEquals(2, spec.expected(List.of(event(1, "add", "a"), event(2, "add", "b"))));
    assertEquals(3, spec.observed("abc"));
  }

  @Test
  void sequential_foldsEventsInOrder() {
    Specification<String, String> spec =
        Specification.sequential(
            "", (s, e) -> s + ((Operation.Call) e.payload()).argument(), (String state) -> state);
    assertEquals("ab", spec.expected(List.of(event(1, "add", "a"), event(2, "add", "b"))));
    assertEquals("", spec.expected(List.of()));
  }

  @Test
  void of_nullFunctions_throw() {
    assertThrows(
        NullPointerException.class, () -> Specification.<String, Integer>of(null, String::length));
    assertThrows(
        NullPointerException.class, () -> Specification.<String, Integer>of(List::size, null));
  }
}
