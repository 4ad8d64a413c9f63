/**
 * JMH benchmarks of Converge. Each subpackage measures one part; the harness code that JMH's
 * annotation processor generates lives in {@code <package>.jmh_generated}.
 *
 * <ul>
 *   <li>{@link io.converge.benchmarks.crdt}: the merge hot path of the CRDTs (counters, OR-set, LWW
 *       register), side by side with Apache Pekko Distributed Data in the same run.
 *   <li>{@link io.converge.benchmarks.clocks}: hybrid logical clock and version vectors.
 *   <li>{@link io.converge.benchmarks.codec}: encoding and decoding states and deltas.
 *   <li>{@link io.converge.benchmarks.store}: the replica's durable store (RocksDB) against other
 *       embedded stores.
 *   <li>{@link io.converge.benchmarks.replication}: replication over gRPC (throughput, convergence
 *       lag, bytes per update; anti-entropy after a partition), a program of its own.
 *   <li>{@link io.converge.benchmarks.report}: the tables and charts of {@code BENCHMARKS.md}, made
 *       from JMH's JSON results.
 * </ul>
 */
package io.converge.benchmarks;
