package io.converge.replication.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class FsyncPolicyTest {

  @Test
  void toString_namesPolicy() {
    assertEquals("always", FsyncPolicy.always().toString());
    assertEquals("none", FsyncPolicy.none().toString());
    assertEquals("group(PT0.005S)", FsyncPolicy.group(Duration.ofMillis(5)).toString());
  }

  @Test
  void equals_byKindAndDelay() {
    assertEquals(FsyncPolicy.group(Duration.ofMillis(5)), FsyncPolicy.group(Duration.ofMillis(5)));
    assertEquals(
        FsyncPolicy.group(Duration.ofMillis(5)).hashCode(),
        FsyncPolicy.group(Duration.ofMillis(5)).hashCode());
    assertNotEquals(
        FsyncPolicy.group(Duration.ofMillis(5)), FsyncPolicy.group(Duration.ofMillis(6)));
    assertNotEquals(FsyncPolicy.always(), FsyncPolicy.none());
    assertEquals(Duration.ZERO, FsyncPolicy.always().maxDelay());
  }

  @Test
  void group_bounds_inclusive() {
    assertEquals(Duration.ofNanos(1000), FsyncPolicy.group(Duration.ofNanos(1000)).maxDelay());
    assertEquals(Duration.ofSeconds(10), FsyncPolicy.group(Duration.ofSeconds(10)).maxDelay());
  }

  @Test
  void group_outOfRange_throwsWithValue() {
    var e =
        assertThrows(
            IllegalArgumentException.class, () -> FsyncPolicy.group(Duration.ofNanos(999)));
    assertTrue(e.getMessage().contains("PT0.000000999S"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> FsyncPolicy.group(Duration.ofSeconds(11)));
    assertTrue(e.getMessage().contains("PT11S"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> FsyncPolicy.group(Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> FsyncPolicy.group(null));
  }
}
