package io.converge.replication.antientropy;

import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.KeyRange;
import io.converge.replication.wire.v1.RangeDifference;
import io.converge.replication.wire.v1.RangeDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The requesting side of one reconciliation: which ranges are still to be compared, and what has
 * been found so far. Alternate {@link #nextRequest()} and {@link #accept(DigestResponse)} until
 * {@link #isDone()}, then read {@link #divergence()}. Made by {@link Reconciler#start}.
 *
 * <pre>{@code
 * ReconciliationSession session = reconciler.start(localTree);
 * while (!session.isDone()) {
 *   DigestRequest request = session.nextRequest();
 *   DigestResponse response = peer.exchange(request); // the engine's transport
 *   session.accept(response);
 * }
 * Divergence divergence = session.divergence();
 * }</pre>
 *
 * <p>Ranges wait in a queue, first in first out, and each request takes as many as a responder can
 * answer in full within one message (see {@link Reconciler}); the rest wait for later rounds. When
 * a response defers ranges (it had no room to detail them), the session queues them again and
 * halves how many ranges it asks about at once, then grows back after rounds without deferral.
 *
 * <p>Responses are untrusted input: {@link #accept} checks every rule of the package documentation
 * before it changes anything, so a refused response leaves the session as it was (the engine
 * usually abandons the session and sends a {@code Reject}).
 *
 * <p><b>Internal</b>, like the rest of this package. Not thread-safe: one reconciliation is driven
 * by one thread at a time.
 */
public final class ReconciliationSession {

  private static final Comparator<KeyRange> BY_START =
      Comparator.comparing(KeyRange::getStart, Utf8Order.COMPARATOR);

  private final Reconciler reconciler;
  private final KeyDigestTree local;
  private final ArrayDeque<KeyRange> pending = new ArrayDeque<>();
  private final TreeSet<String> onlyLocal = new TreeSet<>(Utf8Order.COMPARATOR);
  private final TreeSet<String> onlyRemote = new TreeSet<>(Utf8Order.COMPARATOR);
  private final TreeSet<String> differing = new TreeSet<>(Utf8Order.COMPARATOR);
  private final int maxBatch;
  private int batch;
  private List<KeyRange> outstanding;
  private long round;
  private int rounds;
  private long rangeDigests;
  private long keyDigests;
  private int largestMessage;

  ReconciliationSession(Reconciler reconciler, KeyDigestTree local) {
    this.reconciler = reconciler;
    this.local = local;
    this.maxBatch = reconciler.rangesPerRequest();
    this.batch = maxBatch;
    pending.add(KeyDigestTree.fullRange());
  }

  /**
   * Returns whether the reconciliation is over: no request awaits its response and no range is left
   * to compare.
   *
   * @return true when {@link #divergence()} is final
   */
  public boolean isDone() {
    return outstanding == null && pending.isEmpty();
  }

  /**
   * Returns whether a request has been sent whose response has not been accepted yet.
   *
   * @return true between {@link #nextRequest()} and {@link #accept(DigestResponse)}
   */
  public boolean isAwaitingResponse() {
    return outstanding != null;
  }

  /**
   * Returns the next request: this replica's digests of the next queued ranges, sorted by start,
   * never more than {@link Reconciler#maxEntriesPerMessage()}. Its round is one more than the
   * previous request's, starting at 1.
   *
   * @return the request to send
   * @throws IllegalStateException if a request awaits its response, or the session is done
   */
  public DigestRequest nextRequest() {
    if (outstanding != null) {
      throw new IllegalStateException("the response to round " + round + " has not arrived");
    }
    if (pending.isEmpty()) {
      throw new IllegalStateException("the reconciliation is done after round " + round);
    }
    int n = Math.min(batch, pending.size());
    List<KeyRange> ranges = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ranges.add(pending.poll());
    }
    ranges.sort(BY_START);
    DigestRequest.Builder request = DigestRequest.newBuilder().setRound(++round);
    for (KeyRange range : ranges) {
      request.addRanges(local.digest(range));
    }
    outstanding = ranges;
    rounds++;
    rangeDigests += n;
    largestMessage = Math.max(largestMessage, n);
    return request.build();
  }

  /**
   * Takes the peer's response to the last request: records the keys it shows to diverge and queues
   * the children of differing ranges for later requests.
   *
   * @param response the peer's response
   * @throws NullPointerException if {@code response} is null
   * @throws IllegalStateException if no request awaits a response
   * @throws WireException {@code OVERSIZED} if the response has more than {@link
   *     Reconciler#maxEntriesPerMessage()} entries; {@code MALFORMED} if it breaks a rule of the
   *     package documentation (another round, a range that was not requested or out of order,
   *     children that do not split their range, key digests out of order or outside their range, a
   *     count that does not add up, a hash of the wrong length). The session is then unchanged.
   */
  public void accept(DigestResponse response) {
    if (outstanding == null) {
      throw new IllegalStateException("no request awaits a response");
    }
    if (response.getRound() != round) {
      throw Reconciler.malformed(
          "digest response is for round "
              + Long.toUnsignedString(response.getRound())
              + ", expected "
              + round);
    }
    long entries = Reconciler.entries(response);
    if (entries > reconciler.maxEntriesPerMessage()) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          "digest response has more than "
              + reconciler.maxEntriesPerMessage()
              + " entries: entries="
              + entries);
    }
    validate(response);

    boolean deferred = false;
    long children = 0;
    long keys = 0;
    for (RangeDifference difference : response.getDifferencesList()) {
      RangeDigest theirs = difference.getDigest();
      KeyRange range = theirs.getRange();
      if (difference.getChildrenCount() > 0) {
        children += difference.getChildrenCount();
        queueDifferingChildren(difference);
      } else if (difference.getKeysCount() > 0) {
        keys += difference.getKeysCount();
        compareKeys(range, difference.getKeysList());
      } else if (theirs.getKeyCount() == 0) {
        for (KeyDigest mine : local.keyDigests(range)) {
          onlyLocal.add(mine.getKey());
        }
      } else {
        pending.addLast(range);
        deferred = true;
      }
    }
    batch = deferred ? Math.max(1, batch / 2) : Math.min(maxBatch, batch * 2);
    rangeDigests += response.getDifferencesCount() + children;
    keyDigests += keys;
    largestMessage = (int) Math.max(largestMessage, entries);
    outstanding = null;
  }

  private void queueDifferingChildren(RangeDifference difference) {
    Sum256 sum = new Sum256();
    for (RangeDigest child : difference.getChildrenList()) {
      int count = local.summarize(child.getRange(), sum);
      if (count != child.getKeyCount()
          || !KeyDigestTree.wrap(local.rangeHash(count, sum)).equals(child.getHash())) {
        pending.addLast(child.getRange());
      }
    }
  }

  // Both lists are sorted by key: a merge walk classifies every key of the range.
  private void compareKeys(KeyRange range, List<KeyDigest> theirs) {
    List<KeyDigest> mine = local.keyDigests(range);
    int i = 0;
    int j = 0;
    while (i < mine.size() || j < theirs.size()) {
      if (j == theirs.size()) {
        onlyLocal.add(mine.get(i++).getKey());
      } else if (i == mine.size()) {
        onlyRemote.add(theirs.get(j++).getKey());
      } else {
        KeyDigest a = mine.get(i);
        KeyDigest b = theirs.get(j);
        int c = Utf8Order.compare(a.getKey(), b.getKey());
        if (c < 0) {
          onlyLocal.add(a.getKey());
          i++;
        } else if (c > 0) {
          onlyRemote.add(b.getKey());
          j++;
        } else {
          if (!a.getType().equals(b.getType()) || !a.getHash().equals(b.getHash())) {
            differing.add(a.getKey());
          }
          i++;
          j++;
        }
      }
    }
  }

  private void validate(DigestResponse response) {
    Map<KeyRange, Integer> requested = new HashMap<>();
    for (int i = 0; i < outstanding.size(); i++) {
      requested.put(outstanding.get(i), i);
    }
    int previous = -1;
    for (int d = 0; d < response.getDifferencesCount(); d++) {
      RangeDifference difference = response.getDifferences(d);
      String where = "digest response differences[" + d + "]";
      RangeDigest digest = difference.getDigest();
      Integer index = requested.get(digest.getRange());
      if (index == null) {
        throw Reconciler.malformed(
            where + " is for a range that was not requested: " + describe(digest.getRange()));
      }
      if (index <= previous) {
        throw Reconciler.malformed(
            "digest response differences must be sorted by start without duplicates: "
                + where
                + "="
                + describe(digest.getRange()));
      }
      previous = index;
      Reconciler.checkHash(digest, where);
      if (difference.getChildrenCount() > 0 && difference.getKeysCount() > 0) {
        throw Reconciler.malformed(where + " has both children and keys");
      }
      if (difference.getChildrenCount() > 0) {
        validateChildren(difference, where);
      } else if (difference.getKeysCount() > 0) {
        validateKeys(difference, where);
      }
    }
  }

  private static void validateChildren(RangeDifference difference, String where) {
    KeyRange range = difference.getDigest().getRange();
    int n = difference.getChildrenCount();
    if (n < 2) {
      throw Reconciler.malformed(where + " splits its range into fewer than 2 children");
    }
    String start = range.getStart();
    long total = 0;
    for (int c = 0; c < n; c++) {
      RangeDigest child = difference.getChildren(c);
      String at = where + ".children[" + c + "]";
      KeyRange r = Reconciler.checkRange(child.getRange(), at);
      if (!r.getStart().equals(start)) {
        throw Reconciler.malformed(
            "children must split their range without gaps: "
                + at
                + "="
                + describe(r)
                + " must start at \""
                + start
                + "\"");
      }
      if (c < n - 1 && r.getEnd().isEmpty()) {
        throw Reconciler.malformed(
            "children must split their range without gaps: " + at + "=" + describe(r));
      }
      Reconciler.checkHash(child, at);
      if (child.getKeyCount() == 0) {
        throw Reconciler.malformed("children must hold keys: " + at + " key_count=0");
      }
      total += Integer.toUnsignedLong(child.getKeyCount());
      start = r.getEnd();
    }
    if (!start.equals(range.getEnd())) {
      throw Reconciler.malformed(
          "children must split their range without gaps: the last ends at \""
              + start
              + "\", the range "
              + describe(range));
    }
    long expected = Integer.toUnsignedLong(difference.getDigest().getKeyCount());
    if (total != expected) {
      throw Reconciler.malformed(
          "children's key counts must add up to the range's: "
              + where
              + " "
              + total
              + " != "
              + expected);
    }
  }

  private static void validateKeys(RangeDifference difference, String where) {
    KeyRange range = difference.getDigest().getRange();
    long expected = Integer.toUnsignedLong(difference.getDigest().getKeyCount());
    if (difference.getKeysCount() != expected) {
      throw Reconciler.malformed(
          "a range's key digests must number its key_count: "
              + where
              + " keys="
              + difference.getKeysCount()
              + ", key_count="
              + expected);
    }
    String previous = null;
    for (int k = 0; k < difference.getKeysCount(); k++) {
      KeyDigest key = difference.getKeys(k);
      String at = where + ".keys[" + k + "]";
      if (!Utf8Order.contains(range, key.getKey())) {
        throw Reconciler.malformed(
            at + " key=\"" + key.getKey() + "\" is outside its range " + describe(range));
      }
      if (previous != null && Utf8Order.compare(previous, key.getKey()) >= 0) {
        throw Reconciler.malformed(
            "key digests must be sorted by key without duplicates: "
                + at
                + " key=\""
                + key.getKey()
                + "\" after \""
                + previous
                + "\"");
      }
      previous = key.getKey();
      if (key.getType().isEmpty()) {
        throw Reconciler.malformed(at + " has no type");
      }
      if (key.getHash().size() != KeyDigestTree.HASH_BYTES) {
        throw Reconciler.malformed(
            at
                + " hash must be "
                + KeyDigestTree.HASH_BYTES
                + " bytes: length="
                + key.getHash().size());
      }
    }
  }

  private static String describe(KeyRange range) {
    return Utf8Order.describe(range);
  }

  /**
   * Returns what has been found so far; final once {@link #isDone()}.
   *
   * @return a snapshot of the divergent keys, from this replica's side
   */
  public Divergence divergence() {
    if (onlyLocal.isEmpty() && onlyRemote.isEmpty() && differing.isEmpty()) {
      return Divergence.none();
    }
    return new Divergence(
        new TreeSet<>(onlyLocal), new TreeSet<>(onlyRemote), new TreeSet<>(differing));
  }

  /**
   * Returns what has travelled so far.
   *
   * @return a snapshot of the counts
   */
  public ExchangeStats stats() {
    return new ExchangeStats(rounds, rangeDigests, keyDigests, largestMessage);
  }

  /**
   * Returns the session's progress, for logs.
   *
   * @return for example {@code ReconciliationSession{round=3, pending=12, divergent=40}}
   */
  @Override
  public String toString() {
    return "ReconciliationSession{round="
        + round
        + ", pending="
        + pending.size()
        + ", divergent="
        + (onlyLocal.size() + onlyRemote.size() + differing.size())
        + "}";
  }
}
