package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.crdt.ORSet;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.ORSetEntry;
import io.converge.replication.wire.v1.ORSetState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ORSetState}: the context, the live elements sorted by their encoded bytes with their dots,
 * the delta part of a delta and the closed flag of a full state. {@link WireLimits#maxElements()}
 * bounds the entries, the live dots of all entries together, the touched elements of a delta and
 * each context's cloud.
 */
final class ORSetCodec<E> extends AbstractCausalCodec<ORSet<E>, ORSetState> {

  private static final String MESSAGE = "ORSetState";

  private final ElementCodec<E> elements;

  ORSetCodec(ElementCodec<E> elements, WireLimits limits) {
    super(MESSAGE, ORSetState.parser(), limits);
    this.elements = Objects.requireNonNull(elements, "elements");
  }

  @Override
  public String typeName() {
    return "ORSet";
  }

  @Override
  public ORSet<E> zero() {
    return ORSet.empty();
  }

  @Override
  ORSetState toMessage(ORSet<E> value, boolean bare) {
    WireParts.ORSetParts<E> parts = WireParts.of(value);
    Map<E, List<Dot>> entries = parts.entries();
    limits.checkElements(MESSAGE + " entries", entries.size());
    int dots = 0;
    for (List<Dot> d : entries.values()) {
      dots += d.size();
    }
    limits.checkElements(MESSAGE + " live dots", dots);
    ORSetState.Builder b = ORSetState.newBuilder();
    if (!bare && !parts.context().equals(CausalContext.empty())) {
      b.setContext(contextToWire(parts.context()));
    }
    for (CausalWire.Encoded<E> e :
        CausalWire.sortedByBytes(entries.keySet(), elements, "element")) {
      b.addEntries(
          ORSetEntry.newBuilder()
              .setElement(e.bytes())
              .addAllDots(CausalWire.dotsToWire(entries.get(e.value()))));
    }
    if (!bare) {
      if (parts.delta() != null) {
        b.setDelta(CausalWire.deltaToWire(parts.delta(), elements, MESSAGE + ".delta", limits));
      } else if (parts.closed()) {
        b.setClosed(true);
      }
    }
    return b.build();
  }

  @Override
  io.converge.replication.wire.v1.CausalContext contextOf(ORSetState m) {
    return m.getContext();
  }

  @Override
  ORSet<E> fromMessage(ORSetState m, CausalContext context, CausalContext scope, boolean bare) {
    if (bare) {
      checkBare(m.hasDelta(), m.getClosed());
    } else {
      checkDeltaNotClosed(m.hasDelta(), m.getClosed());
    }
    int n = m.getEntriesCount();
    limits.checkElements(MESSAGE + " entries", n);
    Map<E, List<Dot>> entries = new LinkedHashMap<>();
    ByteString previous = null;
    int dots = 0;
    for (int i = 0; i < n; i++) {
      ORSetEntry entry = m.getEntries(i);
      String at = MESSAGE + " entry " + i;
      ByteString bytes = entry.getElement();
      CausalWire.checkBytesOrder(previous, bytes, MESSAGE + " entries", "element", i);
      dots += entry.getDotsCount();
      limits.checkElements(MESSAGE + " live dots", dots);
      E element = Wire.decodeElement(elements, bytes, at + " element");
      List<Dot> live = CausalWire.dots(entry.getDotsList(), at + " dots", limits);
      if (entries.put(element, live) != null) {
        throw CausalWire.notInjective(at + " element", bytes, element, elements);
      }
      previous = bytes;
    }
    WireParts.DeltaParts<E> delta =
        m.hasDelta()
            ? CausalWire.deltaFromWire(m.getDelta(), elements, MESSAGE + ".delta", limits)
            : null;
    return WireParts.toORSet(
        new WireParts.ORSetParts<>(entries, context, delta, m.getClosed()), scope);
  }

  @Override
  public String toString() {
    return "CrdtCodec.orSet(" + elements + ", " + limits + ")";
  }
}
