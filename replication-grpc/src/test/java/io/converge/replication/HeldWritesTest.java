package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class HeldWritesTest {

  @Test
  void nothingRecorded_everyPeerSettled() {
    HeldWrites h = new HeldWrites();
    assertTrue(h.settled(0));
    assertTrue(h.settled(7));
    assertEquals(0, h.held(3));
    assertEquals(0, h.lacked(3));
  }

  @Test
  void lackedByAll_settledOnlyForAPeerProvenToHoldThatFar() {
    HeldWrites h = new HeldWrites();
    h.lackedByAll(2);
    assertFalse(h.settled(0));
    h.heldBy(0, 1);
    assertFalse(h.settled(0), "holds write 1, may lack write 2");
    h.heldBy(0, 2);
    assertTrue(h.settled(0));
    assertFalse(h.settled(1), "a peer never proven");
    h.heldBy(0, 1);
    assertEquals(2, h.held(0), "a proof never goes back");
  }

  @Test
  void lackedBy_onePeerOnly() {
    HeldWrites h = new HeldWrites();
    h.lackedBy(2, 5);
    assertTrue(h.settled(0));
    assertFalse(h.settled(2));
    assertEquals(5, h.lacked(2));
    h.heldBy(2, 6);
    assertTrue(h.settled(2));
  }

  @Test
  void forget_aPeerThatShowedANewIncarnation_mustBeProvenAgain() {
    HeldWrites h = new HeldWrites();
    h.lackedByAll(1);
    h.heldBy(1, 3);
    h.forget(1);
    h.forget(9); // never recorded: nothing to forget
    assertEquals(0, h.held(1));
    assertFalse(h.settled(1));
  }

  @Test
  void negativePeer_refused() {
    HeldWrites h = new HeldWrites();
    assertThrows(IllegalArgumentException.class, () -> h.heldBy(-1, 1));
  }
}
