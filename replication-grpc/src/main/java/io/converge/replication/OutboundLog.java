package io.converge.replication;

import io.converge.replication.wire.v1.KeyedDelta;

/**
 * This replica's own deltas, by consecutive sequence number, kept until every peer acknowledged
 * them or the bound drops the oldest (see the engine's <i>Bounded log</i>). A ring buffer; each
 * entry also carries the running byte count of the log, so that the bytes of a run of entries cost
 * one subtraction ({@link #bytesBetween}).
 *
 * <p>Not thread-safe: the engine uses it under its lock.
 */
final class OutboundLog {

  /**
   * A delta of the log; {@code bytesThrough} is the sum of {@link #sizeInBatch} over the entries up
   * to this one since the log began.
   */
  record Entry(long sequence, KeyedDelta delta, long bytesThrough) {}

  private Entry[] ring = new Entry[64];
  private int head;
  private int size;

  /** What a delta counts for in a batch against the size budget: its bytes and framing. */
  static int sizeInBatch(KeyedDelta delta) {
    return delta.getSerializedSize() + 16;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The first sequence held, or {@code next} (the next one to be written) if none is. */
  long firstSequence(long next) {
    return size == 0 ? next : ring[head].sequence();
  }

  /**
   * Appends the delta of {@code sequence}, which must follow the last one held.
   *
   * @throws IllegalStateException if it does not
   */
  void addLast(long sequence, KeyedDelta delta) {
    Entry last = size == 0 ? null : ring[(head + size - 1) % ring.length];
    if (last != null && sequence != last.sequence() + 1) {
      throw new IllegalStateException(
          "log sequences must be consecutive: " + sequence + " after " + last.sequence());
    }
    if (size == ring.length) {
      Entry[] bigger = new Entry[ring.length * 2];
      for (int i = 0; i < size; i++) {
        bigger[i] = ring[(head + i) % ring.length];
      }
      ring = bigger;
      head = 0;
    }
    long before = last == null ? 0 : last.bytesThrough();
    ring[(head + size) % ring.length] = new Entry(sequence, delta, before + sizeInBatch(delta));
    size++;
  }

  /**
   * Drops the entries up to {@code acked} (every peer holds them), and the oldest beyond {@code
   * maxEntries}.
   */
  void trim(long acked, int maxEntries) {
    while (size > 0 && (ring[head].sequence() <= acked || size > maxEntries)) {
      ring[head] = null;
      head = (head + 1) % ring.length;
      size--;
    }
  }

  /** The delta of {@code sequence}, which the log must hold. */
  KeyedDelta get(long sequence) {
    return entry(sequence).delta();
  }

  /**
   * The {@link #sizeInBatch} sum of the deltas held after {@code after} up to {@code through},
   * which the log must hold if it is greater than {@code after}.
   */
  long bytesBetween(long after, long through) {
    return through <= after ? 0 : entry(through).bytesThrough() - bytesThrough(after);
  }

  private long bytesThrough(long sequence) {
    Entry first = ring[head];
    if (sequence < first.sequence()) { // before the log: only the entries held count
      return first.bytesThrough() - sizeInBatch(first.delta());
    }
    return entry(sequence).bytesThrough();
  }

  private Entry entry(long sequence) {
    long index = size == 0 ? -1 : sequence - ring[head].sequence();
    if (index < 0 || index >= size) {
      throw new IllegalArgumentException("sequence " + sequence + " is not in the log");
    }
    return ring[(int) ((head + index) % ring.length)];
  }
}
