package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.KeyedDelta;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One write of a {@link CausalToken}, decoded against this replica's declaration of its key, and
 * whether the replica has seen it: merging it into the value held changes nothing. Made and read
 * under the engine's lock (the value held is read through the function it is given).
 */
final class TokenWrite<T extends DeltaCrdt<T>> {

  private final Key<T> declaration;
  private final T delta;
  private final Function<String, Object> held;

  private TokenWrite(Key<T> declaration, T delta, Function<String, Object> held) {
    this.declaration = declaration;
    this.delta = delta;
    this.held = held;
  }

  /**
   * Resolves and decodes every write of a token, all of them before any is looked at.
   *
   * @param resolve the declaration of a key name on this replica, or null
   * @param held the value this replica holds for a key name, or null if none
   * @throws IllegalArgumentException if a write names a key the replica does not declare, or
   *     declares with another type, or does not decode
   */
  static List<TokenWrite<?>> all(
      CausalToken token,
      ReplicaId self,
      Function<String, Key<?>> resolve,
      Function<String, Object> held) {
    List<TokenWrite<?>> writes = new ArrayList<>(token.size());
    for (KeyedDelta write : token.writes()) {
      writes.add(of(write, self, resolve.apply(write.getKey()), held));
    }
    return writes;
  }

  private static TokenWrite<?> of(
      KeyedDelta write, ReplicaId self, Key<?> declaration, Function<String, Object> held) {
    String name = write.getKey();
    if (declaration == null) {
      throw new IllegalArgumentException(
          "causal token names key " + name + ", which " + self + " does not declare");
    }
    if (!declaration.typeName().equals(write.getType())) {
      throw new IllegalArgumentException(
          "causal token names key "
              + name
              + " as "
              + write.getType()
              + ", but "
              + self
              + " declares it as "
              + declaration.typeName());
    }
    try {
      return decode(declaration, write.getPayload().toByteArray(), held);
    } catch (WireException e) {
      throw new IllegalArgumentException(
          "causal token write to key " + name + " does not decode: " + e.getMessage(), e);
    }
  }

  private static <T extends DeltaCrdt<T>> TokenWrite<T> decode(
      Key<T> declaration, byte[] payload, Function<String, Object> held) {
    return new TokenWrite<>(declaration, declaration.codec().decode(payload), held);
  }

  /** The name of the key written. */
  String key() {
    return declaration.name();
  }

  /**
   * Whether the write is seen: merging it into the value held changes nothing.
   *
   * @throws IllegalArgumentException if it contradicts the value held
   */
  boolean seen() {
    @SuppressWarnings("unchecked")
    T current = (T) held.apply(declaration.name());
    if (current == null) {
      current = declaration.zero();
    }
    T merged;
    try {
      merged = current.merge(delta).resetDelta();
    } catch (IllegalStateException contradiction) {
      throw new IllegalArgumentException(
          "causal token write to key "
              + declaration.name()
              + " contradicts the value held: "
              + contradiction.getMessage(),
          contradiction);
    }
    return merged == current || merged.equals(current);
  }
}
