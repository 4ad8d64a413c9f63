/**
 * Property-test your own CRDT or conflict resolver from any JUnit 5 test: QuickTheories generators
 * of operations, checks of the lattice and delta laws, and a convergence runner that plays random
 * operations on several replicas over a network that loses, duplicates and reorders messages.
 *
 * <p>About twenty lines prove a delta CRDT converges:
 *
 * <pre>{@code
 * final class MyCounterProperties {
 *   private final Gen<Operation<MyCounter>> operations =
 *       Generators.calls("increment", Generators.smallPositiveIntegers(),
 *           n -> (r, c) -> c.increment(r, n));
 *
 *   @Test
 *   void merge_obeysLatticeAndDeltaLaws() {
 *     CrdtLaws.checkAll(MyCounter.empty(), operations);
 *   }
 *
 *   @Test
 *   void replicas_convergeToTheSumOfIncrements() {
 *     Specification<MyCounter, Long> sum = Specification.sequential(
 *         0L, (n, e) -> n + (Integer) ((Operation.Call) e.payload()).argument(), MyCounter::value);
 *     ConvergenceRunner.builder(MyCounter.empty(), operations)
 *         .specification(sum)
 *         .build()
 *         .check();
 *   }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link io.converge.crdt.testkit.Operation}: a named mutation, applied on a replica;
 *   <li>{@link io.converge.crdt.testkit.Generators}: replica ids, small element domains and
 *       operation generators to build your own;
 *   <li>{@link io.converge.crdt.testkit.BuiltInGenerators}: the operations of every built-in type
 *       of {@code crdt-core}, with payloads a specification can read;
 *   <li>{@link io.converge.crdt.testkit.CrdtLaws}: merge is a join, deltas are faithful;
 *   <li>{@link io.converge.crdt.testkit.ConvergenceRunner}: replicas converge, and agree with a
 *       {@link io.converge.crdt.testkit.Specification} that reads the causal history of {@link
 *       io.converge.crdt.testkit.Event}s.
 * </ul>
 *
 * <p>Failures shrink to a minimal counterexample and print the seed. The number of examples per
 * check is QuickTheories' {@code QT_EXAMPLES} system property; replay with {@code
 * -DQT_SEED=<seed>}.
 */
package io.converge.crdt.testkit;
