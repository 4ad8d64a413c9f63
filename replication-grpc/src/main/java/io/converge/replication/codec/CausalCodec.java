package io.converge.replication.codec;

import io.converge.clocks.CausalContext;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.ORMap;

/**
 * A {@link CrdtCodec} of a causal CRDT (a dot store under a causal context), which can also encode
 * the type as a value nested in an {@link ORMap}: a <em>bare store</em>, the value's live writes
 * without a context of their own, whose dots are scoped by the enclosing map's context. That is
 * what lets any causal codec be the value codec of {@link CrdtCodec#orMap(ElementCodec,
 * CausalCodec)}, maps of maps included.
 *
 * <p>The messages are those of {@code causal.proto}. {@link #encode} writes the context, the live
 * dots in canonical order and, for sets and maps, whether the state is a delta (the keys it
 * concerns and its causal dependencies) and whether a full state is closed; equal values with the
 * same delta make-up encode to byte-identical arrays. {@link #decode} checks every invariant a
 * merge relies on (each live dot lies in the context, no dot is live twice, no element or key is
 * empty, a delta lists every key it holds), refusing the input with {@link
 * WireException.Reason#MALFORMED} and a message that names the offending value.
 *
 * <p>The codecs returned by {@link CrdtCodec} are immutable and thread-safe if their {@link
 * ElementCodec}s and value codecs are.
 *
 * @param <T> the causal CRDT type
 */
public interface CausalCodec<T extends CausalCrdt<T>> extends CrdtCodec<T> {

  /**
   * Encodes a value as it is nested in an {@link ORMap}: its live writes only, with no context (the
   * map's context scopes them), no delta part and not closed.
   *
   * @param bareValue a value with an empty context, as the values of {@code
   *     io.converge.crdt.WireParts.of(map)} are
   * @return a new array holding the type's state message without a context
   * @throws NullPointerException if {@code bareValue} is null
   * @throws IllegalArgumentException if {@code bareValue} has a non-empty context, or an element or
   *     value cannot be encoded by its {@link ElementCodec}
   * @throws WireException OVERSIZED if the value is larger than the codec's {@link WireLimits}
   *     allow
   */
  byte[] encodeStore(T bareValue);

  /**
   * Decodes a value nested in an {@link ORMap} from untrusted bytes written by {@link
   * #encodeStore}, checking that each of its live dots lies in {@code scope}.
   *
   * @param bytes a state message without a context; not modified
   * @param scope the context of the top-level map that encloses the value
   * @return the value as a bare store (empty context), with no pending delta
   * @throws NullPointerException if an argument is null
   * @throws WireException OVERSIZED if the bytes, elements or replicas exceed the codec's {@link
   *     WireLimits}; MALFORMED if the bytes do not parse, carry a context, a delta part or the
   *     closed flag, or break a rule of the state message (a live dot outside {@code scope} among
   *     them). The message names the offending value
   */
  T decodeStore(byte[] bytes, CausalContext scope);

  /**
   * Returns the empty, fresh value of the type, such as {@code ORSet.empty()}: the value of the
   * absent keys of a map whose values this codec encodes.
   *
   * @return the zero value
   */
  T zero();
}
