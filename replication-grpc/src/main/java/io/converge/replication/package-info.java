/**
 * The embedded replica: {@link io.converge.replication.Replica}, made by its builder, with its
 * keys, consistency levels, causal tokens, statistics and health.
 *
 * <h2>Threads</h2>
 *
 * <p>Every method of {@link io.converge.replication.Replica} is thread-safe. The engine behind it
 * holds one lock while it changes state and never calls out under it: not the transport, not the
 * scheduler, not a listener, and no code chained to a future.
 *
 * <ul>
 *   <li><b>Writes</b> ({@code update}, {@code write}, {@code writeAsync}) apply the change on the
 *       calling thread, and with a data directory commit it there, before they return (the async
 *       twin included); what is asynchronous is only the wait for the peers.
 *   <li><b>Futures</b> of the async API ({@code writeAsync}, {@code getAsync}, {@code drainAsync})
 *       complete on the thread that made the progress they waited for, once the engine's lock is
 *       released: the transport's thread that delivered the acknowledgement or the delta that
 *       completed them; the {@linkplain io.converge.replication.EngineScheduler scheduler}'s thread
 *       when they time out; the thread that closes the replica when it closes; or the calling
 *       thread, before the method returns, when nothing had to be waited for. Code chained with
 *       {@code thenApply} and the like runs there too: keep it short, or chain it with an executor
 *       ({@code thenApplyAsync(fn, executor)}) so that it does not hold up the transport. The
 *       blocking methods ({@code write}, {@code get(key, token, timeout)}, {@code drain}) wait for
 *       the same futures.
 *   <li><b>Timeouts and timers</b> run on the {@link io.converge.replication.EngineScheduler} and
 *       read one clock, its {@link io.converge.replication.Ticker} (or the builder's): the system's
 *       monotonic clock in production, the in-memory network's virtual time in a simulation ({@link
 *       io.converge.replication.EngineScheduler#virtual}), where a wait therefore ends at a virtual
 *       time that depends on the seed alone.
 *   <li><b>Listeners</b> ({@code subscribe}) run, by default, on the thread that made the change,
 *       after the lock is released and the change is committed: the writer's (before {@code update}
 *       returns) or the transport's. With {@link
 *       io.converge.replication.Replica.Builder#listenerExecutor} they run on that executor, one
 *       change at a time per key, in the order the replica applied the key's changes, different
 *       keys in parallel, and the writer never waits for them. Either way a listener that throws is
 *       caught, counted and logged.
 * </ul>
 */
package io.converge.replication;
