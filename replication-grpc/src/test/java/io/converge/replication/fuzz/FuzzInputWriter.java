package io.converge.replication.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the choices that a {@link FuzzInput} reads back, to make seed inputs. Not thread-safe. */
public final class FuzzInputWriter {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  /**
   * Writes one byte, read back by {@link FuzzInput#nextByte()} or {@link FuzzInput#choice}.
   *
   * @param b 0 to 255
   * @return this writer
   */
  public FuzzInputWriter choice(int b) {
    out.write(b);
    return this;
  }

  /**
   * Writes a flag, read back by {@link FuzzInput#flag()}.
   *
   * @param yes the flag
   * @return this writer
   */
  public FuzzInputWriter flag(boolean yes) {
    return choice(yes ? 1 : 0);
  }

  /**
   * Writes a long, read back by {@link FuzzInput#nextLong()}.
   *
   * @param v the value
   * @return this writer
   */
  public FuzzInputWriter nextLong(long v) {
    for (int i = 7; i >= 0; i--) {
      out.write((int) (v >>> (8 * i)) & 0xff);
    }
    return this;
  }

  /**
   * Writes an int, read back by {@link FuzzInput#nextInt()}.
   *
   * @param v the value
   * @return this writer
   */
  public FuzzInputWriter nextInt(int v) {
    for (int i = 3; i >= 0; i--) {
      out.write((v >>> (8 * i)) & 0xff);
    }
    return this;
  }

  /**
   * Writes a byte string, read back by {@link FuzzInput#bytes()}.
   *
   * @param b at most 255 bytes
   * @return this writer
   * @throws IllegalArgumentException if {@code b} is longer
   */
  public FuzzInputWriter bytes(byte[] b) {
    if (b.length > 255) {
      throw new IllegalArgumentException("at most 255 bytes: length=" + b.length);
    }
    out.write(b.length);
    out.writeBytes(b);
    return this;
  }

  /**
   * Writes a string as UTF-8, read back by {@link FuzzInput#string()}.
   *
   * @param s the string, at most 255 bytes of UTF-8
   * @return this writer
   */
  public FuzzInputWriter string(String s) {
    return bytes(s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Writes raw bytes, read back by {@link FuzzInput#rest()} when they come last.
   *
   * @param b the bytes
   * @return this writer
   */
  public FuzzInputWriter raw(byte[] b) {
    out.writeBytes(b);
    return this;
  }

  /**
   * Returns what was written.
   *
   * @return a new array
   */
  public byte[] toByteArray() {
    return out.toByteArray();
  }
}
