package io.converge.replication.codec;

import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;

/**
 * Encodes the states (and so the deltas, which are states) of one CRDT type to the bytes of its
 * state message in {@code replication.proto}, and decodes them back. The bytes are what travels in
 * {@code KeyedDelta.payload} and {@code FullStateChunk.payload}, next to {@link #typeName()}.
 *
 * <p>Encoding is deterministic: equal states encode to byte-identical arrays, however they were
 * built (in whatever order elements were added or states merged), because anti-entropy compares
 * hashes of these bytes. Only the state is encoded; a pending delta is not (encode {@code
 * state.delta().orElseThrow()} to ship the delta). Decoding treats its input as untrusted (see the
 * package documentation), accepts only the canonical form, and returns a state with no pending
 * delta that is equal to the one encoded.
 *
 * <p>The codecs returned here are immutable and thread-safe (those of sets and registers if their
 * {@link ElementCodec} is).
 *
 * @param <T> the CRDT type
 */
public interface CrdtCodec<T> {

  /**
   * Returns the name of the type on the wire, such as {@code "GCounter"}: the {@code type} of a
   * {@code KeyedDelta} or {@code FullStateChunk}. The element type of a set or register is not part
   * of it; peers must agree on it per key.
   *
   * @return the type name
   */
  String typeName();

  /**
   * Encodes a state.
   *
   * @param state the state, never null
   * @return a new array holding the state message
   * @throws NullPointerException if {@code state} is null
   * @throws IllegalArgumentException if an element or value cannot be encoded by its {@link
   *     ElementCodec}
   * @throws WireException OVERSIZED if the state has more elements or replicas, or encodes to more
   *     bytes, than the codec's {@link WireLimits} allow, so that a peer with the same limits would
   *     refuse it
   */
  byte[] encode(T state);

  /**
   * Decodes a state from untrusted bytes.
   *
   * @param bytes a state message; not modified
   * @return the state, with no pending delta
   * @throws NullPointerException if {@code bytes} is null
   * @throws WireException OVERSIZED if the bytes, elements or replicas exceed the codec's {@link
   *     WireLimits}; MALFORMED if the bytes do not parse or break a rule of the state message. The
   *     message names the offending value
   */
  T decode(byte[] bytes);

