package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.crdt.WireParts;
import io.converge.replication.wire.v1.DeltaInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The pieces of {@code causal.proto} that several causal codecs share: dot lists, elements and keys
 * sorted by their encoded bytes, and {@code DeltaInfo}. Decoding checks the canonical order
 * (strictly increasing, so no duplicates) and names the offending value and where it was.
 * Stateless.
 */
final class CausalWire {

  static final Comparator<ByteString> BYTES_ORDER = ByteString.unsignedLexicographicalComparator();

  private CausalWire() {}

  /** An element (or key) with its encoding. */
  record Encoded<E>(ByteString bytes, E value) {}

  // --- limits ------------------------------------------------------------------------------------

  /** Refuses a context with more vector entries or cloud dots than the limits allow. */
  static void checkContext(WireLimits limits, String where, CausalContext context) {
    limits.checkReplicas(where + " compact", context.versionVector().size());
    limits.checkElements(where + " cloud", context.cloud().size());
  }

  // --- dots --------------------------------------------------------------------------------------

  /** Returns the messages of dots that are already sorted. */
  static List<io.converge.replication.wire.v1.Dot> dotsToWire(Collection<Dot> dots) {
    List<io.converge.replication.wire.v1.Dot> out = new ArrayList<>(dots.size());
    for (Dot d : dots) {
      out.add(Clocks.toWire(d));
    }
    return out;
  }

  /** Decodes one dot, naming {@code where} in the exception. */
  static Dot dot(io.converge.replication.wire.v1.Dot message, String where) {
    try {
      return Clocks.fromWire(message);
    } catch (WireException e) {
      throw new WireException(e.reason(), where + ": " + e.detail(), e);
    }
  }

  /**
   * Decodes a list of dots that must be sorted by replica id, then counter, without duplicates, and
   * at most {@link WireLimits#maxElements()} long.
   */
  static List<Dot> dots(
      List<io.converge.replication.wire.v1.Dot> messages, String where, WireLimits limits) {
    limits.checkElements(where, messages.size());
    List<Dot> out = new ArrayList<>(messages.size());
    Dot previous = null;
    for (int i = 0; i < messages.size(); i++) {
      Dot d = dot(messages.get(i), where + " dot " + i);
      checkDotOrder(previous, d, where, "dot", i);
      out.add(d);
      previous = d;
    }
    return out;
  }

  /**
   * Refuses {@code current}, the {@code what} at index {@code i} of {@code where}, unless it comes
   * strictly after {@code previous} (null for the first).
   */
  static void checkDotOrder(Dot previous, Dot current, String where, String what, int i) {
    if (previous == null) {
      return;
    }
    int c = previous.compareTo(current);
    if (c == 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          where
              + " has a duplicate dot: "
              + what
              + " "
              + i
              + " ("
              + current
              + ") repeats "
              + what
              + " "
              + (i - 1));
    }
    if (c > 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          where
              + " must be sorted by dot (replica id, then counter): "
              + what
              + " "
              + i
              + " ("
              + current
              + ") comes after "
              + previous);
    }
  }

  // --- elements and keys -------------------------------------------------------------------------

  /**
   * Encodes {@code values} and returns them sorted by their bytes, unsigned.
   *
   * @throws IllegalArgumentException if two values encode alike: the codec is not injective
   */
  static <E> List<Encoded<E>> sortedByBytes(
      Collection<E> values, ElementCodec<E> codec, String what) {
    List<Encoded<E>> out = new ArrayList<>(values.size());
    for (E e : values) {
      // The codec returns a new array that the caller may keep: no copy needed.
      out.add(new Encoded<>(UnsafeByteOperations.unsafeWrap(codec.encode(e)), e));
    }
    out.sort((a, b) -> BYTES_ORDER.compare(a.bytes(), b.bytes()));
    for (int i = 1; i < out.size(); i++) {
      if (out.get(i).bytes().equals(out.get(i - 1).bytes())) {
        throw new IllegalArgumentException(
            codec
                + " is not injective: two different "
                + what
                + "s, "
                + out.get(i - 1).value()
                + " and "
                + out.get(i).value()
                + ", encode to "
                + Wire.hex(out.get(i).bytes()));
      }
    }
    return out;
  }

  /**
   * Refuses {@code current}, the {@code what} of item {@code i} of {@code where}, unless its bytes
   * come strictly after {@code previous} (null for the first).
   */
  static void checkBytesOrder(
      ByteString previous, ByteString current, String where, String what, int i) {
    if (previous == null) {
      return;
    }
    int c = BYTES_ORDER.compare(previous, current);
    if (c == 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          where
              + " has a duplicate "
              + what
              + ": "
              + what
              + " "
              + i
              + " "
              + Wire.hex(current)
              + " repeats "
              + what
              + " "
              + (i - 1));
    }
    if (c > 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          where
              + " must be sorted by "
              + what
              + " bytes (unsigned): "
              + what
              + " "
              + i
              + " "
              + Wire.hex(current)
              + " comes after "
              + Wire.hex(previous));
    }
  }

  /** Refuses a decoded value that an earlier one already decoded to: the codec is not injective. */
  static WireException notInjective(
      String where, ByteString bytes, Object value, ElementCodec<?> codec) {
    return new WireException(
        WireException.Reason.MALFORMED,
        where
            + " "
            + Wire.hex(bytes)
            + " decodes to "
            + value
            + ", which an earlier one already decoded to ("
            + codec
            + " is not injective)");
  }

  // --- DeltaInfo ---------------------------------------------------------------------------------

  /** Returns the message of a delta's parts, touched keys sorted by their encoded bytes. */
  static <K> DeltaInfo deltaToWire(
      WireParts.DeltaParts<K> delta, ElementCodec<K> codec, String where, WireLimits limits) {
    limits.checkElements(where + " touched", delta.touched().size());
    DeltaInfo.Builder b = DeltaInfo.newBuilder();
    for (Encoded<K> k : sortedByBytes(delta.touched(), codec, "touched key")) {
      b.addTouched(k.bytes());
    }
    if (!delta.events().equals(CausalContext.empty())) {
      checkContext(limits, where + ".events", delta.events());
      b.setEvents(Clocks.toWire(delta.events()));
    }
    if (!delta.dependencies().equals(CausalContext.empty())) {
      checkContext(limits, where + ".dependencies", delta.dependencies());
      b.setDependencies(Clocks.toWire(delta.dependencies()));
    }
    return b.build();
  }

  /** Decodes a delta's parts; {@code WireParts} checks them against the state. */
  static <K> WireParts.DeltaParts<K> deltaFromWire(
      DeltaInfo message, ElementCodec<K> codec, String where, WireLimits limits) {
    int n = message.getTouchedCount();
    String touchedAt = where + " touched";
    limits.checkElements(touchedAt, n);
    Set<K> touched = new LinkedHashSet<>();
    ByteString previous = null;
    for (int i = 0; i < n; i++) {
      ByteString bytes = message.getTouched(i);
      checkBytesOrder(previous, bytes, touchedAt, "key", i);
      K key = Wire.decodeElement(codec, bytes, touchedAt + " key " + i);
      if (!touched.add(key)) {
        throw notInjective(touchedAt + " key " + i, bytes, key, codec);
      }
      previous = bytes;
    }
    CausalContext events = Clocks.causalContext(message.getEvents(), limits, where + ".events");
    CausalContext dependencies =
        Clocks.causalContext(message.getDependencies(), limits, where + ".dependencies");
    return new WireParts.DeltaParts<>(touched, events, dependencies);
  }
}
