package io.converge.replication.codec;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.CausalCounterState;
import io.converge.replication.wire.v1.CounterChange;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code CausalCounterState}: the context and the live changes sorted by dot, each with its signed
 * amount (never 0). {@link WireLimits#maxElements()} bounds the changes and the context's cloud.
 */
final class CausalCounterCodec extends AbstractCausalCodec<CausalCounter, CausalCounterState> {

  private static final String MESSAGE = "CausalCounterState";

  CausalCounterCodec(WireLimits limits) {
    super(MESSAGE, CausalCounterState.parser(), limits);
  }

  @Override
  public String typeName() {
    return "CausalCounter";
  }

  @Override
  public CausalCounter zero() {
    return CausalCounter.zero();
  }

  @Override
  CausalCounterState toMessage(CausalCounter value, boolean bare) {
    WireParts.CounterParts parts = WireParts.of(value);
    limits.checkElements(MESSAGE + " changes", parts.changes().size());
    CausalCounterState.Builder b = CausalCounterState.newBuilder();
    if (!bare && !parts.context().equals(CausalContext.empty())) {
      b.setContext(contextToWire(parts.context()));
    }
    // The parts list the changes sorted by dot.
    for (WireParts.Change c : parts.changes()) {
      b.addChanges(CounterChange.newBuilder().setDot(Clocks.toWire(c.dot())).setAmount(c.amount()));
    }
    return b.build();
  }

  @Override
  io.converge.replication.wire.v1.CausalContext contextOf(CausalCounterState m) {
    return m.getContext();
  }

  @Override
  CausalCounter fromMessage(
      CausalCounterState m, CausalContext context, CausalContext scope, boolean bare) {
    int n = m.getChangesCount();
    limits.checkElements(MESSAGE + " changes", n);
    List<WireParts.Change> changes = new ArrayList<>(n);
    Dot previous = null;
    for (int i = 0; i < n; i++) {
      CounterChange c = m.getChanges(i);
      String at = MESSAGE + " change " + i;
      if (!c.hasDot()) {
        throw new WireException(
            WireException.Reason.MALFORMED, at + " lacks its dot: amount=" + c.getAmount());
      }
      Dot dot = CausalWire.dot(c.getDot(), at + " dot");
      CausalWire.checkDotOrder(previous, dot, MESSAGE + " changes", "change", i);
      // WireParts refuses an amount of 0, naming the change's dot.
      changes.add(new WireParts.Change(dot, c.getAmount()));
      previous = dot;
    }
    return WireParts.toCausalCounter(new WireParts.CounterParts(changes, context), scope);
  }

  @Override
  public String toString() {
    return "CrdtCodec.causalCounter(" + limits + ")";
  }
}
