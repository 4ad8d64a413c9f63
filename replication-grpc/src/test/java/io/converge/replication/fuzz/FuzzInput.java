package io.converge.replication.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads the choices of a structured fuzz target from the front of its input, one after the other,
 * so that a corpus file is readable and writable by hand or by {@link FuzzInputWriter}: each choice
 * is a byte or a fixed number of bytes, each byte string a one-byte length then the bytes. Reading
 * past the end yields zeros and empty strings, so every input is a valid sequence of choices (the
 * fuzzer never wastes an input on a read error).
 *
 * <p>Not thread-safe: one per input.
 */
public final class FuzzInput {

  private final byte[] data;
  private int position;

  /**
   * Reads {@code data}.
   *
   * @param data the fuzzer's input; not copied, not modified
   */
  public FuzzInput(byte[] data) {
    this.data = data;
  }

  /**
   * Returns the next byte, unsigned.
   *
   * @return 0 to 255; 0 past the end
   */
  public int nextByte() {
    return position < data.length ? data[position++] & 0xff : 0;
  }

  /**
   * Returns a choice among {@code n} options, from one byte.
   *
   * @param n the number of options, 1 to 256
   * @return 0 to {@code n - 1}
   */
  public int choice(int n) {
    return nextByte() % n;
  }

  /**
   * Returns whether an option applies, from one byte: odd bytes say yes.
   *
   * @return the answer
   */
  public boolean flag() {
    return (nextByte() & 1) == 1;
  }

  /**
   * Returns a long from the next eight bytes, big-endian.
   *
   * @return any long
   */
  public long nextLong() {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | nextByte();
    }
    return v;
  }

  /**
   * Returns an int from the next four bytes, big-endian.
   *
   * @return any int
   */
  public int nextInt() {
    int v = 0;
    for (int i = 0; i < 4; i++) {
      v = (v << 8) | nextByte();
    }
    return v;
  }

  /**
   * Returns a byte string: a length byte, then that many bytes (fewer at the end of the input).
   *
   * @return the bytes, 0 to 255 of them
   */
  public byte[] bytes() {
    int length = Math.min(nextByte(), data.length - position);
    byte[] b = Arrays.copyOfRange(data, position, position + length);
    position += length;
    return b;
  }

  /**
   * Returns a string decoded from {@link #bytes()} as UTF-8 (malformed sequences replaced).
   *
   * @return the string
   */
  public String string() {
    return new String(bytes(), StandardCharsets.UTF_8);
  }

  /**
   * Returns the rest of the input.
   *
   * @return the bytes not read yet
   */
  public byte[] rest() {
    byte[] b = Arrays.copyOfRange(data, Math.min(position, data.length), data.length);
    position = data.length;
    return b;
  }
}
