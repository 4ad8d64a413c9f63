package io.converge.replication.antientropy;

/**
 * What one reconciliation sent and received, counted in the entries that bound a message (see
 * {@link Reconciler#maxEntriesPerMessage()}): range digests and key digests.
 *
 * <p><b>Internal</b>, like the rest of this package. Immutable and thread-safe.
 *
 * @param rounds how many requests were sent, each answered by one response
 * @param rangeDigests how many range digests travelled in both directions: the ranges of the
 *     requests, and the digest and children of every difference of the responses
 * @param keyDigests how many key digests the responses carried
 * @param largestMessage the most entries in any one request or response
 * @param bytes the serialized size of every request and response, without the envelope
 */
public record ExchangeStats(
    int rounds, long rangeDigests, long keyDigests, int largestMessage, long bytes) {

  /**
   * Checks the counts.
   *
   * @param rounds how many requests were sent
   * @param rangeDigests how many range digests travelled
   * @param keyDigests how many key digests travelled
   * @param largestMessage the most entries in one message
   * @param bytes the bytes of the messages
   * @throws IllegalArgumentException if a count is negative
   */
  public ExchangeStats {
    if (rounds < 0 || rangeDigests < 0 || keyDigests < 0 || largestMessage < 0 || bytes < 0) {
      throw new IllegalArgumentException(
          "counts must be >= 0: rounds="
              + rounds
              + ", rangeDigests="
              + rangeDigests
              + ", keyDigests="
              + keyDigests
              + ", largestMessage="
              + largestMessage
              + ", bytes="
              + bytes);
    }
  }

  /**
   * Returns every entry that travelled: range digests plus key digests.
   *
   * @return the total
   */
  public long entries() {
    return rangeDigests + keyDigests;
  }
}
