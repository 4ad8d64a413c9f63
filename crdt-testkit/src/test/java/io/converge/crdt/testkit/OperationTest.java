package io.converge.crdt.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.util.List;
import org.junit.jupiter.api.Test;

final class OperationTest {

  private static final ReplicaId R2 = ReplicaId.of("r2");

  @Test
  void of_toString_isTheDescription() {
    Operation<String> op = Operation.of("enable()", (r, s) -> s);
    assertEquals("enable()", op.toString());
  }

  @Test
  void of_payload_isTheDescription() {
    assertEquals("enable()", Operation.<String>of("enable()", (r, s) -> s).payload());
  }

  @Test
  void of_withPayload_returnsThePayload() {
    Operation<String> op = Operation.of("add(\"b\")", List.of("add", "b"), (r, s) -> s + "b");
    assertEquals(List.of("add", "b"), op.payload());
    assertEquals("add(\"b\")", op.toString());
  }

  @Test
  void apply_passesTheReplica() {
    Operation<String> op = Operation.of("tag()", (r, s) -> s + "@" + r);
    assertEquals("x@r2", op.apply(R2, "x"));
  }

  @Test
  void call_stringArgument_readsLikeCode() {
    Operation<String> op = Operation.call("add", "b", (r, s) -> s);
    assertEquals("add(\"b\")", op.toString());
    assertEquals(new Operation.Call("add", "b"), op.payload());
  }

  @Test
  void call_numberAndCharacterArguments_readLikeCode() {
    assertEquals("increment(3)", Operation.call("increment", 3, (r, s) -> s).toString());
    assertEquals("put('x')", Operation.call("put", 'x', (r, s) -> s).toString());
  }

  @Test
  void callIs_comparesTheName() {
    Operation.Call call = new Operation.Call("remove", "a");
    assertTrue(call.is("remove"));
    assertFalse(call.is("add"));
  }

  @Test
  void payload_ownImplementation_isItself() {
    LastMergedWinsRegister.Write write = new LastMergedWinsRegister.Write("a");
    assertSame(write, write.payload());
  }

  @Test
  void of_nullArguments_throw() {
    assertThrows(NullPointerException.class, () -> Operation.<String>of(null, (r, s) -> s));
    assertThrows(NullPointerException.class, () -> Operation.<String>of("x", null));
    assertThrows(
        NullPointerException.class, () -> Operation.<String, String>of("x", null, (r, s) -> s));
    assertThrows(NullPointerException.class, () -> Operation.<String>call("x", null, (r, s) -> s));
  }
}
