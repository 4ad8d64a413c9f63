/**
 * The game days: three regions as processes, the faults (partition, kill -9, clock skew), the
 * measurements (RTO, RPO, convergence time, replication lag) and their reports.
 */
package io.converge.examples.gameday;
