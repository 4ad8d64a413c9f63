package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class WireLimitsTest {

  @Test
  void defaults_areFourMebibytesAMillionElementsAnd1024Replicas() {
    WireLimits d = WireLimits.defaults();

    assertEquals(4 * 1024 * 1024, d.maxMessageBytes());
    assertEquals(1_000_000, d.maxElements());
    assertEquals(1024, d.maxReplicas());
  }

  @Test
  void withX_changesOneLimitOnly() {
    WireLimits d = WireLimits.defaults();

    assertEquals(new WireLimits(10, 1_000_000, 1024), d.withMaxMessageBytes(10));
    assertEquals(new WireLimits(4 * 1024 * 1024, 10, 1024), d.withMaxElements(10));
    assertEquals(new WireLimits(4 * 1024 * 1024, 1_000_000, 10), d.withMaxReplicas(10));
  }

  @Test
  void constructor_zeroLimit_throwsIllegalArgumentNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new WireLimits(1, 0, 1));

    assertTrue(e.getMessage().contains("maxElements=0"), e::getMessage);
  }

  @Test
  void withMaxMessageBytes_negative_throwsIllegalArgumentNamingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WireLimits.defaults().withMaxMessageBytes(-1));

    assertTrue(e.getMessage().contains("maxMessageBytes=-1"), e::getMessage);
  }

  @Test
  void withMaxReplicas_zero_throwsIllegalArgumentNamingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> WireLimits.defaults().withMaxReplicas(0));

    assertTrue(e.getMessage().contains("maxReplicas=0"), e::getMessage);
  }
}