  /**
   * Returns the codec of {@link GCounter} (message {@code GCounterState}, type {@code "GCounter"})
   * with the {@linkplain WireLimits#defaults() default limits}.
   *
   * @return the codec
   */
  static CrdtCodec<GCounter> gCounter() {
    return gCounter(WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link GCounter} (message {@code GCounterState}, type {@code "GCounter"}).
   *
   * @param limits the limits to check
   * @return the codec
   * @throws NullPointerException if {@code limits} is null
   */
  static CrdtCodec<GCounter> gCounter(WireLimits limits) {
    return new CounterCodecs.GCounterCodec(limits);
  }

  /**
   * Returns the codec of {@link PNCounter} (message {@code PNCounterState}, type {@code
   * "PNCounter"}) with the {@linkplain WireLimits#defaults() default limits}.
   *
   * @return the codec
   */
  static CrdtCodec<PNCounter> pnCounter() {
    return pnCounter(WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link PNCounter} (message {@code PNCounterState}, type {@code
   * "PNCounter"}). {@link WireLimits#maxReplicas()} applies to P and N each.
   *
   * @param limits the limits to check
   * @return the codec
   * @throws NullPointerException if {@code limits} is null
   */
  static CrdtCodec<PNCounter> pnCounter(WireLimits limits) {
    return new CounterCodecs.PNCounterCodec(limits);
  }

  /**
   * Returns the codec of {@link GSet} (message {@code GSetState}, type {@code "GSet"}) with the
   * {@linkplain WireLimits#defaults() default limits}.
   *
   * @param elements the codec of the elements
   * @param <E> the element type
   * @return the codec
   * @throws NullPointerException if {@code elements} is null
   */
  static <E> CrdtCodec<GSet<E>> gSet(ElementCodec<E> elements) {
    return gSet(elements, WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link GSet} (message {@code GSetState}, type {@code "GSet"}). Elements
   * are written sorted by their encoded bytes (unsigned lexicographic order), so equal sets encode
   * alike whatever order their elements were added in.
   *
   * @param elements the codec of the elements; must be injective (see {@link ElementCodec})
   * @param limits the limits to check
   * @param <E> the element type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  static <E> CrdtCodec<GSet<E>> gSet(ElementCodec<E> elements, WireLimits limits) {
    return new GSetCodec<>(elements, limits);
  }

  /**
   * Returns the codec of {@link LWWRegister} (message {@code LWWRegisterState}, type {@code
   * "LWWRegister"}) with the {@linkplain WireLimits#defaults() default limits}.
   *
   * @param values the codec of the value
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if {@code values} is null
   */
  static <V> CrdtCodec<LWWRegister<V>> lwwRegister(ElementCodec<V> values) {
    return lwwRegister(values, WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link LWWRegister} (message {@code LWWRegisterState}, type {@code
   * "LWWRegister"}): the value, the timestamp and the writer of the winning write, or nothing for
   * the empty register (which encodes to no bytes).
   *
   * @param values the codec of the value
   * @param limits the limits to check
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  static <V> CrdtCodec<LWWRegister<V>> lwwRegister(ElementCodec<V> values, WireLimits limits) {
    return new LWWRegisterCodec<>(values, limits);
  }

  // --- causal CRDTs (causal.proto) -------------------------------------------------------------

  /**
   * Returns the codec of {@link ORSet} (message {@code ORSetState}, type {@code "ORSet"}) with the
   * {@linkplain WireLimits#defaults() default limits}.
   *
   * @param elements the codec of the elements
   * @param <E> the element type
   * @return the codec
   * @throws NullPointerException if {@code elements} is null
   */
  static <E> CausalCodec<ORSet<E>> orSet(ElementCodec<E> elements) {
    return orSet(elements, WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link ORSet} (message {@code ORSetState}, type {@code "ORSet"}): the
   * context, the live elements sorted by their encoded bytes (unsigned lexicographic order), each
   * with its live dots sorted, and for a delta the elements it concerns and its causal
   * dependencies. {@link WireLimits#maxElements()} bounds the elements, the live dots of all
   * elements together, the touched elements of a delta and each context's cloud.
   *
   * @param elements the codec of the elements; must be injective (see {@link ElementCodec})
   * @param limits the limits to check
   * @param <E> the element type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  static <E> CausalCodec<ORSet<E>> orSet(ElementCodec<E> elements, WireLimits limits) {
    return new ORSetCodec<>(elements, limits);
  }

  /**
   * Returns the codec of {@link MVRegister} (message {@code MVRegisterState}, type {@code
   * "MVRegister"}) with the {@linkplain WireLimits#defaults() default limits}.
   *
   * @param values the codec of the values
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if {@code values} is null
   */
  static <V> CausalCodec<MVRegister<V>> mvRegister(ElementCodec<V> values) {
    return mvRegister(values, WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link MVRegister} (message {@code MVRegisterState}, type {@code
   * "MVRegister"}): the context and the live siblings sorted by dot, each with its timestamp and
   * encoded value. {@link WireLimits#maxElements()} bounds the siblings and the context's cloud.
   *
   * @param values the codec of the values
   * @param limits the limits to check
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  static <V> CausalCodec<MVRegister<V>> mvRegister(ElementCodec<V> values, WireLimits limits) {
    return new MVRegisterCodec<>(values, limits);
  }

  /**
   * Returns the codec of {@link EWFlag} (message {@code FlagState}, type {@code "EWFlag"}) with the
   * {@linkplain WireLimits#defaults() default limits}.
   *
   * @return the codec
   */
  static CausalCodec<EWFlag> ewFlag() {
    return ewFlag(WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link EWFlag} (message {@code FlagState}, type {@code "EWFlag"}): the
   * context and the live enables, sorted; a {@code FlagState} with disables is refused. {@link
   * WireLimits#maxElements()} bounds the enables and the context's cloud.
   *
   * @param limits the limits to check
   * @return the codec
   * @throws NullPointerException if {@code limits} is null
   */
  static CausalCodec<EWFlag> ewFlag(WireLimits limits) {
    return new FlagCodecs.EWFlagCodec(limits);
  }

  /**
   * Returns the codec of {@link DWFlag} (message {@code FlagState}, type {@code "DWFlag"}) with the
   * {@linkplain WireLimits#defaults() default limits}.
   *
   * @return the codec
   */
  static CausalCodec<DWFlag> dwFlag() {
    return dwFlag(WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link DWFlag} (message {@code FlagState}, type {@code "DWFlag"}): the
   * context and the live enables and disables, each sorted. {@link WireLimits#maxElements()} bounds
   * the enables, the disables and the context's cloud.
   *
   * @param limits the limits to check
   * @return the codec
   * @throws NullPointerException if {@code limits} is null
   */
  static CausalCodec<DWFlag> dwFlag(WireLimits limits) {
    return new FlagCodecs.DWFlagCodec(limits);
  }

  /**
   * Returns the codec of {@link CausalCounter} (message {@code CausalCounterState}, type {@code
   * "CausalCounter"}) with the {@linkplain WireLimits#defaults() default limits}.
   *
   * @return the codec
   */
  static CausalCodec<CausalCounter> causalCounter() {
    return causalCounter(WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link CausalCounter} (message {@code CausalCounterState}, type {@code
   * "CausalCounter"}): the context and the live changes sorted by dot, each with its signed amount.
   * {@link WireLimits#maxElements()} bounds the changes and the context's cloud.
   *
   * @param limits the limits to check
   * @return the codec
   * @throws NullPointerException if {@code limits} is null
   */
  static CausalCodec<CausalCounter> causalCounter(WireLimits limits) {
    return new CausalCounterCodec(limits);
  }

  /**
   * Returns the codec of {@link ORMap} (message {@code ORMapState}, type {@code "ORMap"}) with the
   * {@linkplain WireLimits#defaults() default limits}.
   *
   * @param keys the codec of the keys
   * @param values the codec of the values, which may itself be an {@code orMap} codec
   * @param <K> the key type
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  static <K, V extends CausalCrdt<V>> CausalCodec<ORMap<K, V>> orMap(
      ElementCodec<K> keys, CausalCodec<V> values) {
    return orMap(keys, values, WireLimits.defaults());
  }

  /**
   * Returns the codec of {@link ORMap} (message {@code ORMapState}, type {@code "ORMap"}): the
   * context, the present keys sorted by their encoded bytes (unsigned lexicographic order), each
   * with its value as a bare store ({@link CausalCodec#encodeStore}, no context: the map's context
   * scopes it), and for a delta the keys it concerns and its causal dependencies. Maps nest: the
   * value codec may be another {@code orMap} codec. {@link WireLimits#maxElements()} bounds the
   * keys, the touched keys of a delta and each context's cloud; each value is bounded by the limits
   * of {@code values}.
   *
   * @param keys the codec of the keys; must be injective (see {@link ElementCodec})
   * @param values the codec of the values
   * @param limits the limits to check
   * @param <K> the key type
   * @param <V> the value type
   * @return the codec
   * @throws NullPointerException if an argument is null
   */
  static <K, V extends CausalCrdt<V>> CausalCodec<ORMap<K, V>> orMap(
      ElementCodec<K> keys, CausalCodec<V> values, WireLimits limits) {
    return new ORMapCodec<>(keys, values, limits);
  }
}
