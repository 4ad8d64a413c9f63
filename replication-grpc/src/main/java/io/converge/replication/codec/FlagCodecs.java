package io.converge.replication.codec;

import io.converge.clocks.CausalContext;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.FlagState;

/**
 * The codecs of the flags, which share {@code FlagState}: the context, the live enables and (for
 * {@link DWFlag} only) the live disables, each sorted by dot. {@link WireLimits#maxElements()}
 * bounds each dot list and the context's cloud.
 */
final class FlagCodecs {

  private static final String MESSAGE = "FlagState";

  private FlagCodecs() {}

  static FlagState toMessage(
      WireParts.FlagParts parts, boolean bare, AbstractCausalCodec<?, FlagState> codec) {
    codec.limits.checkElements(MESSAGE + " enables", parts.enables().size());
    codec.limits.checkElements(MESSAGE + " disables", parts.disables().size());
    FlagState.Builder b = FlagState.newBuilder();
    if (!bare && !parts.context().equals(CausalContext.empty())) {
      b.setContext(codec.contextToWire(parts.context()));
    }
    // The parts list enables and disables sorted.
    return b.addAllEnables(CausalWire.dotsToWire(parts.enables()))
        .addAllDisables(CausalWire.dotsToWire(parts.disables()))
        .build();
  }

  static WireParts.FlagParts fromMessage(FlagState m, CausalContext context, WireLimits limits) {
    return new WireParts.FlagParts(
        CausalWire.dots(m.getEnablesList(), MESSAGE + " enables", limits),
        CausalWire.dots(m.getDisablesList(), MESSAGE + " disables", limits),
        context);
  }

  /** {@code FlagState} of an {@link EWFlag}: disables is always empty. */
  static final class EWFlagCodec extends AbstractCausalCodec<EWFlag, FlagState> {

    EWFlagCodec(WireLimits limits) {
      super(MESSAGE, FlagState.parser(), limits);
    }

    @Override
    public String typeName() {
      return "EWFlag";
    }

    @Override
    public EWFlag zero() {
      return EWFlag.disabled();
    }

    @Override
    FlagState toMessage(EWFlag value, boolean bare) {
      return FlagCodecs.toMessage(WireParts.of(value), bare, this);
    }

    @Override
    io.converge.replication.wire.v1.CausalContext contextOf(FlagState m) {
      return m.getContext();
    }

    @Override
    EWFlag fromMessage(FlagState m, CausalContext context, CausalContext scope, boolean bare) {
      // WireParts refuses disables, which an enable-wins flag does not have.
      return WireParts.toEWFlag(FlagCodecs.fromMessage(m, context, limits), scope);
    }

    @Override
    public String toString() {
      return "CrdtCodec.ewFlag(" + limits + ")";
    }
  }

  /** {@code FlagState} of a {@link DWFlag}. */
  static final class DWFlagCodec extends AbstractCausalCodec<DWFlag, FlagState> {

    DWFlagCodec(WireLimits limits) {
      super(MESSAGE, FlagState.parser(), limits);
    }

    @Override
    public String typeName() {
      return "DWFlag";
    }

    @Override
    public DWFlag zero() {
      return DWFlag.disabled();
    }

    @Override
    FlagState toMessage(DWFlag value, boolean bare) {
      return FlagCodecs.toMessage(WireParts.of(value), bare, this);
    }

    @Override
    io.converge.replication.wire.v1.CausalContext contextOf(FlagState m) {
      return m.getContext();
    }

    @Override
    DWFlag fromMessage(FlagState m, CausalContext context, CausalContext scope, boolean bare) {
      // WireParts refuses a dot that is both an enable and a disable.
      return WireParts.toDWFlag(FlagCodecs.fromMessage(m, context, limits), scope);
    }

    @Override
    public String toString() {
      return "CrdtCodec.dwFlag(" + limits + ")";
    }
  }
}
