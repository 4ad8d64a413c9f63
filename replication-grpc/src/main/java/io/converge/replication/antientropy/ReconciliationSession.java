package io.converge.replication.antientropy;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.KeyRange;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
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
  private final byte[] salt = new byte[KeyDigestTree.WIRE_HASH_BYTES];
  private final ByteString saltBytes;
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
  private long bytes;

  ReconciliationSession(Reconciler reconciler, KeyDigestTree local, long salt) {
    this.reconciler = reconciler;
    this.local = local;
    Sum256.writeLong(this.salt, 0, salt);
    this.saltBytes = ByteString.copyFrom(this.salt);
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
   * Returns the next request: the next queued ranges, sorted by start, never more than {@link
   * Reconciler#maxEntriesPerMessage()} nor, past the first, more than about {@link
   * Reconciler#MAX_KEY_BYTES_PER_MESSAGE} bytes of boundaries. The first request holds the whole
   * key space with this replica's count and hash; the later ones hold ranges the peer has already
   * shown to differ, without counts or hashes. Its round is one more than the previous request's,
   * starting at 1.
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
    long keyBytes = 0;
    while (ranges.size() < n
        && (ranges.isEmpty() || keyBytes < Reconciler.MAX_KEY_BYTES_PER_MESSAGE)) {
      KeyRange range = pending.poll();
      keyBytes += Utf8Order.utf8Length(range.getStart()) + Utf8Order.utf8Length(range.getEnd());
      ranges.add(range);
    }
    n = ranges.size();
    ranges.sort(BY_START);
    List<String> bounds = new ArrayList<>(2 * n);
    for (KeyRange range : ranges) {
      bounds.add(range.getStart());
      bounds.add(range.getEnd());
    }
    DigestRequest.Builder request =
        DigestRequest.newBuilder()
            .setRound(++round)
            .setSalt(saltBytes)
            .setBounds(KeyList.encode(bounds));
    if (round == 1) {
      // Only the first request compares: every later range is known to differ.
      Sum256 sum = new Sum256();
      byte[] hash = new byte[KeyDigestTree.WIRE_HASH_BYTES];
      ByteString.Output hashes = ByteString.newOutput();
      for (KeyRange range : ranges) {
        int count = local.summarize(range, sum);
        request.addKeyCounts(count);
        Sum256.writeLong(hash, 0, local.wireRangeHash(salt, count, sum));
        hashes.write(hash, 0, hash.length);
      }
      request.setHashes(hashes.toByteString());
    }
    outstanding = ranges;
    rounds++;
    rangeDigests += n;
    largestMessage = Math.max(largestMessage, n);
    DigestRequest built = request.build();
    bytes += built.getSerializedSize();
    return built;
  }

  /** One difference of a response, decoded and checked. */
  private record Difference(
      KeyRange range,
      int keyCount,
      int detail,
      List<KeyRange> children,
      int[] childCounts,
      long[] childHashes,
      List<String> keys,
      long[] keyHashes) {}

  /**
   * Takes the peer's response to the last request: records the keys it shows to diverge and queues
   * the children that differ for later requests.
   *
   * @param response the peer's response
   * @throws NullPointerException if {@code response} is null
   * @throws IllegalStateException if no request awaits a response
   * @throws WireException {@code OVERSIZED} if the response has more than {@link
   *     Reconciler#maxEntriesPerMessage()} entries or a key list decodes to too many bytes; {@code
   *     MALFORMED} if it breaks a rule of the package documentation (another round, an index out of
   *     order or not requested, arrays of the wrong lengths, children that do not split their
   *     range, keys out of order or outside their range, a count that does not add up, a key list
   *     that is not well-formed). The session is then unchanged.
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
    List<Difference> differences = validate(response);

    boolean deferred = false;
    long children = 0;
    long keys = 0;
    for (Difference difference : differences) {
      KeyRange range = difference.range();
      if (difference.detail() >= 2) {
        children += difference.detail();
        queueDifferingChildren(difference);
      } else if (difference.detail() == 1) {
        keys += difference.keys().size();
        compareKeys(range, difference.keys(), difference.keyHashes());
      } else if (difference.keyCount() == 0) {
        List<KeyDigestTree.Node> mine = new ArrayList<>();
        local.nodes(range, mine);
        for (KeyDigestTree.Node node : mine) {
          onlyLocal.add(node.key);
        }
      } else {
        pending.addLast(range);
        deferred = true;
      }
    }
    batch = deferred ? Math.max(1, batch / 2) : Math.min(maxBatch, batch * 2);
    rangeDigests += differences.size() + children;
    keyDigests += keys;
    largestMessage = (int) Math.max(largestMessage, Reconciler.entries(response));
    bytes += response.getSerializedSize();
    outstanding = null;
  }

  private void queueDifferingChildren(Difference difference) {
    Sum256 sum = new Sum256();
    for (int c = 0; c < difference.children().size(); c++) {
      KeyRange child = difference.children().get(c);
      int count = local.summarize(child, sum);
      if (count != difference.childCounts()[c]
          || local.wireRangeHash(salt, count, sum) != difference.childHashes()[c]) {
        pending.addLast(child);
      }
    }
  }

  // Both lists are sorted by key: a merge walk classifies every key of the range.
  private void compareKeys(KeyRange range, List<String> theirs, long[] theirHashes) {
    List<KeyDigestTree.Node> mine = new ArrayList<>();
    local.nodes(range, mine);
    int i = 0;
    int j = 0;
    while (i < mine.size() || j < theirs.size()) {
      if (j == theirs.size()) {
        onlyLocal.add(mine.get(i++).key);
      } else if (i == mine.size()) {
        onlyRemote.add(theirs.get(j++));
      } else {
        KeyDigestTree.Node a = mine.get(i);
        String b = theirs.get(j);
        int c = Utf8Order.compare(a.key, b);
        if (c < 0) {
          onlyLocal.add(a.key);
          i++;
        } else if (c > 0) {
          onlyRemote.add(b);
          j++;
        } else {
          if (local.wireKeyHash(salt, a) != theirHashes[j]) {
            differing.add(a.key);
          }
          i++;
          j++;
        }
      }
    }
  }

  // Checks every rule before anything changes; the lengths before anything is decoded.
  private List<Difference> validate(DigestResponse response) {
    int n = response.getIndexesCount();
    if (response.getKeyCountsCount() != n || response.getDetailsCount() != n) {
      throw Reconciler.malformed(
          "digest response must have one key_count and one detail per index: indexes="
              + n
              + ", key_counts="
              + response.getKeyCountsCount()
              + ", details="
              + response.getDetailsCount());
    }
    long childTotal = 0;
    long keyTotal = 0;
    int previous = -1;
    for (int d = 0; d < n; d++) {
      String where = "digest response difference " + d;
      int index = response.getIndexes(d);
      if (index <= previous || index >= outstanding.size()) {
        throw Reconciler.malformed(
            where
                + " has index "
                + Integer.toUnsignedString(index)
                + ": indexes must increase and name one of the "
                + outstanding.size()
                + " requested ranges");
      }
      previous = index;
      long count = Integer.toUnsignedLong(response.getKeyCounts(d));
      long detail = Integer.toUnsignedLong(response.getDetails(d));
      if (detail == 1) {
        if (count == 0) {
          throw Reconciler.malformed(where + " lists the keys of a range with key_count 0");
        }
        keyTotal += count;
      } else if (detail >= 2) {
        if (detail > count) {
          throw Reconciler.malformed(
              where + " splits " + count + " keys into " + detail + " children of at least one");
        }
        childTotal += detail;
      }
    }
    long entries = n + childTotal + keyTotal;
    if (entries > reconciler.maxEntriesPerMessage()) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          "digest response has more than "
              + reconciler.maxEntriesPerMessage()
              + " entries: entries="
              + entries);
    }
    int children = (int) childTotal;
    int listed = (int) keyTotal;
    if (response.getChildCountsCount() != children) {
      throw Reconciler.malformed(
          "digest response must have one child_count per child: children="
              + children
              + ", child_counts="
              + response.getChildCountsCount());
    }
    long[] childHashes = Reconciler.hashes(response.getChildHashes(), children, "child_hashes");
    long[] keyHashes = Reconciler.hashes(response.getKeyHashes(), listed, "key_hashes");
    List<String> boundaries =
        KeyList.decode(response.getBoundaries(), children - splits(response), "boundaries");
    List<String> keys = KeyList.decode(response.getKeys(), listed, "keys");

    List<Difference> out = new ArrayList<>(n);
    int nextChild = 0;
    int nextBoundary = 0;
    int nextKey = 0;
    for (int d = 0; d < n; d++) {
      String where = "digest response difference " + d;
      KeyRange range = outstanding.get(response.getIndexes(d));
      int count = response.getKeyCounts(d);
      int detail = response.getDetails(d);
      if (detail >= 2) {
        List<KeyRange> split = new ArrayList<>(detail);
        String start = range.getStart();
        long total = 0;
        for (int c = 0; c < detail; c++) {
          String end = c < detail - 1 ? boundaries.get(nextBoundary + c) : range.getEnd();
          KeyRange child = KeyRange.newBuilder().setStart(start).setEnd(end).build();
          if (!Utf8Order.isValid(child) || (c < detail - 1 && end.isEmpty())) {
            throw Reconciler.malformed(
                "children must split their range in increasing boundaries: "
                    + where
                    + " child "
                    + c
                    + "="
                    + Utf8Order.describe(child)
                    + " of "
                    + Utf8Order.describe(range));
          }
          int childCount = response.getChildCounts(nextChild + c);
          if (childCount == 0) {
            throw Reconciler.malformed("children must hold keys: " + where + " child " + c);
          }
          total += Integer.toUnsignedLong(childCount);
          split.add(child);
          start = end;
        }
        if (total != Integer.toUnsignedLong(count)) {
          throw Reconciler.malformed(
              "children's key counts must add up to the range's: "
                  + where
                  + " "
                  + total
                  + " != "
                  + Integer.toUnsignedLong(count));
        }
        int[] childCounts = new int[detail];
        long[] hashes = new long[detail];
        for (int c = 0; c < detail; c++) {
          childCounts[c] = response.getChildCounts(nextChild + c);
          hashes[c] = childHashes[nextChild + c];
        }
        out.add(new Difference(range, count, detail, split, childCounts, hashes, null, null));
        nextChild += detail;
        nextBoundary += detail - 1;
      } else if (detail == 1) {
        List<String> listedKeys = keys.subList(nextKey, nextKey + count);
        String before = null;
        for (int k = 0; k < count; k++) {
          String key = listedKeys.get(k);
          if (!Utf8Order.contains(range, key)) {
            throw Reconciler.malformed(
                where + " key " + k + "=\"" + key + "\" is outside " + Utf8Order.describe(range));
          }
          if (before != null && Utf8Order.compare(before, key) >= 0) {
            throw Reconciler.malformed(
                "listed keys must be sorted without duplicates: "
                    + where
                    + " key \""
                    + key
                    + "\" after \""
                    + before
                    + "\"");
          }
          before = key;
        }
        long[] hashes = new long[count];
        System.arraycopy(keyHashes, nextKey, hashes, 0, count);
        out.add(new Difference(range, count, detail, null, null, null, listedKeys, hashes));
        nextKey += count;
      } else {
        out.add(new Difference(range, count, 0, null, null, null, null, null));
      }
    }
    return out;
  }

  private static int splits(DigestResponse response) {
    int splits = 0;
    for (int d = 0; d < response.getDetailsCount(); d++) {
      if (Integer.toUnsignedLong(response.getDetails(d)) >= 2) {
        splits++;
      }
    }
    return splits;
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
    return new ExchangeStats(rounds, rangeDigests, keyDigests, largestMessage, bytes);
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
