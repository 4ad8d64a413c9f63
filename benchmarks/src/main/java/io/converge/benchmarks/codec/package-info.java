/**
 * Benchmarks of Converge's wire format ({@link io.converge.replication.codec.CrdtCodec}): encoding
 * and decoding the protobuf state messages of full states and deltas.
 */
package io.converge.benchmarks.codec;
