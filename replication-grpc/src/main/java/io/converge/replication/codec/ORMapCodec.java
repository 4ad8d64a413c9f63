package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.converge.clocks.CausalContext;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.ORMap;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.ORMapEntry;
import io.converge.replication.wire.v1.ORMapState;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * {@code ORMapState}: the context, the present keys sorted by their encoded bytes, each with its
 * value as a bare store encoded by the value codec ({@link CausalCodec#encodeStore}), the delta
 * part of a delta and the closed flag of a full state. Values are decoded with the top-level map's
 * context as their scope, so a map nested in a map passes the outer context down. {@link
 * WireLimits#maxElements()} bounds the entries, the touched keys of a delta and each context's
 * cloud; each value is bounded by the value codec's own limits.
 */
final class ORMapCodec<K, V extends CausalCrdt<V>>
    extends AbstractCausalCodec<ORMap<K, V>, ORMapState> {

  private static final String MESSAGE = "ORMapState";

  private final ElementCodec<K> keys;
  private final CausalCodec<V> values;

  ORMapCodec(ElementCodec<K> keys, CausalCodec<V> values, WireLimits limits) {
    super(MESSAGE, ORMapState.parser(), limits);
    this.keys = Objects.requireNonNull(keys, "keys");
    this.values = Objects.requireNonNull(values, "values");
  }

  @Override
  public String typeName() {
    return "ORMap";
  }

  @Override
  public ORMap<K, V> zero() {
    return ORMap.empty(values.zero());
  }

  @Override
  ORMapState toMessage(ORMap<K, V> value, boolean bare) {
    WireParts.ORMapParts<K, V> parts = WireParts.of(value);
    Map<K, V> entries = parts.values();
    limits.checkElements(MESSAGE + " entries", entries.size());
    ORMapState.Builder b = ORMapState.newBuilder();
    if (!bare && !parts.context().equals(CausalContext.empty())) {
      b.setContext(contextToWire(parts.context()));
    }
    for (CausalWire.Encoded<K> k : CausalWire.sortedByBytes(entries.keySet(), keys, "key")) {
      // The parts hold each value as a bare store.
      byte[] store = values.encodeStore(entries.get(k.value()));
      b.addEntries(
          ORMapEntry.newBuilder()
              .setKey(k.bytes())
              .setValue(UnsafeByteOperations.unsafeWrap(store)));
    }
    if (!bare) {
      if (parts.delta() != null) {
        b.setDelta(CausalWire.deltaToWire(parts.delta(), keys, MESSAGE + ".delta", limits));
      } else if (parts.closed()) {
        b.setClosed(true);
      }
    }
    return b.build();
  }

  @Override
  io.converge.replication.wire.v1.CausalContext contextOf(ORMapState m) {
    return m.getContext();
  }

  @Override
  ORMap<K, V> fromMessage(ORMapState m, CausalContext context, CausalContext scope, boolean bare) {
    if (bare) {
      checkBare(m.hasDelta(), m.getClosed());
    } else {
      checkDeltaNotClosed(m.hasDelta(), m.getClosed());
    }
    int n = m.getEntriesCount();
    limits.checkElements(MESSAGE + " entries", n);
    Map<K, V> entries = new LinkedHashMap<>();
    ByteString previous = null;
    for (int i = 0; i < n; i++) {
      ORMapEntry entry = m.getEntries(i);
      String at = MESSAGE + " entry " + i;
      ByteString bytes = entry.getKey();
      CausalWire.checkBytesOrder(previous, bytes, MESSAGE + " entries", "key", i);
      K key = Wire.decodeElement(keys, bytes, at + " key");
      V v;
      try {
        v = values.decodeStore(entry.getValue().toByteArray(), scope);
      } catch (WireException e) {
        throw new WireException(e.reason(), at + " value (key " + key + "): " + e.detail(), e);
      }
      if (entries.put(key, v) != null) {
        throw CausalWire.notInjective(at + " key", bytes, key, keys);
      }
      previous = bytes;
    }
    WireParts.DeltaParts<K> delta =
        m.hasDelta()
            ? CausalWire.deltaFromWire(m.getDelta(), keys, MESSAGE + ".delta", limits)
            : null;
    return WireParts.toORMap(
        new WireParts.ORMapParts<>(entries, context, delta, m.getClosed()), values.zero(), scope);
  }

  @Override
  public String toString() {
    return "CrdtCodec.orMap(" + keys + ", " + values + ", " + limits + ")";
  }
}
