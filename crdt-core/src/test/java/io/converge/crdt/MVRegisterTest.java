package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class MVRegisterTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");

  private static HlcTimestamp ts(long ms) {
    return HlcTimestamp.of(1_700_000_000_000L + ms, 0);
  }

  @Test
  void write_thenValues_single() {
    MVRegister<String> r = MVRegister.<String>empty().write(r1, "a", ts(1));
    assertEquals(List.of("a"), r.values());
    assertFalse(r.hasConflict());
  }

  @Test
  void concurrentWrites_keepBothSiblings() {
    MVRegister<String> base = MVRegister.<String>empty().write(r1, "a", ts(1)).resetDelta();
    MVRegister<String> x = base.write(r1, "x", ts(2));
    MVRegister<String> y = base.write(r2, "y", ts(3));
    MVRegister<String> merged = x.merge(y);
    assertEquals(List.of("x", "y"), merged.values());
    assertTrue(merged.hasConflict());
    assertEquals(merged, y.merge(x));
  }

  @Test
  void laterWrite_replacesSeenSiblings() {
    MVRegister<String> x = MVRegister.<String>empty().write(r1, "x", ts(2));
    MVRegister<String> y = MVRegister.<String>empty().write(r2, "y", ts(3));
    MVRegister<String> resolved = x.merge(y).write(r1, "z", ts(4));
    assertEquals(List.of("z"), resolved.values());
    assertEquals(List.of("z"), resolved.merge(x).merge(y).values());
  }

  @Test
  void resolve_lastWriterWins_picksGreatestTimestamp() {
    MVRegister<String> x = MVRegister.<String>empty().write(r1, "x", ts(9));
    MVRegister<String> y = MVRegister.<String>empty().write(r2, "y", ts(3));
    assertEquals(Optional.of("x"), x.merge(y).resolve(ConflictResolver.lastWriterWins()));
    assertEquals(Optional.of("y"), y.merge(x).resolve(ConflictResolver.firstWriterWins()));
  }

  @Test
  void clear_removesSeen_keepsConcurrent() {
    MVRegister<String> base = MVRegister.<String>empty().write(r1, "a", ts(1)).resetDelta();
    MVRegister<String> cleared = base.clear(r1);
    MVRegister<String> concurrent = base.write(r2, "b", ts(2));
    assertEquals(List.of("b"), cleared.merge(concurrent).values());
    assertTrue(cleared.isEmpty());
  }

  @Test
  void write_nullValue_rejected() {
    MVRegister<String> r = MVRegister.empty();
    NullPointerException e =
        assertThrows(NullPointerException.class, () -> r.write(r1, null, ts(1)));
    assertTrue(e.getMessage().contains("value"));
    assertTrue(r.isEmpty());
  }

  @Test
  void delta_mergedIntoOldState_equalsNewState() {
    MVRegister<String> before = MVRegister.<String>empty().write(r1, "a", ts(1)).resetDelta();
    MVRegister<String> after = before.write(r1, "b", ts(2));
    assertEquals(after, before.merge(after.delta().orElseThrow()));
  }
}
