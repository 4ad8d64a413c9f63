package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;

import io.converge.clocks.ReplicaId;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

final class GeneratorsTest {

  @Test
  void replicaIds_three_areR1ToR3() {
    assertEquals(
        List.of(ReplicaId.of("r1"), ReplicaId.of("r2"), ReplicaId.of("r3")),
        Generators.replicaIds(3));
  }

  @Test
  void replicas_three_drawsOnlyAndEveryR1ToR3() {
    Set<String> drawn = new TreeSet<>();
    qt().forAll(Generators.replicas(3)).checkAssert(r -> drawn.add(r.name()));
    assertEquals(Set.of("r1", "r2", "r3"), drawn);
  }

  @Test
  void replicas_zero_throws() {
    assertThrows(IllegalArgumentException.class, () -> Generators.replicas(0));
  }

  @Test
  void smallStrings_drawsOnlyAndEveryAToE() {
    Set<String> drawn = new TreeSet<>();
    qt().forAll(Generators.smallStrings()).checkAssert(drawn::add);
    assertEquals(Set.of("a", "b", "c", "d", "e"), drawn);
  }

  @Test
  void smallPositiveIntegers_drawsOnlyAndEveryOneToFive() {
    Set<Integer> drawn = new TreeSet<>();
    qt().forAll(Generators.smallPositiveIntegers()).checkAssert(drawn::add);
    assertEquals(Set.of(1, 2, 3, 4, 5), drawn);
  }

  @Test
  void oneOf_drawsFromEveryGenerator() {
    Gen<Operation<String>> ops =
        Generators.oneOf(
            Generate.constant(Operation.of("x()", (r, s) -> s)),
            Generators.calls("y", Generators.smallStrings(), e -> (r, s) -> s + e));
    Set<String> names = new TreeSet<>();
    qt().forAll(ops).checkAssert(op -> names.add(op.toString().substring(0, 1)));
    assertEquals(Set.of("x", "y"), names);
  }

  @Test
  void oneOf_noGenerators_throws() {
    assertThrows(IllegalArgumentException.class, () -> Generators.<String>oneOf());
  }

  @Test
  void calls_makesCallsWithPayloadAndMutation() {
    Gen<Operation<String>> adds =
        Generators.calls("add", Generators.smallStrings(), e -> (r, s) -> s + e + "@" + r);
    qt().forAll(adds)
        .checkAssert(
            op -> {
              Operation.Call call = (Operation.Call) op.payload();
              assertEquals("add", call.name());
              assertEquals("add(\"" + call.argument() + "\")", op.toString());
              assertEquals(call.argument() + "@r1", op.apply(ReplicaId.of("r1"), ""));
            });
  }
}
