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
 *   <li>A {@code KeyDigest} carries the key, the type name and the state hash itself. {@code
 *       RangeDigest} and {@code KeyDigest} are what {@link
 *       io.converge.replication.antientropy.KeyDigestTree} returns; the messages carry the shorter
 *       wire hashes below instead.
 * </ol>
 *
 * <p>Because a sum is independent of the order of its terms, a range's digest depends only on the
 * (key, type, state hash) triples it holds, and one update adjusts O(log n) partial sums. For
 * honest data, two different contents share a sum only through a SHA-256 collision or an accidental
 * equal sum of fingerprints, both of negligible probability. The sum does not resist a writer who
 * crafts keys and states so that their fingerprints cancel out (unlike a Merkle hash over a
 * canonical tree, which costs a hash per level and update); replicas of one cluster and their
 * applications are trusted.
 *
 * <h2>Hashes on the wire: 8 bytes, salted</h2>
 *
 * <p>The messages carry short hashes, salted per reconciliation: the requester draws an 8-byte
 * {@code salt} and sends it in each of its requests.
 *
 * <ul>
 *   <li>A range's wire hash is the first 8 bytes of SHA-256 over the byte 0x02, the salt, the
 *       range's key count (8 bytes, big-endian) and the 32-byte sum of its fingerprints, for any
 *       count, 0 included.
 *   <li>A key's wire hash is the first 8 bytes of SHA-256 over the byte 0x03, the salt and the
 *       key's 32-byte entry fingerprint (so it covers the key, its type and its state hash).
 * </ul>
 *
 * <p>A wire hash can match although the content differs with a probability of 2<sup>-64</sup> per
 * comparison (SHA-256 output truncated). A reconciliation of 1 000 divergent keys among 1 000 000
 * makes about 30 000 comparisons; were every reconciliation that large, at one per 200 ms per peer,
 * that would be about 2<sup>42</sup> comparisons a year, and a false match somewhere in a year
 * would have a chance of about 2<sup>-22</sup> per peer. A false match only hides a difference from
 * one reconciliation: the next one draws another salt, so its hashes are independent, and it finds
 * the difference (the unsalted 256-bit sums underneath make a repeated match as unlikely as a
 * SHA-256 collision). This is not a security boundary, for the reason above: a writer who wanted
 * replicas to disagree could already do so with crafted fingerprints, and peers are authenticated.
 *
 * <h2>Messages</h2>
 *
 * <p>The <em>requester</em> learns the divergence; the <em>responder</em> only answers. Entries are
 * counted per message: a request's ranges; a response's differences, children and listed keys.
 * Strings travel as <em>key lists</em>: per string, a varint of how many leading UTF-8 bytes it
 * shares with the previous string of the list (the first with the empty string), a varint of the
 * length of the rest, and the rest's bytes. A list may decode to at most 8 bytes per byte of the
 * list plus 64 KiB (the encoder sends a string whole rather than exceed that), each string
 * well-formed UTF-8.
 *
 * <ul>
 *   <li>A {@code DigestRequest} holds the {@code salt} (8 bytes) and in {@code bounds} a key list
 *       of two strings per range, its start and end, the ranges non-empty and sorted by start
 *       without overlap, at most the responder's entry bound of them. The first request of a
 *       reconciliation holds the whole key space, the requester's {@code key_counts} and its {@code
 *       hashes} (8 bytes per range, concatenated); the later ones hold neither, because their
 *       ranges are children or deferred ranges that the responder has already shown to differ.
 *   <li>The {@code DigestResponse} echoes the round and, for each requested range that differs
 *       (whose count or hash differs from the responder's; every range of a request without
 *       hashes), in request order, an entry of the parallel arrays {@code indexes} (the range's
 *       position in the request, strictly increasing), {@code key_counts} (the responder's count)
 *       and {@code details}, one of:
 *       <ul>
 *         <li>1: the responder's keys in the range are listed, exactly {@code key_count} of them,
 *             sorted, in the key list {@code keys} with their wire hashes in {@code key_hashes};
 *             the requester then classifies every key of the range and is done with it;
 *         <li>c &ge; 2: the range is split into c children: c - 1 inner boundaries in the key list
 *             {@code boundaries}, strictly increasing and strictly inside the range (the first
 *             child starts at the range's start, each next one at the previous boundary, the last
 *             ends at the range's end), each child's count (at least 1, adding up to the range's)
 *             in {@code child_counts} and its wire hash in {@code child_hashes}; the requester
 *             compares each child with its own and asks about those that differ;
 *         <li>0 with {@code key_count} 0: the responder holds no key in the range, so every key the
 *             requester holds there is missing on the responder;
 *         <li>0 with {@code key_count} above 0: the responder had no room left in this message to
 *             detail the range; the requester asks about it again in a later round.
 *       </ul>
 *       The lists of all differences follow one another in the shared arrays: {@code child_counts}
 *       has one entry and {@code child_hashes} 8 bytes per child, {@code keys} one string and
 *       {@code key_hashes} 8 bytes per listed key, {@code boundaries} c - 1 strings per split,
 *       nothing more.
 * </ul>
 *
 * <p>A response with more entries than the requester's bound, or that breaks a rule above, is
 * refused with a {@link io.converge.replication.codec.WireException} ({@code OVERSIZED} or {@code
 * MALFORMED}), whose {@code toReject()} is what the engine sends back; so is a request with more
 * ranges than the responder's bound, with unsorted or overlapping ranges, a salt that is not 8
 * bytes, or counts and hashes that are neither absent nor one per range. Besides the entry bound,
 * neither side puts more than about 1 MiB of boundaries and keys in one message.
 *
 * <p>What it costs: 1 000 divergent keys among 1 000 000 (short keys), one reconciliation, 18
 * rounds of at most 2048 entries, about 331 bytes of messages per divergent key (a child costs
 * about 14 bytes, a listed key about 13); two equal replicas, one round of 34 bytes whatever their
 * size.
 */
package io.converge.replication.antientropy;
