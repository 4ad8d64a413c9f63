package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.converge.replication.wire.v1.Reject;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

final class WireExceptionTest {

  @Test
  void reason_mirrorsRejectReason_constantByConstant() {
    List<String> wire =
        Arrays.stream(Reject.Reason.values())
            .filter(r -> r != Reject.Reason.REASON_UNSPECIFIED && r != Reject.Reason.UNRECOGNIZED)
            .map(Enum::name)
            .collect(Collectors.toList());
    List<String> ours =
        Arrays.stream(WireException.Reason.values()).map(Enum::name).collect(Collectors.toList());

    assertEquals(wire, ours);
    for (WireException.Reason r : WireException.Reason.values()) {
      assertEquals(r.name(), r.toWire().name());
      assertSame(r, WireException.Reason.fromWire(r.toWire()));
    }
  }

  @Test
  void fromWire_unspecifiedOrUnrecognized_isMalformed() {
    assertSame(
        WireException.Reason.MALFORMED,
        WireException.Reason.fromWire(Reject.Reason.REASON_UNSPECIFIED));
    assertSame(
        WireException.Reason.MALFORMED, WireException.Reason.fromWire(Reject.Reason.UNRECOGNIZED));
  }

  @Test
  void fromWire_null_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> WireException.Reason.fromWire(null));
  }

  @Test
  void message_isReasonThenDetail() {
    WireException e = new WireException(WireException.Reason.OVERSIZED, "too big: n=5");

    assertEquals("OVERSIZED: too big: n=5", e.getMessage());
    assertEquals("too big: n=5", e.detail());
    assertSame(WireException.Reason.OVERSIZED, e.reason());
    assertNull(e.getCause());
  }

  @Test
  void toReject_carriesReasonAndDetail() {
    Reject reject =
        new WireException(WireException.Reason.TYPE_MISMATCH, "key k is a GSet").toReject();

    assertEquals(Reject.Reason.TYPE_MISMATCH, reject.getReason());
    assertEquals("key k is a GSet", reject.getDetail());
  }

  @Test
  void constructor_nullReasonOrDetail_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> new WireException(null, "x"));
    assertThrows(
        NullPointerException.class, () -> new WireException(WireException.Reason.MALFORMED, null));
  }
}
