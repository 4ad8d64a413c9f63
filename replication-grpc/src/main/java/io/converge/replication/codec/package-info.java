/**
 * The wire layer of Converge's replication: the conversions between the protocol buffers of {@code
 * converge/replication/v1/replication.proto} and {@code causal.proto} (generated into {@code
 * io.converge.replication.wire.v1}) and the types of {@code io.converge.clocks} and {@code
 * io.converge.crdt}.
 *
 * <p>This package is public so that the replication engine, stores and tools can share one
 * encoding, but it is a low-level layer: applications use the replica, not these classes.
 *
 * <ul>
 *   <li>{@link io.converge.replication.codec.CrdtCodec}: a CRDT state (or delta) to and from the
 *       bytes of its state message, with codecs for {@code GCounter}, {@code PNCounter}, {@code
 *       GSet}, {@code LWWRegister}, and the causal types {@code ORSet}, {@code MVRegister}, {@code
 *       EWFlag}, {@code DWFlag}, {@code CausalCounter} and {@code ORMap}.
 *   <li>{@link io.converge.replication.codec.CausalCodec}: a causal type's codec, which can also
 *       encode a bare store nested in an {@code ORMap} and decode it under the map's context.
 *   <li>{@link io.converge.replication.codec.ElementCodec}: set elements and register values to and
 *       from bytes.
 *   <li>{@link io.converge.replication.codec.Clocks}: replica ids, dots, version vectors, causal
 *       contexts and hybrid logical clock timestamps to and from their messages.
 *   <li>{@link io.converge.replication.codec.WireLimits}: how large a message a decoder accepts.
 *   <li>{@link io.converge.replication.codec.WireException}: every refusal of untrusted input, with
 *       a {@link io.converge.replication.codec.WireException.Reason} that maps to {@code
 *       Reject.Reason}.
 * </ul>
 *
 * <p><b>Determinism.</b> Anti-entropy compares hashes of encoded states, so every encoder here
 * writes a canonical form: repeated fields sorted (version vector entries and dots by replica id,
 * set elements by their encoded bytes, unsigned) without duplicates, and default values left out.
 * Equal values therefore encode to equal bytes, however they were built. One caveat for the causal
 * sets and maps: whether a value is a delta, and whether a full state is <em>closed</em> (see
 * {@code io.converge.crdt.ORSet}), are part of the encoding but not of {@code equals}; a digest of
 * contents should encode full states with the same closed flag.
 *
 * <p><b>Untrusted input.</b> Decoders accept only that canonical form: an unsorted or duplicated
 * entry, a counter of 0 where 1 is the least, a malformed replica id or malformed UTF-8 is refused
 * with {@link io.converge.replication.codec.WireException.Reason#MALFORMED}, and input beyond the
 * {@link io.converge.replication.codec.WireLimits} with {@link
 * io.converge.replication.codec.WireException.Reason#OVERSIZED}, before anything large is
 * allocated. Every message names the offending value. Decoders never repair input, so a value that
 * decodes re-encodes to the same meaning and the same canonical bytes.
 *
 * <p>All classes of this package are immutable and thread-safe, and so are the codecs they return
 * (provided that a user-supplied {@link io.converge.replication.codec.ElementCodec} is).
 */
package io.converge.replication.codec;
