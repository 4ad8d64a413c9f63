package io.converge.replication.codec;

import com.google.protobuf.ByteString;

/**
 * Encodes the elements of a set, or the value of a register, to bytes and back, for the {@link
 * CrdtCodec}s of collections and registers.
 *
 * <p>An implementation must be:
 *
 * <ul>
 *   <li><b>deterministic and injective</b>: equal elements encode to equal bytes, and different
 *       elements to different bytes. Sets are encoded sorted by these bytes, so this is what makes
 *       equal sets encode alike.
 *   <li><b>a round trip</b>: {@code decode(encode(e))} equals {@code e}.
 *   <li><b>strict</b>: bytes that {@code encode} cannot have produced are refused by {@code decode}
 *       with a {@link WireException} ({@link WireException.Reason#MALFORMED}) that shows them,
 *       since they come from the network. (If {@code decode} throws another runtime exception, the
 *       calling {@link CrdtCodec} reports it as {@code MALFORMED} too.)
 *   <li>thread-safe.
 * </ul>
 *
 * <p>The built-in codecs {@link #strings()}, {@link #longs()} and {@link #bytes()} are all of
 * these, stateless and thread-safe.
 *
 * @param <E> the element type; immutable, with value-based {@code equals}
 */
public interface ElementCodec<E> {

  /**
   * Encodes an element.
   *
   * @param element the element, never null
   * @return a new array of its bytes, which the caller may keep
   * @throws NullPointerException if {@code element} is null
   * @throws IllegalArgumentException if the element cannot be encoded; the message says why
   */
  byte[] encode(E element);

  /**
   * Decodes an element from untrusted bytes.
   *
   * @param bytes what {@link #encode} produced, or what a peer claims it produced; not modified
   * @return the element, never null
   * @throws NullPointerException if {@code bytes} is null
   * @throws WireException with {@link WireException.Reason#MALFORMED} if the bytes are not the
   *     encoding of an element; the message shows them
   */
  E decode(byte[] bytes);

  /**
   * Returns the codec of strings as UTF-8. Decoding is strict: malformed UTF-8 (an invalid or
   * truncated sequence, an overlong form, an encoded surrogate) is refused, never replaced. A
   * string with an unpaired surrogate has no UTF-8 form, so encoding refuses it with an {@link
   * IllegalArgumentException} instead of writing {@code '?'}, which would not decode to the same
   * string.
   *
   * @return the UTF-8 string codec
   */
  static ElementCodec<String> strings() {
    return ElementCodecs.Utf8.INSTANCE;
  }

  /**
   * Returns the codec of longs as 8 bytes, big-endian two's complement. Decoding refuses any other
   * length.
   *
   * @return the long codec
   */
  static ElementCodec<Long> longs() {
    return ElementCodecs.BigEndianLong.INSTANCE;
  }

  /**
   * Returns the codec of byte strings as themselves. Elements are protobuf {@link ByteString}s
   * rather than {@code byte[]}, because set elements and register values need an immutable type
   * with value-based {@code equals}, which arrays are not.
   *
   * @return the identity codec of byte strings
   */
  static ElementCodec<ByteString> bytes() {
    return ElementCodecs.Bytes.INSTANCE;
  }
}
