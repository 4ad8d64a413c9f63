/**
 * Anti-entropy: finding, with little traffic, the keys on which two replicas differ, so that only
 * those keys' states travel. <b>Internal</b> to Converge's replication engine: the classes are
 * public only because the engine lives in another package; applications never use them, and they
 * may change in any release.
 *
 * <ul>
 *   <li>{@link io.converge.replication.antientropy.KeyDigestTree}: one replica's summary of its key
 *       space, kept up to date key by key, with the digest of any key range in O(log n).
 *   <li>{@link io.converge.replication.antientropy.Reconciler}: the protocol, as pure functions of
 *       the {@code DigestRequest} and {@code DigestResponse} messages of {@code
 *       converge/replication/v1/replication.proto}; {@link
 *       io.converge.replication.antientropy.ReconciliationSession} is the requesting side's state,
 *       {@link io.converge.replication.antientropy.Divergence} its result and {@link
 *       io.converge.replication.antientropy.ExchangeStats} what it cost.
 * </ul>
 *
 * <p>The approach is range-based set reconciliation (A. Meyer, "Range-Based Set Reconciliation",
 * SRDS 2023, as in the Negentropy protocol): ranges of the key space in the wire's key order are
 * compared by digest, and only differing ranges are split further, by the responder, until they are
 * small enough to list key by key. Unlike a Merkle tree over a fixed number of hash buckets,
 * nothing has to be sized in advance: the depth adapts to the number of keys, and a differing range
 * is listed only once it holds at most a few keys, however many keys the replicas hold.
 *
 * <h2>Digests</h2>
 *
 * <p>Every replica computes them the same way, so that equal content gives equal bytes. Keys sort
 * by their UTF-8 bytes, unsigned; a {@code KeyRange} holds the keys from {@code start} (inclusive)
 * to {@code end} (exclusive), and an empty {@code end} is the end of the key space.
 *
 * <ol>
 *   <li>A key's <em>state hash</em> is supplied by the engine: 32 bytes, SHA-256 of the key's
 *       deterministic encoded state.
 *   <li>A key's <em>entry fingerprint</em> is SHA-256 over the byte 0x01, the length of the key's
 *       UTF-8 bytes (4 bytes, big-endian), those bytes, the length and UTF-8 bytes of the type name
 *       likewise, and the 32-byte state hash.
 *   <li>A range's {@code RangeDigest.hash} is SHA-256 over the byte 0x02, the range's key count (8
 *       bytes, big-endian) and the sum of its keys' fingerprints, read as 256-bit big-endian
 *       unsigned numbers, modulo 2^256 (32 bytes, big-endian); it is empty when the range holds no
 *       key. {@code RangeDigest.key_count} is the key count.
 *   <li>A {@code KeyDigest} carries the key, the type name and the state hash itself.
 * </ol>
 *
 * <p>Because a sum is independent of the order of its terms, a range's digest depends only on the
 * (key, type, state hash) triples it holds, and one update adjusts O(log n) partial sums. For
 * honest data, two different contents share a digest only through a SHA-256 collision or an
 * accidental equal sum of fingerprints, both of negligible probability. The sum does not resist a
 * writer who crafts keys and states so that their fingerprints cancel out (unlike a Merkle hash
 * over a canonical tree, which costs a hash per level and update); replicas of one cluster and
 * their applications are trusted.
 *
 * <h2>Messages</h2>
 *
 * <p>The <em>requester</em> learns the divergence; the <em>responder</em> only answers. Entries are
 * counted per message: a request's range digests, a response's difference digests, children and key
 * digests.
 *
 * <ul>
 *   <li>A {@code DigestRequest} holds the requester's digests of non-empty ranges, sorted by start
 *       without overlap, at most the responder's bound of them. The first covers the whole key
 *       space.
 *   <li>The {@code DigestResponse} echoes the round and has one {@code RangeDifference} per
 *       requested range whose digest (count and hash) differs from the responder's, in request
 *       order, carrying the responder's digest of that range and one of:
 *       <ul>
 *         <li>{@code keys}: the digest of each of the responder's keys in the range, sorted by key,
 *             exactly {@code key_count} of them; the requester then classifies every key of the
 *             range and is done with it;
 *         <li>{@code children}: at least two non-empty ranges that split the range without gap or
 *             overlap (the first starts at its start, each next one where the previous ends, the
 *             last ends at its end), each with at least one of the responder's keys and with key
 *             counts adding up to the range's; the requester compares each child with its own
 *             digest and queues those that differ;
 *         <li>neither, with {@code key_count} 0: the responder holds no key in the range, so every
 *             key the requester holds there is missing on the responder;
 *         <li>neither, with {@code key_count} above 0: the responder had no room left in this
 *             message to detail the range; the requester asks about it again in a later round.
 *       </ul>
 * </ul>
 *
 * <p>A response with more entries than the requester's bound, or that breaks a rule above, is
 * refused with a {@link io.converge.replication.codec.WireException} ({@code OVERSIZED} or {@code
 * MALFORMED}), whose {@code toReject()} is what the engine sends back; so is a request with more
 * ranges than the responder's bound, or with unsorted or overlapping ranges.
 */
package io.converge.replication.antientropy;
