package io.converge.replication.antientropy;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.KeyRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

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

  /**
   * The default {@link #maxEntriesPerMessage()}: 2048, about 14 bytes each (30 kB) for short keys,
   * so that a round takes about 220 ranges: 1000 divergent keys among 1 000 000 take 18 rounds (33
   * with 1024, 7 with 16384). Larger rounds cost no fewer bytes, and a round that takes longer than
   * two anti-entropy intervals makes the engine restart the reconciliation: on a loaded machine,
   * rounds of 16384 entries did.
   */
  public static final int DEFAULT_MAX_ENTRIES_PER_MESSAGE = 2048;

  /**
   * The default {@link #fanout()}: 8. Of fanouts 4, 8, 16 and 32 with leaf sizes 4 to 16, 8 and 8
   * cost the fewest bytes but for 4 and 4, which needs 10 rounds instead of 7 (1000 divergent keys
   * among 1 000 000: 331 bytes per divergent key against 307, 397 for 16 and 8).
   */
  public static final int DEFAULT_FANOUT = 8;

  /** The default {@link #leafKeys()}: 8 (see {@link #DEFAULT_FANOUT}). */
  public static final int DEFAULT_LEAF_KEYS = 8;

  /**
   * About how many bytes of keys (range boundaries, listed keys) one message holds at most, so that
   * long keys cannot take a message past the transport's bound: once a message holds this many, the
   * rest waits for a later round.
   */
  public static final int MAX_KEY_BYTES_PER_MESSAGE = 1 << 20;

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
    return start(local, ThreadLocalRandom.current().nextLong());
  }

  /**
   * Starts a reconciliation with a given salt, for runs that must repeat exactly (simulations,
   * tests); {@link #start(KeyDigestTree)} draws a random one. A salt reused between reconciliations
   * of the same content makes a false match of the 8-byte hashes, which has a chance of about
   * 2<sup>-64</sup> per comparison, repeat instead of being independent.
   *
   * @param local this replica's tree, as for {@link #start(KeyDigestTree)}
   * @param salt the salt of every hash of the exchange, sent as 8 bytes big-endian
   * @return a new session, not thread-safe
   * @throws NullPointerException if {@code local} is null
   */
  public ReconciliationSession start(KeyDigestTree local, long salt) {
    return new ReconciliationSession(this, Objects.requireNonNull(local, "local"), salt);
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
   * Answers a peer's digest request from this replica's tree. When the request carries hashes, each
   * requested range whose count or hash differs from this replica's is a difference and the others
   * are left out; when it carries none, every requested range is. Each difference, in the request's
   * order, gets this replica's key count and: nothing when this replica holds no key there; its
   * keys' names and hashes when it holds at most {@link #leafKeys()}; or else up to {@link
   * #fanout()} children that split its keys evenly. Every answer fits in {@link
   * #maxEntriesPerMessage()} entries and about {@value #MAX_KEY_BYTES_PER_MESSAGE} bytes of keys:
   * one entry per difference is reserved for it, and a range whose detail no longer fits gets fewer
   * children, or nothing, which tells the requester to ask again (see the package documentation).
   * Costs O(r log n) for r ranges, plus the detail sent.
   *
   * @param local this replica's tree
   * @param request the peer's request
   * @return the response, with the request's round
   * @throws NullPointerException if an argument is null
   * @throws WireException {@code OVERSIZED} if the request has more than {@link
   *     #maxEntriesPerMessage()} ranges or its key list decodes to too many bytes; {@code
   *     MALFORMED} if the salt is not 8 bytes, the key list is malformed, a range is empty, the
   *     ranges are not sorted by start without overlap, or the counts and hashes are neither absent
   *     nor one per range
   */
  public DigestResponse respond(KeyDigestTree local, DigestRequest request) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(request, "request");
    byte[] salt = checkSalt(request.getSalt(), "digest request salt");
    List<KeyRange> ranges = decodeRanges(request);
    int n = ranges.size();
    boolean compare = request.getKeyCountsCount() > 0;
    long[] theirHashes = compare ? hashes(request.getHashes(), n, "digest request hashes") : null;
    List<Integer> differing = new ArrayList<>();
    List<Integer> counts = new ArrayList<>();
    Sum256 sum = new Sum256();
    for (int i = 0; i < n; i++) {
      KeyRange range = ranges.get(i);
      int count = local.summarize(range, sum);
      if (!compare
          || count != request.getKeyCounts(i)
          || local.wireRangeHash(salt, count, sum) != theirHashes[i]) {
        differing.add(i);
        counts.add(count);
      }
    }
    DigestResponse.Builder response = DigestResponse.newBuilder().setRound(request.getRound());
    int budget = maxEntriesPerMessage - differing.size();
    long keyBytes = 0;
    List<String> boundaries = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    ByteString.Output childHashes = ByteString.newOutput();
    ByteString.Output keyHashes = ByteString.newOutput();
    byte[] hash = new byte[KeyDigestTree.WIRE_HASH_BYTES];
    List<KeyDigestTree.Node> nodes = new ArrayList<>();
    for (int d = 0; d < differing.size(); d++) {
      KeyRange range = ranges.get(differing.get(d));
      int count = counts.get(d);
      response.addIndexes(differing.get(d)).addKeyCounts(count);
      int detail = 0;
      if (keyBytes < MAX_KEY_BYTES_PER_MESSAGE
          && count > 0
          && count <= leafKeys
          && count <= budget) {
        nodes.clear();
        local.nodes(range, nodes);
        for (KeyDigestTree.Node node : nodes) {
          keys.add(node.key);
          keyBytes += Utf8Order.utf8Length(node.key);
          Sum256.writeLong(hash, 0, local.wireKeyHash(salt, node));
          keyHashes.write(hash, 0, hash.length);
        }
        budget -= count;
        detail = 1;
      } else if (keyBytes < MAX_KEY_BYTES_PER_MESSAGE && count >= 2 && budget >= 2) {
        int parts = Math.max(2, Math.min(Math.min(fanout, budget), ceilDiv(count, leafKeys)));
        List<KeyRange> children = local.split(range, parts);
        for (int c = 0; c < children.size(); c++) {
          KeyRange child = children.get(c);
          if (c > 0) {
            boundaries.add(child.getStart());
            keyBytes += Utf8Order.utf8Length(child.getStart());
          }
          int childCount = local.summarize(child, sum);
          response.addChildCounts(childCount);
          Sum256.writeLong(hash, 0, local.wireRangeHash(salt, childCount, sum));
          childHashes.write(hash, 0, hash.length);
        }
        budget -= children.size();
        detail = children.size();
      }
      response.addDetails(detail);
    }
    return response
        .setBoundaries(KeyList.encode(boundaries))
        .setChildHashes(childHashes.toByteString())
        .setKeys(KeyList.encode(keys))
        .setKeyHashes(keyHashes.toByteString())
        .build();
  }

  private List<KeyRange> decodeRanges(DigestRequest request) {
    List<String> bounds =
        KeyList.decodeAll(request.getBounds(), 2 * maxEntriesPerMessage, "digest request bounds");
    if (bounds.size() % 2 != 0) {
      throw malformed(
          "digest request bounds must hold two strings per range: strings=" + bounds.size());
    }
    int n = bounds.size() / 2;
    List<KeyRange> ranges = new ArrayList<>(n);
    KeyRange previous = null;
    for (int i = 0; i < n; i++) {
      KeyRange range =
          checkRange(
              KeyRange.newBuilder()
                  .setStart(bounds.get(2 * i))
                  .setEnd(bounds.get(2 * i + 1))
                  .build(),
              "digest request ranges[" + i + "]");
      if (previous != null
          && (previous.getEnd().isEmpty()
              || Utf8Order.compare(previous.getEnd(), range.getStart()) > 0)) {
        throw malformed(
            "digest request ranges must be sorted by start without overlap: ranges["
                + i
                + "]="
                + Utf8Order.describe(range)
                + " after "
                + Utf8Order.describe(previous));
      }
      ranges.add(range);
      previous = range;
    }
    int counts = request.getKeyCountsCount();
    if (counts != 0 && counts != n) {
      throw malformed(
          "digest request key_counts must be absent or one per range: key_counts="
              + counts
              + ", ranges="
              + n);
    }
    if (request.getHashes().size() != (counts == 0 ? 0 : n * KeyDigestTree.WIRE_HASH_BYTES)) {
      throw malformed(
          "digest request hashes must be 8 bytes per range with key_counts, absent without:"
              + " hashes length="
              + request.getHashes().size()
              + ", key_counts="
              + counts);
    }
    return ranges;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  static byte[] checkSalt(ByteString salt, String where) {
    if (salt.size() != KeyDigestTree.WIRE_HASH_BYTES) {
      throw malformed(
          where + " must be " + KeyDigestTree.WIRE_HASH_BYTES + " bytes: length=" + salt.size());
    }
    return salt.toByteArray();
  }

  /** Reads {@code n} 8-byte big-endian hashes; the caller has checked the length. */
  static long[] hashes(ByteString bytes, int n, String where) {
    if (bytes.size() != (long) n * KeyDigestTree.WIRE_HASH_BYTES) {
      throw malformed(
          where
              + " must be "
              + KeyDigestTree.WIRE_HASH_BYTES
              + " bytes per entry, "
              + n
              + " entries: length="
              + bytes.size());
    }
    byte[] raw = bytes.toByteArray();
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = Sum256.readLong(raw, i * KeyDigestTree.WIRE_HASH_BYTES);
    }
    return out;
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

  static WireException malformed(String detail) {
    return new WireException(WireException.Reason.MALFORMED, detail);
  }

  /** The entries of a request: its ranges. */
  static int entries(DigestRequest request) {
    return KeyList.count(request.getBounds()) / 2;
  }

  /** The entries of a response: per difference one, plus its children or listed keys. */
  static long entries(DigestResponse response) {
    return (long) response.getIndexesCount()
        + response.getChildCountsCount()
        + response.getKeyHashes().size() / KeyDigestTree.WIRE_HASH_BYTES;
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
