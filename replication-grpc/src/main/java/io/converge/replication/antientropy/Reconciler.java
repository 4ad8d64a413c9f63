package io.converge.replication.antientropy;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.KeyRange;
import io.converge.replication.wire.v1.RangeDifference;
import io.converge.replication.wire.v1.RangeDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The anti-entropy protocol between two replicas' {@link KeyDigestTree}s, as pure functions of
 * messages: a {@link ReconciliationSession} on the requesting side turns responses into the next
 * {@link DigestRequest}, and {@link #respond} on the other side turns a request into its {@link
 * DigestResponse}, until the requester knows exactly which keys diverge. Neither side does any I/O:
 * the engine carries the messages over whatever transport it has.
 *
 * <p>Each round narrows the ranges that differ. The responder compares each requested range with
 * its own digest and answers only those that differ: with its keys' digests when it holds at most
 * {@link #leafKeys()} keys there, or else with the range split into up to {@link #fanout()}
 * children of equal key counts, which the requester compares in its next request. Ranges that agree
 * are never looked at again, so for d divergent keys among n the exchange costs at most d &middot;
 * leafKeys key digests (every listed range holds a divergent key) and at most d &middot; (fanout +
 * 2) range digests per level of splitting, of which there are about log<sub>fanout</sub>(n /
 * leafKeys): proportional to d, not to n. No message, in either direction, holds more than {@link
 * #maxEntriesPerMessage()} entries; work that does not fit waits for the next round. The package
 * documentation states the rules of each message.
 *
 * <p><b>Internal</b>, like the rest of this package. Instances are immutable and thread-safe (a
 * configuration); the trees passed to them are not, and must not change during a call. Start from
 * {@link #defaults()} and change one setting at a time with the {@code withX} methods, which return
 * copies:
 *
 * <pre>{@code
 * Reconciler reconciler = Reconciler.defaults().withMaxEntriesPerMessage(4096);
 * }</pre>
 *
 * <p>Both replicas should use the same settings. A responder that can give less detail than the
 * requester planned for (a smaller bound or larger fanout and leaf size) still answers within its
 * own bound, and the requester adapts; a request or response larger than the receiver's own bound
 * is refused.
 */
public final class Reconciler {

  /** The default {@link #maxEntriesPerMessage()}: 1024. */
  public static final int DEFAULT_MAX_ENTRIES_PER_MESSAGE = 1024;

  /** The default {@link #fanout()}: 16. */
  public static final int DEFAULT_FANOUT = 16;

  /**
   * The default {@link #leafKeys()}: 8. With the default fanout, it sends fewer entries in all than
   * 16 or 4 once more than a handful of keys diverge (see {@code ReconcilerTest}).
   */
  public static final int DEFAULT_LEAF_KEYS = 8;

  /**
   * The least {@link #maxEntriesPerMessage()}: 3, one requested range answered with its digest and
   * two children.
   */
  public static final int MIN_ENTRIES_PER_MESSAGE = 3;

  private static final Reconciler DEFAULTS =
      new Reconciler(DEFAULT_MAX_ENTRIES_PER_MESSAGE, DEFAULT_FANOUT, DEFAULT_LEAF_KEYS);

  private final int maxEntriesPerMessage;
  private final int fanout;
  private final int leafKeys;

  private Reconciler(int maxEntriesPerMessage, int fanout, int leafKeys) {
    if (maxEntriesPerMessage < MIN_ENTRIES_PER_MESSAGE) {
      throw new IllegalArgumentException(
          "maxEntriesPerMessage must be >= "
              + MIN_ENTRIES_PER_MESSAGE
              + ": maxEntriesPerMessage="
              + maxEntriesPerMessage);
    }
    if (fanout < 2) {
      throw new IllegalArgumentException("fanout must be >= 2: fanout=" + fanout);
    }
    if (leafKeys < 1) {
      throw new IllegalArgumentException("leafKeys must be >= 1: leafKeys=" + leafKeys);
    }
    this.maxEntriesPerMessage = maxEntriesPerMessage;
    this.fanout = fanout;
    this.leafKeys = leafKeys;
  }

  /**
   * Returns the default settings: {@value #DEFAULT_MAX_ENTRIES_PER_MESSAGE} entries per message,
   * fanout {@value #DEFAULT_FANOUT}, {@value #DEFAULT_LEAF_KEYS} leaf keys.
   *
   * @return the default reconciler
   */
  public static Reconciler defaults() {
    return DEFAULTS;
  }

  /**
   * Returns these settings with another bound on message size.
   *
   * @param entries the most entries (range digests plus key digests) in one request or response, at
   *     least {@value #MIN_ENTRIES_PER_MESSAGE}
   * @return the new settings
   * @throws IllegalArgumentException if {@code entries} is less than {@value
   *     #MIN_ENTRIES_PER_MESSAGE}
   */
  public Reconciler withMaxEntriesPerMessage(int entries) {
    return new Reconciler(entries, fanout, leafKeys);
  }

  /**
   * Returns these settings with another fanout.
   *
   * @param fanout into how many children a responder splits a differing range, at most; at least 2
   * @return the new settings
   * @throws IllegalArgumentException if {@code fanout} is less than 2
   */
  public Reconciler withFanout(int fanout) {
    return new Reconciler(maxEntriesPerMessage, fanout, leafKeys);
  }

  /**
   * Returns these settings with another leaf size.
   *
   * @param keys up to how many keys a responder lists a differing range's key digests instead of
   *     splitting it; at least 1
   * @return the new settings
   * @throws IllegalArgumentException if {@code keys} is less than 1
   */
  public Reconciler withLeafKeys(int keys) {
    return new Reconciler(maxEntriesPerMessage, fanout, keys);
  }

  /**
   * Returns the most entries in one message: a request's range digests, or a response's difference
   * digests, children and key digests together.
   *
   * @return the bound, at least {@value #MIN_ENTRIES_PER_MESSAGE}
   */
  public int maxEntriesPerMessage() {
    return maxEntriesPerMessage;
  }

  /**
   * Returns into how many children a responder splits a differing range, at most.
   *
   * @return the fanout, at least 2
   */
  public int fanout() {
    return fanout;
  }

  /**
   * Returns up to how many keys a responder lists a differing range's key digests.
   *
   * @return the leaf size, at least 1
   */
  public int leafKeys() {
    return leafKeys;
  }

  /**
   * How many ranges a requester puts in one request: as many as a responder with these settings can
   * answer in full, each with a digest plus up to {@code max(fanout, leafKeys)} entries of detail,
   * within one message.
   */
  int rangesPerRequest() {
    return Math.max(1, maxEntriesPerMessage / (1 + Math.max(fanout, leafKeys)));
  }

  /**
   * Starts a reconciliation from this replica's side. The session's first request covers the whole
   * key space.
   *
   * @param local this replica's tree, which the session reads at every step; the caller must not
   *     change it during a call to the session, and changes between calls show up as described on
   *     {@link Divergence}
   * @return a new session, not thread-safe
   * @throws NullPointerException if {@code local} is null
   */
  public ReconciliationSession start(KeyDigestTree local) {
    return new ReconciliationSession(this, Objects.requireNonNull(local, "local"));
  }

  /**
   * Runs a whole reconciliation between two trees in memory, this replica's and a peer's, with
   * these settings on both sides: what the engine does over a transport, for tests and tools.
   *
   * @param local this replica's tree
   * @param remote the peer's tree
   * @return the finished session: its {@link ReconciliationSession#divergence()} and {@link
   *     ReconciliationSession#stats()}
   * @throws NullPointerException if an argument is null
   */
  public ReconciliationSession reconcile(KeyDigestTree local, KeyDigestTree remote) {
    Objects.requireNonNull(remote, "remote");
    ReconciliationSession session = start(local);
    while (!session.isDone()) {
      session.accept(respond(remote, session.nextRequest()));
    }
    return session;
  }

  /**
   * Answers a peer's digest request from this replica's tree: one {@link RangeDifference} per
   * requested range whose digest differs from this replica's, in the request's order; ranges that
   * agree are left out. A differing range where this replica holds no key gets its digest alone;
   * one where it holds at most {@link #leafKeys()} keys gets their key digests; a larger one gets
   * up to {@link #fanout()} children that split its keys evenly. Every answer fits in {@link
   * #maxEntriesPerMessage()} entries: one per differing range is reserved for its digest, and a
   * range whose detail no longer fits gets fewer children, or its digest alone, which tells the
   * requester to ask again (see the package documentation). Costs O(r log n) for r ranges, plus the
   * detail sent.
   *
   * @param local this replica's tree
   * @param request the peer's request
   * @return the response, with the request's round
   * @throws NullPointerException if an argument is null
   * @throws WireException {@code OVERSIZED} if the request has more than {@link
   *     #maxEntriesPerMessage()} ranges; {@code MALFORMED} if a range is empty, the ranges are not
   *     sorted by start without overlap, or a hash is not 32 bytes (empty when the key count is 0)
   */
  public DigestResponse respond(KeyDigestTree local, DigestRequest request) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(request, "request");
    int n = request.getRangesCount();
    if (n > maxEntriesPerMessage) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          "digest request has more than " + maxEntriesPerMessage + " ranges: ranges=" + n);
    }
    List<RangeDigest> differing = new ArrayList<>();
    KeyRange previous = null;
    Sum256 sum = new Sum256();
    for (int i = 0; i < n; i++) {
      RangeDigest theirs = request.getRanges(i);
      String where = "digest request ranges[" + i + "]";
      KeyRange range = checkRange(theirs.getRange(), where);
      if (previous != null
          && (previous.getEnd().isEmpty()
              || Utf8Order.compare(previous.getEnd(), range.getStart()) > 0)) {
        throw malformed(
            "digest request ranges must be sorted by start without overlap: "
                + where
                + "="
                + Utf8Order.describe(range)
                + " after "
                + Utf8Order.describe(previous));
      }
      previous = range;
      checkHash(theirs, where);
      int count = local.summarize(range, sum);
      ByteString hash = KeyDigestTree.wrap(local.rangeHash(count, sum));
      if (count != theirs.getKeyCount() || !hash.equals(theirs.getHash())) {
        differing.add(
            RangeDigest.newBuilder().setRange(range).setHash(hash).setKeyCount(count).build());
      }
    }
    DigestResponse.Builder response = DigestResponse.newBuilder().setRound(request.getRound());
    int budget = maxEntriesPerMessage - differing.size();
    for (RangeDigest mine : differing) {
      RangeDifference.Builder difference = RangeDifference.newBuilder().setDigest(mine);
      int count = mine.getKeyCount();
      if (count > 0 && count <= leafKeys && count <= budget) {
        difference.addAllKeys(local.keyDigests(mine.getRange()));
        budget -= count;
      } else if (count >= 2 && budget >= 2) {
        int parts = Math.max(2, Math.min(Math.min(fanout, budget), ceilDiv(count, leafKeys)));
        for (KeyRange child : local.split(mine.getRange(), parts)) {
          difference.addChildren(local.digest(child));
        }
        budget -= difference.getChildrenCount();
      }
      response.addDifferences(difference);
    }
    return response.build();
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  static KeyRange checkRange(KeyRange range, String where) {
    if (!Utf8Order.isValid(range)) {
      throw malformed(
          "a range's end must be empty or sort after its start: "
              + where
              + "="
              + Utf8Order.describe(range));
    }
    return range;
  }

  static void checkHash(RangeDigest digest, String where) {
    int expected = digest.getKeyCount() == 0 ? 0 : KeyDigestTree.HASH_BYTES;
    if (digest.getHash().size() != expected) {
      throw malformed(
          "a range digest's hash must be "
              + expected
              + " bytes for key_count "
              + Integer.toUnsignedString(digest.getKeyCount())
              + ": "
              + where
              + " hash length="
              + digest.getHash().size());
    }
  }

  static WireException malformed(String detail) {
    return new WireException(WireException.Reason.MALFORMED, detail);
  }

  /** The entries of a request: its range digests. */
  static int entries(DigestRequest request) {
    return request.getRangesCount();
  }

  /** The entries of a response: per difference, its digest, children and key digests. */
  static long entries(DigestResponse response) {
    long entries = 0;
    for (RangeDifference d : response.getDifferencesList()) {
      entries += 1L + d.getChildrenCount() + d.getKeysCount();
    }
    return entries;
  }

  /**
   * Returns whether {@code o} is a reconciler with the same settings.
   *
   * @param o the object to compare with
   * @return true if equal
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof Reconciler r
        && maxEntriesPerMessage == r.maxEntriesPerMessage
        && fanout == r.fanout
        && leafKeys == r.leafKeys;
  }

  /**
   * Returns a hash code consistent with {@link #equals}.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return (maxEntriesPerMessage * 31 + fanout) * 31 + leafKeys;
  }

  /**
   * Returns the settings, for logs.
   *
   * @return for example {@code Reconciler{maxEntriesPerMessage=1024, fanout=16, leafKeys=16}}
   */
  @Override
  public String toString() {
    return "Reconciler{maxEntriesPerMessage="
        + maxEntriesPerMessage
        + ", fanout="
        + fanout
        + ", leafKeys="
        + leafKeys
        + "}";
  }
}
