package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The encodings of recent versions, shared by digests, transfers and checkpoints. */
final class EncodedStatesTest {

  private final EncodedStates cache = new EncodedStates(100);

  @Test
  void get_sameStateInstance_returnsTheHeldBytes() {
    Object state = new Object();
    byte[] bytes = new byte[10];
    cache.put("k", state, bytes, 0);
    assertSame(bytes, cache.get("k", state, 0));
  }

  @Test
  void get_anotherStateOfTheKey_nullAndDropped() {
    Object state = new Object();
    cache.put("k", state, new byte[10], 0);
    assertNull(cache.get("k", new Object(), 0));
    assertEquals(0, cache.size());
    assertEquals(0, cache.bytes());
    assertNull(cache.get("k", state, 0), "dropped, not kept for the old state");
  }

  @Test
  void put_beyondTheBound_dropsTheLeastRecentlyUsed() {
    Object a = new Object();
    Object b = new Object();
    Object c = new Object();
    cache.put("a", a, new byte[40], 0);
    cache.put("b", b, new byte[40], 0);
    cache.get("a", a, 0); // a is used after b
    cache.put("c", c, new byte[40], 0);
    assertNull(cache.get("b", b, 0));
    assertEquals(80, cache.bytes());
  }

  @Test
  void put_oneLargerThanTheBound_keptAlone() {
    Object a = new Object();
    Object big = new Object();
    cache.put("a", a, new byte[40], 0);
    byte[] bytes = new byte[500];
    cache.put("big", big, bytes, 0);
    assertSame(bytes, cache.get("big", big, 0));
    assertNull(cache.get("a", a, 0));
    assertEquals(500, cache.bytes());
  }

  @Test
  void put_sameKeyAgain_replacesAndCountsOnce() {
    cache.put("k", new Object(), new byte[30], 0);
    cache.put("k", new Object(), new byte[20], 0);
    assertEquals(20, cache.bytes());
    assertEquals(1, cache.size());
  }

  @Test
  void expire_dropsEntriesNotUsedForTwoRounds() {
    Object used = new Object();
    Object idle = new Object();
    cache.put("used", used, new byte[10], 5);
    cache.put("idle", idle, new byte[10], 5);
    cache.expire(6);
    assertEquals(2, cache.size());
    cache.get("used", used, 6);
    cache.expire(7);
    assertNull(cache.get("idle", idle, 7));
    assertEquals(10, cache.bytes());
    cache.expire(8);
    assertEquals(0, cache.size(), "used at 6, not at 7 or 8");
  }
}
