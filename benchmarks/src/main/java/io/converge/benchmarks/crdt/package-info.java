/**
 * Converge's CRDTs against Apache Pekko Distributed Data in the same JMH run: merges of counters,
 * OR-Sets and registers, and the local operations around them. Every comparative benchmark has the
 * parameter {@code impl} ({@code converge} or {@code pekko}) and measures both libraries with the
 * same method on the same shapes, so each figure is read as a ratio.
 */
package io.converge.benchmarks.crdt;
