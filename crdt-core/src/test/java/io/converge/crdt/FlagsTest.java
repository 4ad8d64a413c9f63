package io.converge.crdt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import org.junit.jupiter.api.Test;

final class FlagsTest {

  private final ReplicaId r1 = ReplicaId.of("r1");
  private final ReplicaId r2 = ReplicaId.of("r2");

  @Test
  void ewFlag_enableDisable_sequential() {
    EWFlag f = EWFlag.disabled();
    assertFalse(f.isEnabled());
    assertTrue(f.enable(r1).isEnabled());
    assertFalse(f.enable(r1).disable(r1).isEnabled());
  }

  @Test
  void ewFlag_concurrentEnableAndDisable_enableWins() {
    EWFlag base = EWFlag.disabled().enable(r1).resetDelta();
    EWFlag disabled = base.disable(r1);
    EWFlag enabled = base.enable(r2);
    assertTrue(disabled.merge(enabled).isEnabled());
    assertTrue(enabled.merge(disabled).isEnabled());
  }

  @Test
  void ewFlag_disableWhenDisabled_returnsSameInstance() {
    EWFlag f = EWFlag.disabled();
    assertSame(f, f.disable(r1));
  }

  @Test
  void dwFlag_concurrentEnableAndDisable_disableWins() {
    DWFlag base = DWFlag.disabled().enable(r1).resetDelta();
    DWFlag disabled = base.disable(r1);
    DWFlag enabled = base.enable(r2);
    assertFalse(disabled.merge(enabled).isEnabled());
    assertFalse(enabled.merge(disabled).isEnabled());
  }

  @Test
  void dwFlag_enableAfterSeenDisable_enables() {
    DWFlag f = DWFlag.disabled().disable(r1).enable(r2);
    assertTrue(f.isEnabled());
    DWFlag other = DWFlag.disabled().disable(r1);
    assertTrue(other.merge(f).isEnabled());
  }

  @Test
  void flags_nullReplica_rejected() {
    assertThrows(NullPointerException.class, () -> EWFlag.disabled().enable(null));
    assertThrows(NullPointerException.class, () -> DWFlag.disabled().disable(null));
  }

  @Test
  void flags_deltaMergedIntoOldState_equalsNewState() {
    EWFlag ew = EWFlag.disabled().enable(r1).resetDelta();
    EWFlag ewAfter = ew.disable(r1);
    assertEquals(ewAfter, ew.merge(ewAfter.delta().orElseThrow()));
    DWFlag dw = DWFlag.disabled().enable(r1).resetDelta();
    DWFlag dwAfter = dw.disable(r2);
    assertEquals(dwAfter, dw.merge(dwAfter.delta().orElseThrow()));
  }
}
