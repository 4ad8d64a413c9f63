/**
 * Benchmarks of Converge's clocks: the hybrid logical clock's {@code now()} and {@code update}, and
 * version vector comparison and merge, the latter against Pekko Distributed Data's {@code
 * VersionVector} (parameter {@code impl}).
 */
package io.converge.benchmarks.clocks;
