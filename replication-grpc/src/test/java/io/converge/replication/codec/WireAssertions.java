package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.function.Executable;

/** Assertions on refused input. */
final class WireAssertions {

  private WireAssertions() {}

  /**
   * Asserts that {@code action} throws a {@link WireException} with {@code reason} whose message
   * contains each of {@code fragments} (the offending value, where it was).
   */
  static WireException assertRefused(
      WireException.Reason reason, Executable action, String... fragments) {
    WireException e = assertThrows(WireException.class, action);
    assertEquals(reason, e.reason(), e::getMessage);
    assertTrue(
        e.getMessage().startsWith(reason + ": "), () -> "no reason in front: " + e.getMessage());
    for (String fragment : fragments) {
      assertTrue(
          e.getMessage().contains(fragment),
          () -> "message does not contain \"" + fragment + "\": " + e.getMessage());
    }
    return e;
  }
}
