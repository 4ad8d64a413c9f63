package io.converge.replication.codec;

import com.google.protobuf.ByteString;
import io.converge.crdt.GSet;
import io.converge.replication.wire.v1.GSetState;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;

/**
 * {@code GSetState}: the encoded elements sorted by their bytes, unsigned. crdt-core has no factory
 * that makes a set from a collection, so the decoder adds each element to the empty set and then
 * drops the delta those adds made.
 */
final class GSetCodec<E> implements CrdtCodec<GSet<E>> {

  private static final String MESSAGE = "GSetState";

  private static final Comparator<ByteString> ORDER =
      ByteString.unsignedLexicographicalComparator();

  private final ElementCodec<E> elements;
  private final WireLimits limits;

  GSetCodec(ElementCodec<E> elements, WireLimits limits) {
    this.elements = Objects.requireNonNull(elements, "elements");
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  @Override
  public String typeName() {
    return "GSet";
  }

  @Override
  public byte[] encode(GSet<E> state) {
    Set<E> set = state.elements();
    limits.checkElements(MESSAGE, set.size());
    ByteString[] encoded = new ByteString[set.size()];
    int i = 0;
    for (E e : set) {
      encoded[i++] = ByteString.copyFrom(elements.encode(e));
    }
    Arrays.sort(encoded, ORDER);
    GSetState.Builder b = GSetState.newBuilder();
    for (int j = 0; j < encoded.length; j++) {
      if (j > 0 && encoded[j].equals(encoded[j - 1])) {
        throw new IllegalArgumentException(
            elements
                + " is not injective: two different elements of the set encode to "
                + Wire.hex(encoded[j]));
      }
      b.addElements(encoded[j]);
    }
    return Wire.serialize(b.build(), MESSAGE, limits);
  }

  @Override
  public GSet<E> decode(byte[] bytes) {
    GSetState state = Wire.parse(bytes, GSetState.parser(), MESSAGE, limits);
    int n = state.getElementsCount();
    limits.checkElements(MESSAGE, n);
    GSet<E> set = GSet.empty();
    ByteString previous = null;
    for (int i = 0; i < n; i++) {
      ByteString b = state.getElements(i);
      if (previous != null) {
        int c = ORDER.compare(previous, b);
        if (c == 0) {
          throw new WireException(
              WireException.Reason.MALFORMED,
              MESSAGE
                  + " has a duplicate element: element "
                  + i
                  + " "
                  + Wire.hex(b)
                  + " repeats element "
                  + (i - 1));
        }
        if (c > 0) {
          throw new WireException(
              WireException.Reason.MALFORMED,
              MESSAGE
                  + " elements must be sorted by their bytes: element "
                  + i
                  + " "
                  + Wire.hex(b)
                  + " comes after "
                  + Wire.hex(previous));
        }
      }
      E element = Wire.decodeElement(elements, b, MESSAGE + " element " + i);
      GSet<E> next = set.add(element);
      if (next == set) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            MESSAGE
                + " element "
                + i
                + " "
                + Wire.hex(b)
                + " decodes to "
                + element
                + ", which an earlier element already decoded to ("
                + elements
                + " is not injective)");
      }
      set = next;
      previous = b;
    }
    return set.resetDelta();
  }

  @Override
  public String toString() {
    return "CrdtCodec.gSet(" + elements + ", " + limits + ")";
  }
}
