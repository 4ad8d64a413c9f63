package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.LWWRegister;
import io.converge.replication.wire.v1.LWWRegisterState;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code LWWRegisterState}: present, value, timestamp and writer of the winning write; every field
 * at its default for the empty register. A register that holds nothing but has a value, timestamp
 * or writer on the wire, or one that holds a value without a timestamp, is refused: it is not what
 * the encoder writes.
 */
final class LWWRegisterCodec<V> implements CrdtCodec<LWWRegister<V>> {

  private static final String MESSAGE = "LWWRegisterState";

  private final ElementCodec<V> values;
  private final WireLimits limits;

  LWWRegisterCodec(ElementCodec<V> values, WireLimits limits) {
    this.values = Objects.requireNonNull(values, "values");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public String typeName() {
    return "LWWRegister";
  }

  @Override
  public byte[] encode(LWWRegister<V> state) {
    Optional<V> value = state.value();
    LWWRegisterState.Builder b = LWWRegisterState.newBuilder();
    if (value.isPresent()) {
      b.setPresent(true)
          .setValue(ByteString.copyFrom(values.encode(value.get())))
          .setTimestamp(Clocks.toWire(state.timestamp().orElseThrow()))
          .setWriter(state.writer().orElseThrow().name());
    }
    return Wire.serialize(b.build(), MESSAGE, limits);
  }

  @Override
  public LWWRegister<V> decode(byte[] bytes) {
    LWWRegisterState state = Wire.parse(bytes, LWWRegisterState.parser(), MESSAGE, limits);
    if (!state.getPresent()) {
      if (!state.getValue().isEmpty() || state.hasTimestamp() || !state.getWriter().isEmpty()) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            MESSAGE
                + " holds no value (present=false) but has one or a stamp: value="
                + Wire.hex(state.getValue())
                + ", timestamp="
                + (state.hasTimestamp()
                    ? Long.toUnsignedString(state.getTimestamp().getPacked())
                    : "absent")
                + ", writer="
                + Wire.quote(state.getWriter()));
      }
      return LWWRegister.empty();
    }
    if (!state.hasTimestamp()) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          MESSAGE
              + " holds a value but no timestamp: value="
              + Wire.hex(state.getValue())
              + ", writer="
              + Wire.quote(state.getWriter()));
    }
    HlcTimestamp timestamp = Clocks.timestamp(state.getTimestamp(), MESSAGE + ".timestamp");
    ReplicaId writer = Clocks.replicaId(state.getWriter(), MESSAGE + ".writer");
    V value = Wire.decodeElement(values, state.getValue(), MESSAGE + ".value");
    return LWWRegister.of(value, timestamp, writer);
  }

  @Override
  public String toString() {
    return "CrdtCodec.lwwRegister(" + values + ", " + limits + ")";
  }
}
