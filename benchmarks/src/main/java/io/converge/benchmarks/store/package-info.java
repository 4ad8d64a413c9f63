/**
 * The durable store benchmark, {@link io.converge.benchmarks.store.StoreBenchmark}: the replica's
 * write path (append one record, wait until it is durable) and its recovery, on RocksDB through
 * Converge's own {@link io.converge.replication.store.RocksDbStore}, on H2's MVStore and on LMDB
 * (lmdbjava), each behind the same {@link io.converge.benchmarks.store.DurableLog}.
 */
package io.converge.benchmarks.store;
