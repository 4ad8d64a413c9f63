package io.converge.replication.antientropy;

/**
 * A 256-bit unsigned number that only ever adds and subtracts, modulo 2^256: the running sum of
 * entry fingerprints that makes a range digest independent of the order in which keys were put.
 * Four words, {@code w0} the most significant, so that adding costs no allocation.
 *
 * <p>Mutable and not thread-safe; {@link KeyDigestTree.Node} extends it to carry its subtree's sum.
 */
class Sum256 {

  long w0;
  long w1;
  long w2;
  long w3;

  final void set(long a0, long a1, long a2, long a3) {
    w0 = a0;
    w1 = a1;
    w2 = a2;
    w3 = a3;
  }

  final void set(Sum256 other) {
    set(other.w0, other.w1, other.w2, other.w3);
  }

  /** Adds {@code b} (four words, {@code b0} the most significant), modulo 2^256. */
  final void add(long b0, long b1, long b2, long b3) {
    long r3 = w3 + b3;
    long carry = Long.compareUnsigned(r3, w3) < 0 ? 1L : 0L;
    long r2 = w2 + b2 + carry;
    carry = carryOut(w2, r2, carry);
    long r1 = w1 + b1 + carry;
    carry = carryOut(w1, r1, carry);
    w0 = w0 + b0 + carry;
    w1 = r1;
    w2 = r2;
    w3 = r3;
  }

  // The carry of a + b + carryIn = r: it wrapped below a, or b + carryIn wrapped to exactly 0.
  private static long carryOut(long a, long r, long carryIn) {
    int c = Long.compareUnsigned(r, a);
    return c < 0 || (c == 0 && carryIn != 0) ? 1L : 0L;
  }

  final void add(Sum256 other) {
    add(other.w0, other.w1, other.w2, other.w3);
  }

  /** Subtracts {@code other}, modulo 2^256: adds its two's complement. */
  final void subtract(Sum256 other) {
    add(~other.w0, ~other.w1, ~other.w2, ~other.w3);
    add(0L, 0L, 0L, 1L);
  }

  final boolean sameValue(Sum256 other) {
    return w0 == other.w0 && w1 == other.w1 && w2 == other.w2 && w3 == other.w3;
  }

  /** Writes the 32 bytes, big-endian, at {@code offset}. */
  final void writeTo(byte[] buffer, int offset) {
    writeLong(buffer, offset, w0);
    writeLong(buffer, offset + 8, w1);
    writeLong(buffer, offset + 16, w2);
    writeLong(buffer, offset + 24, w3);
  }

  static void writeLong(byte[] buffer, int offset, long value) {
    for (int i = 7; i >= 0; i--) {
      buffer[offset + i] = (byte) value;
      value >>>= 8;
    }
  }

  static long readLong(byte[] buffer, int offset) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (buffer[offset + i] & 0xFFL);
    }
    return value;
  }
}
