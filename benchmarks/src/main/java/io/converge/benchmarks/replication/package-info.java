/**
 * The replication benchmark program, {@link
 * io.converge.benchmarks.replication.ReplicationBenchmark}: three replicas over real gRPC on
 * loopback under a sustained, open-loop update rate (throughput, convergence lag percentiles in an
 * HdrHistogram, bytes on the wire per update), and anti-entropy after a partition (time and bytes
 * to reconcile a small divergent part of a million keys, against the size of the divergent state).
 * A plain program with a {@code main}, not JMH.
 */
package io.converge.benchmarks.replication;
