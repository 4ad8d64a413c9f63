package io.converge.replication;

import io.converge.crdt.CausalCounter;
import io.converge.crdt.CausalCrdt;
import io.converge.crdt.DWFlag;
import io.converge.crdt.DeltaCrdt;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.GSet;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.replication.codec.CausalCodec;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import java.util.Objects;

/**
 * The name of one replicated value, bound to its CRDT type: the codec that puts it on the wire and
 * the zero value it has before anything was written. A key is bound to one type on every replica; a
 * delta that arrives for it with another type is refused (see {@link Replica}).
 *
 * <p>Two keys are equal when their names and wire type names are equal; the element codec of a set
 * or register is not compared, so replicas (and the code of one replica) must agree on it per name.
 *
 * <p>This class is immutable and thread-safe (if its element codecs are).
 *
 * @param <T> the CRDT type of the value
 */
public final class Key<T extends DeltaCrdt<T>> {

  /** The longest name a key may have, in characters. */
  public static final int MAX_NAME_LENGTH = 256;

  private final String name;
  private final CrdtCodec<T> codec;
  private final T zero;

  private Key(String name, CrdtCodec<T> codec, T zero) {
    this.name = checkName(name);
    this.codec = Objects.requireNonNull(codec, "codec");
    this.zero = Objects.requireNonNull(zero, "zero");
  }

  /**
   * Returns a key bound to any CRDT type, given its codec and zero value.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @param codec the codec of the type
   * @param zero the value of the key before any write, with no pending delta
   * @param <T> the CRDT type
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static <T extends DeltaCrdt<T>> Key<T> of(String name, CrdtCodec<T> codec, T zero) {
    return new Key<>(name, codec, zero);
  }

  /**
   * Returns a {@link GCounter} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static Key<GCounter> gCounter(String name) {
    return new Key<>(name, CrdtCodec.gCounter(), GCounter.empty());
  }

  /**
   * Returns a {@link PNCounter} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static Key<PNCounter> pnCounter(String name) {
    return new Key<>(name, CrdtCodec.pnCounter(), PNCounter.empty());
  }

  /**
   * Returns a {@link GSet} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @param elements the codec of the elements
   * @param <E> the element type
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static <E> Key<GSet<E>> gSet(String name, ElementCodec<E> elements) {
    return new Key<>(name, CrdtCodec.gSet(elements), GSet.empty());
  }

  /**
   * Returns an {@link ORSet} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @param elements the codec of the elements
   * @param <E> the element type
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static <E> Key<ORSet<E>> orSet(String name, ElementCodec<E> elements) {
    return new Key<>(name, CrdtCodec.orSet(elements), ORSet.empty());
  }

  /**
   * Returns an {@link LWWRegister} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @param values the codec of the values
   * @param <V> the value type
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static <V> Key<LWWRegister<V>> lwwRegister(String name, ElementCodec<V> values) {
    return new Key<>(name, CrdtCodec.lwwRegister(values), LWWRegister.empty());
  }

  /**
   * Returns an {@link MVRegister} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @param values the codec of the values
   * @param <V> the value type
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static <V> Key<MVRegister<V>> mvRegister(String name, ElementCodec<V> values) {
    return new Key<>(name, CrdtCodec.mvRegister(values), MVRegister.empty());
  }

  /**
   * Returns an {@link EWFlag} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static Key<EWFlag> ewFlag(String name) {
    return new Key<>(name, CrdtCodec.ewFlag(), EWFlag.disabled());
  }

  /**
   * Returns a {@link DWFlag} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static Key<DWFlag> dwFlag(String name) {
    return new Key<>(name, CrdtCodec.dwFlag(), DWFlag.disabled());
  }

  /**
   * Returns a {@link CausalCounter} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @return the key
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static Key<CausalCounter> causalCounter(String name) {
    return new Key<>(name, CrdtCodec.causalCounter(), CausalCounter.zero());
  }

  /**
   * Returns an {@link ORMap} key.
   *
   * @param name the name, 1 to {@value #MAX_NAME_LENGTH} characters
   * @param keys the codec of the map's keys
   * @param values the codec of the map's values
   * @param <K> the map's key type
   * @param <V> the map's value type
   * @return the key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name is empty or too long
   */
  public static <K, V extends CausalCrdt<V>> Key<ORMap<K, V>> orMap(
      String name, ElementCodec<K> keys, CausalCodec<V> values) {
    return new Key<>(name, CrdtCodec.orMap(keys, values), ORMap.empty(values.zero()));
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
      throw new IllegalArgumentException(
          "key name must have 1.."
              + MAX_NAME_LENGTH
              + " characters: length="
              + name.length()
              + ", name="
              + (name.length() > 40 ? name.substring(0, 40) + "..." : "\"" + name + "\""));
    }
    return name;
  }

  /**
   * Returns the name.
   *
   * @return the name
   */
  public String name() {
    return name;
  }

  /**
   * Returns the codec of the type.
   *
   * @return the codec
   */
  public CrdtCodec<T> codec() {
    return codec;
  }

  /**
   * Returns the wire name of the type, as {@link CrdtCodec#typeName()}.
   *
   * @return the type name, such as {@code "GCounter"}
   */
  public String typeName() {
    return codec.typeName();
  }

  /**
   * Returns the value of the key before anything was written.
   *
   * @return the zero value
   */
  public T zero() {
    return zero;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Key<?> other
        && name.equals(other.name)
        && typeName().equals(other.typeName());
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + typeName().hashCode();
  }

  @Override
  public String toString() {
    return "Key[" + name + ": " + typeName() + "]";
  }
}
