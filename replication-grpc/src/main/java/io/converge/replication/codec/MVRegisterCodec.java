package io.converge.replication.codec;

import com.google.protobuf.UnsafeByteOperations;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.crdt.MVRegister;
import io.converge.crdt.Versioned;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.MVRegisterState;
import io.converge.replication.wire.v1.Sibling;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * {@code MVRegisterState}: the context and the live writes (siblings) sorted by dot, each with its
 * timestamp and encoded value. {@link WireLimits#maxElements()} bounds the siblings and the
 * context's cloud.
 */
final class MVRegisterCodec<V> extends AbstractCausalCodec<MVRegister<V>, MVRegisterState> {

  private static final String MESSAGE = "MVRegisterState";

  private final ElementCodec<V> values;

  MVRegisterCodec(ElementCodec<V> values, WireLimits limits) {
    super(MESSAGE, MVRegisterState.parser(), limits);
    this.values = Objects.requireNonNull(values, "values");
  }

  @Override
  public String typeName() {
    return "MVRegister";
  }

  @Override
  public MVRegister<V> zero() {
    return MVRegister.empty();
  }

  @Override
  MVRegisterState toMessage(MVRegister<V> value, boolean bare) {
    WireParts.MVRegisterParts<V> parts = WireParts.of(value);
    limits.checkElements(MESSAGE + " siblings", parts.siblings().size());
    MVRegisterState.Builder b = MVRegisterState.newBuilder();
    if (!bare && !parts.context().equals(CausalContext.empty())) {
      b.setContext(contextToWire(parts.context()));
    }
    // The parts list the siblings sorted by dot.
    for (Versioned<V> v : parts.siblings()) {
      b.addSiblings(
          Sibling.newBuilder()
              .setDot(Clocks.toWire(v.dot()))
              .setTimestamp(Clocks.toWire(v.timestamp()))
              .setValue(UnsafeByteOperations.unsafeWrap(values.encode(v.value()))));
    }
    return b.build();
  }

  @Override
  io.converge.replication.wire.v1.CausalContext contextOf(MVRegisterState m) {
    return m.getContext();
  }

  @Override
  MVRegister<V> fromMessage(
      MVRegisterState m, CausalContext context, CausalContext scope, boolean bare) {
    int n = m.getSiblingsCount();
    limits.checkElements(MESSAGE + " siblings", n);
    List<Versioned<V>> siblings = new ArrayList<>(n);
    Dot previous = null;
    for (int i = 0; i < n; i++) {
      Sibling s = m.getSiblings(i);
      String at = MESSAGE + " sibling " + i;
      if (!s.hasDot() || !s.hasTimestamp()) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            at
                + " lacks its "
                + (s.hasDot() ? "timestamp" : "dot")
                + ": dot="
                + (s.hasDot() ? "present" : "absent")
                + ", timestamp="
                + (s.hasTimestamp() ? "present" : "absent"));
      }
      Dot dot = CausalWire.dot(s.getDot(), at + " dot");
      CausalWire.checkDotOrder(previous, dot, MESSAGE + " siblings", "sibling", i);
      HlcTimestamp timestamp = Clocks.timestamp(s.getTimestamp(), at + " timestamp");
      V v = Wire.decodeElement(values, s.getValue(), at + " value");
      siblings.add(new Versioned<>(v, timestamp, dot));
      previous = dot;
    }
    return WireParts.toMVRegister(new WireParts.MVRegisterParts<>(siblings, context), scope);
  }

  @Override
  public String toString() {
    return "CrdtCodec.mvRegister(" + values + ", " + limits + ")";
  }
}
