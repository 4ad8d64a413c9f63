package io.converge.replication;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.PhysicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * An embedded replica: a set of named CRDT values that this process updates locally and that
 * converge with the values of the same names on every peer, in whatever order the replicas write,
 * and across partitions. Made by {@link #builder()}.
 *
 * <pre>{@code
 * Key<GCounter> visits = Key.gCounter("visits");
 * try (Replica us = Replica.builder().replicaId("us-east").transport(transport).key(visits).start()) {
 *   us.update(visits, c -> c.increment(us.self(), 1));
 *   long seen = us.get(visits).value();
 * }
 * }</pre>
 *
 * <p><b>Guarantees.</b> An update is applied locally when {@link #update} returns, and shipped to
 * every connected peer as a delta; deltas are acknowledged and resent until acknowledged, and
 * periodic anti-entropy sends the full state of every key that still differs. Once the network
 * heals and stays up, every replica ends up with the merge of every update made anywhere (that the
 * replica that made it did not lose first). Without a {@linkplain Builder#dataDirectory data
 * directory} state is held in memory only, so a replica that dies loses the updates no peer
 * acknowledged yet; with one, {@code update} returns once the change is committed to disk, changes
 * from peers are committed before they are acknowledged, and a restarted replica recovers all of
 * it.
 *
 * <p><b>Keys.</b> A key is bound to one CRDT type. Declare the keys a replica may receive with
 * {@link Builder#key} or {@link Builder#keyFamily}; a key used locally and not declared is declared
 * by that use. A delta or full state from a peer for an undeclared key, or with another type than
 * the declared one, is refused ({@code Reject(TYPE_MISMATCH)} to the sender, counted in {@link
 * #stats()}) and the local value is untouched.
 *
 * <p><b>Transports.</b> Over a real network, build a {@link
 * io.converge.replication.transport.GrpcTransport} (listen address, peers, mutual TLS) and pass it
 * to {@link Builder#transport}; the replica starts and closes it.
 *
 * <p><b>Metrics.</b> The replica registers Micrometer meters in the registry given to {@link
 * Builder#meterRegistry} (by default a private {@link SimpleMeterRegistry}, so that nothing is
 * published; {@link #stats()} and {@link #peers()} work either way). Every meter is tagged {@code
 * replica} (this replica's id); the per-peer ones also {@code peer} (the peer's id). They are
 * registered when the replica first meets a peer, and removed from the registry by {@link
 * #close()}.
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>Name</th><th>Type</th><th>Tags</th><th>Meaning</th></tr>
 *   <tr><td>{@code converge.replication.lag}</td><td>timer, percentile histogram</td>
 *       <td>replica, peer</td><td>per delta applied from a peer: this replica's clock at receipt
 *       minus the physical time of the delta's origin timestamp (its HLC when it was made on the
 *       peer), clamped at 0</td></tr>
 *   <tr><td>{@code converge.deltas.sent}</td><td>counter</td><td>replica, peer</td>
 *       <td>deltas sent, resends included</td></tr>
 *   <tr><td>{@code converge.deltas.received}</td><td>counter</td><td>replica, peer</td>
 *       <td>deltas received and applied (duplicates not counted)</td></tr>
 *   <tr><td>{@code converge.bytes.sent}</td><td>counter (bytes)</td><td>replica, peer</td>
 *       <td>serialized size of the envelopes sent</td></tr>
 *   <tr><td>{@code converge.bytes.received}</td><td>counter (bytes)</td><td>replica, peer</td>
 *       <td>serialized size of the envelopes received</td></tr>
 *   <tr><td>{@code converge.fullstate.sent}</td><td>counter</td><td>replica, peer</td>
 *       <td>full states sent by anti-entropy (one per key, however many chunks)</td></tr>
 *   <tr><td>{@code converge.fullstate.received}</td><td>counter</td><td>replica, peer</td>
 *       <td>full states received, reassembled and merged</td></tr>
 *   <tr><td>{@code converge.fullstate.oversized}</td><td>counter</td><td>replica</td>
 *       <td>full states of a key over this replica's {@linkplain Builder#maxKeyBytes limit},
 *       refused for that key alone ({@link Stats#fullStatesOversized()}, keys in {@link
 *       Stats#oversizedKeys()})</td></tr>
 *   <tr><td>{@code converge.digest.rounds}</td><td>counter</td><td>replica, peer</td>
 *       <td>digest requests sent</td></tr>
 *   <tr><td>{@code converge.rejected}</td><td>counter</td><td>replica, reason, direction</td>
 *       <td>refused messages by {@link io.converge.replication.codec.WireException.Reason}:
 *       {@code direction=received}, messages this replica received and refused ({@link
 *       Stats#rejected()}); {@code direction=sent}, messages this replica sent that a peer refused
 *       ({@link Stats#rejectsReceived()})</td></tr>
 *   <tr><td>{@code converge.deltas.pending}</td><td>gauge</td><td>replica, peer</td>
 *       <td>this replica's deltas the peer has not acknowledged and the log still holds</td></tr>
 *   <tr><td>{@code converge.listener.errors}</td><td>counter</td><td>replica</td>
 *       <td>subscriber calls that threw (caught and logged; the change is applied)</td></tr>
 *   <tr><td>{@code converge.store.commits}</td><td>counter</td><td>replica</td>
 *       <td>group commits of a durable replica's store: one append and one fsync for every change
 *       queued meanwhile</td></tr>
 *   <tr><td>{@code converge.store.failed}</td><td>gauge</td><td>replica</td>
 *       <td>1 once a durable replica's store failed (a failed fsync is final; changes are then
 *       applied in memory only, and none is acknowledged or sent), else 0</td></tr>
 *   <tr><td>{@code converge.clock.fenced}</td><td>gauge</td><td>replica</td>
 *       <td>1 while the replica's clock disagrees with a majority of its peers ({@link
 *       #clockHealth()}), else 0</td></tr>
 *   <tr><td>{@code converge.clock.disagreeing}</td><td>gauge</td><td>replica</td>
 *       <td>peers whose clocks currently disagree with this replica's beyond the maximum
 *       offset</td></tr>
 * </table>
 *
 * <p>This class is thread-safe.
 */
public final class Replica implements AutoCloseable {

  // Design: this class is the public surface (the API and its documentation, most of its lines);
  // it holds no state of its own but the engine, the scheduler it may own and the settings it was
  // built with. The builder's settings, their checks and the assembly of a replica (store recovery,
  // clock, scheduler, engine) are ReplicaAssembly's; the state (values, peers, logs) lives in
  // ReplicationEngine and its components, guarded by the engine's one lock; the store is written
  // on Persistence's thread. Which thread runs what (writes, futures, timers, listeners) is in
  // package-info.java.

  private final ReplicationEngine engine;
  private final ScheduledExecutorService ownedExecutor;
  private final Duration drainTimeout;
  private final ConsistencyRules consistency;
  private final Duration writeTimeout;

  /** Made by {@link ReplicaAssembly#start()}; {@code ownedExecutor}, if any, stops on close. */
  Replica(
      ReplicationEngine engine,
      ScheduledExecutorService ownedExecutor,
      Duration drainTimeout,
      ConsistencyRules consistency,
      Duration writeTimeout) {
    this.engine = engine;
    this.ownedExecutor = ownedExecutor;
    this.drainTimeout = drainTimeout;
    this.consistency = consistency;
    this.writeTimeout = writeTimeout;
  }

  /**
   * Returns a new builder.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns this replica's id.
   *
   * @return the id
   */
  public ReplicaId self() {
    return engine.self();
  }

  /**
   * Returns this replica's hybrid logical clock, to timestamp register writes ({@code
   * LWWRegister.set(value, clock, writer)}).
   *
   * @return the clock, thread-safe
   */
  public HybridLogicalClock clock() {
    return engine.clock();
  }

  /**
   * Applies a mutation to a key's value, atomically with respect to every other update, and ships
   * its delta to the peers, with the key's {@linkplain #consistencyOf default consistency}. {@code
   * function} receives the current value with no pending delta and must return it mutated by its
   * delta-producing methods, with {@link #self()} as the replica (for example {@code c ->
   * c.increment(replica.self(), 1)}); a result with no delta changes nothing. It runs under the
   * replica's lock: it must be quick and must not call the replica. Subscribers are notified before
   * this method returns, on the calling thread, unless they run on a {@linkplain
   * Builder#listenerExecutor listener executor}. The same as {@link #write(Key, UnaryOperator)
   * write(key, function).value()}.
   *
   * @param key the key
   * @param function the mutation
   * @param <T> the CRDT type
   * @return the new value (the current one if the function produced no delta)
   * @throws NullPointerException if an argument is null, or the function returns null
   * @throws IllegalArgumentException if the key's name is declared with another type
   * @throws IllegalStateException if the replica is closed
   * @throws io.converge.replication.codec.WireException OVERSIZED if the delta exceeds the wire
   *     limits (for a {@code QUORUM} or {@code ALL} write: one message of the transport); the value
   *     is then unchanged
   * @throws WriteTimeoutException if the key's consistency is {@code QUORUM} or {@code ALL} and not
   *     enough peers acknowledged the write within the {@linkplain Builder#writeTimeout write
   *     timeout}; the write is applied and will replicate
   */
  public <T extends DeltaCrdt<T>> T update(Key<T> key, UnaryOperator<T> function) {
    return write(key, function).value();
  }

  /**
   * Applies a mutation as {@link #update} does, with the key's {@linkplain #consistencyOf default
   * consistency} and the {@linkplain Builder#writeTimeout write timeout}, and returns the new value
   * with the write's {@linkplain CausalToken causal token}.
   *
   * @param key the key
   * @param function the mutation
   * @param <T> the CRDT type
   * @return the new value and the write's token (empty if the function produced no delta)
   * @throws NullPointerException if an argument is null, or the function returns null
   * @throws IllegalArgumentException if the key's name is declared with another type
   * @throws IllegalStateException if the replica is closed
   * @throws io.converge.replication.codec.WireException OVERSIZED as {@link #update}
   * @throws WriteTimeoutException as {@link #update}
   */
  public <T extends DeltaCrdt<T>> Written<T> write(Key<T> key, UnaryOperator<T> function) {
    return Waiters.await(writeAsync(key, function));
  }

  /**
   * Applies a mutation as {@link #update} does, and returns once {@code consistency} is met: at
   * once for {@link Consistency#LOCAL}; for {@link Consistency#QUORUM} and {@link Consistency#ALL}
   * once enough of the transport's configured peers acknowledged the write (a durable peer
   * acknowledges once the write is on its disk), or fails after {@code timeout}. A timeout does not
   * undo anything: the write stays applied here and keeps replicating.
   *
   * @param key the key
   * @param function the mutation
   * @param consistency how many replicas must hold the write before this method returns
   * @param timeout how long to wait for them at most, on the replica's ticker; ignored for {@code
   *     LOCAL}
   * @param <T> the CRDT type
   * @return the new value and the write's token (empty if the function produced no delta)
   * @throws NullPointerException if an argument is null, or the function returns null
   * @throws IllegalArgumentException if the key's name is declared with another type, or {@code
   *     timeout} is negative
   * @throws IllegalStateException if the replica is closed
   * @throws io.converge.replication.codec.WireException OVERSIZED if the delta exceeds the wire
   *     limits, or is a {@code QUORUM} or {@code ALL} write's delta larger than one message of the
   *     transport; the value is then unchanged
   * @throws WriteTimeoutException if not enough peers acknowledged in time (or the replica closed,
   *     or the thread was interrupted, which then has its interrupt flag set): the message says
   *     which peers did, and that the write is applied and will replicate
   */
  public <T extends DeltaCrdt<T>> Written<T> write(
      Key<T> key, UnaryOperator<T> function, Consistency consistency, Duration timeout) {
    return Waiters.await(writeAsync(key, function, consistency, timeout));
  }

  /**
   * Applies a mutation as {@link #write(Key, UnaryOperator)} does, with the key's {@linkplain
   * #consistencyOf default consistency} and the {@linkplain Builder#writeTimeout write timeout},
   * without waiting for the peers: see {@link #writeAsync(Key, UnaryOperator, Consistency,
   * Duration)}.
   *
   * @param key the key
   * @param function the mutation
   * @param <T> the CRDT type
   * @return a future of the new value and the write's token
   * @throws NullPointerException if an argument is null, or the function returns null
   * @throws IllegalArgumentException if the key's name is declared with another type
   * @throws IllegalStateException if the replica is closed
   * @throws io.converge.replication.codec.WireException OVERSIZED as {@link #update}
   */
  public <T extends DeltaCrdt<T>> CompletableFuture<Written<T>> writeAsync(
      Key<T> key, UnaryOperator<T> function) {
    Objects.requireNonNull(key, "key");
    return writeAsync(key, function, consistencyOf(key.name()), writeTimeout);
  }

  /**
   * Applies a mutation as {@link #update} does, and returns a future that completes once {@code
   * consistency} is met, without parking the calling thread while the peers acknowledge.
   *
   * <p>The write itself happens before this method returns, on the calling thread: the function
   * runs, the new value is applied, and (with a {@linkplain Builder#dataDirectory data directory})
   * the change is queued for the store's own thread, which commits the changes of every writer
   * together (one fsync for all of them); a failure of that part (a bad argument, a closed or
   * fenced replica, an oversized delta) is thrown here, and nothing was written. Its delta leaves
   * for the peers once it is committed. The future then completes: for {@link Consistency#LOCAL}
   * (and when no peer needs to acknowledge) once the change is committed (at once in memory); for
   * {@link Consistency#QUORUM} and {@link Consistency#ALL} once, in addition, enough of the
   * transport's configured peers acknowledged the write, or exceptionally with a {@link
   * WriteTimeoutException} after {@code timeout} (or when the replica closes). If the store fails
   * (a failed fsync is final), the future completes exceptionally with its {@link
   * io.converge.replication.store.StoreException}: the change is applied in memory only, and is
   * neither sent nor acknowledged to anyone. <b>Either way the write is applied</b>: a timeout
   * rolls nothing back, the write keeps replicating, and the exception's {@link
   * WriteTimeoutException#token() token} reads it back. Cancelling the future does not undo the
   * write either.
   *
   * <p>The future completes on the thread that made the progress: the store's thread that committed
   * the change, the transport's thread that delivered the last acknowledgement needed, the
   * {@linkplain Builder#scheduler scheduler}'s thread at the timeout (on its {@linkplain
   * Builder#ticker ticker}'s time), or the thread that closes the replica; never under the
   * replica's lock. Keep what you chain to it short, or chain it with an executor ({@code
   * thenApplyAsync(fn, executor)}).
   *
   * @param key the key
   * @param function the mutation
   * @param consistency how many replicas must hold the write before the future completes
   * @param timeout how long to wait for them at most, on the replica's ticker; ignored for {@code
   *     LOCAL}; zero checks once
   * @param <T> the CRDT type
   * @return a future of the new value and the write's token (empty if the function produced no
   *     delta), or of a {@link WriteTimeoutException}
   * @throws NullPointerException if an argument is null, or the function returns null
   * @throws IllegalArgumentException if the key's name is declared with another type, or {@code
   *     timeout} is negative
   * @throws IllegalStateException if the replica is closed
   * @throws ClockSkewException if the replica is fenced (see {@link #clockHealth()})
   * @throws io.converge.replication.codec.WireException OVERSIZED as {@link #write(Key,
   *     UnaryOperator, Consistency, Duration)}
   */
  public <T extends DeltaCrdt<T>> CompletableFuture<Written<T>> writeAsync(
      Key<T> key, UnaryOperator<T> function, Consistency consistency, Duration timeout) {
    return engine.writeAsync(key, function, consistency, timeout);
  }

  /**
   * Returns the consistency that {@link #update} and {@link #write(Key, UnaryOperator)} use for a
   * key: that of the longest prefix of its name given to {@link Builder#consistency(String,
   * Consistency)}, or else the replica's default ({@link Builder#consistency(Consistency)}, {@code
   * LOCAL} unless set).
   *
   * @param keyName the key's name
   * @return the consistency
   * @throws NullPointerException if {@code keyName} is null
   */
  public Consistency consistencyOf(String keyName) {
    return consistency.of(keyName);
  }

  /**
   * Returns a key's current value.
   *
   * @param key the key
   * @param <T> the CRDT type
   * @return the value, or {@link Key#zero()} if the key was never written here
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the key's name is declared with another type
   */
  public <T extends DeltaCrdt<T>> T get(Key<T> key) {
    return engine.get(key);
  }

  /**
   * Waits until this replica has seen every write of {@code token}, then returns a key's value: a
   * user who wrote in one region and reads in another with the write's token reads their own write.
   * Returns at once if the writes are already here (or were written here). A write has been seen
   * when merging its delta into this replica's value changes nothing; see {@link CausalToken}.
   *
   * @param key the key to read; it need not be a key of the token
   * @param token what the reader wrote, or the join of several writes' tokens
   * @param timeout how long to wait at most, on the replica's ticker; zero checks once
   * @param <T> the CRDT type
   * @return the key's value, which includes every write of the token to that key
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key's name is declared with another type; if the token
   *     names a key this replica does not declare with the token's type, or a delta that does not
   *     decode (a token made by another application, or forged); or if {@code timeout} is negative
   * @throws ReadTimeoutException if the replica has not seen every write of the token within {@code
   *     timeout} (or closed, or the thread was interrupted, which then has its interrupt flag set);
   *     the message names the keys still missing
   */
  public <T extends DeltaCrdt<T>> T get(Key<T> key, CausalToken token, Duration timeout) {
    return Waiters.await(getAsync(key, token, timeout));
  }

  /**
   * Reads a key once this replica has seen every write of {@code token}, as {@link #get(Key,
   * CausalToken, Duration)} does, without parking the calling thread: the future completes with the
   * key's value (read when the last write of the token was seen, so it includes every write of the
   * token to that key), at once if the writes are already here, or exceptionally with a {@link
   * ReadTimeoutException} naming the keys still missing after {@code timeout} (or when the replica
   * closes). It completes on the thread that merged the last write needed (the transport's), the
   * {@linkplain Builder#scheduler scheduler}'s thread at the timeout, or the closing thread; never
   * under the replica's lock.
   *
   * @param key the key to read; it need not be a key of the token
   * @param token what the reader wrote, or the join of several writes' tokens
   * @param timeout how long to wait at most, on the replica's {@linkplain Builder#ticker ticker};
   *     zero checks once
   * @param <T> the CRDT type
   * @return a future of the key's value, or of a {@link ReadTimeoutException}
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException as {@link #get(Key, CausalToken, Duration)}: a key declared
   *     with another type, a token this replica cannot read, or a negative {@code timeout}
   */
  public <T extends DeltaCrdt<T>> CompletableFuture<T> getAsync(
      Key<T> key, CausalToken token, Duration timeout) {
    return engine.getAsync(key, token, timeout);
  }

  /**
   * Returns whether this replica has seen every write of {@code token}, without waiting.
   *
   * @param token the token
   * @return true if a {@link #get(Key, CausalToken, Duration)} with it would return at once
   * @throws NullPointerException if {@code token} is null
   * @throws IllegalArgumentException if the token names a key this replica does not declare with
   *     the token's type, or a delta that does not decode
   */
  public boolean hasSeen(CausalToken token) {
    return engine.hasSeen(token);
  }

  /**
   * Calls {@code listener} with the new value after each change of a key, local or remote, outside
   * the replica's lock and once the change is committed (with a data directory). A merge from a
   * peer that changes nothing is not notified. Where it runs:
   *
   * <ul>
   *   <li>by default, on the thread that made the change: the updater's, before {@code update}
   *       returns, or the transport's for a change from a peer. A key's changes made by one thread
   *       are notified in order; changes of one key made at once by several threads (a writer and
   *       the transport, two writers) are each notified by their own thread, in either order;
   *   <li>with a {@linkplain Builder#listenerExecutor listener executor}, on that executor, one
   *       change at a time per key and in the order the replica applied the key's changes, keys in
   *       parallel; the writer does not wait for it.
   * </ul>
   *
   * A listener that throws is caught: the exception is counted ({@link Stats#listenerErrors()},
   * {@code converge.listener.errors}) and logged, and never reaches the writer (whose write is
   * applied), the transport or the key's other listeners.
   *
   * @param key the key
   * @param listener the listener
   * @param <T> the CRDT type
   * @return a subscription; closing it stops the calls
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the key's name is declared with another type
   * @throws IllegalStateException if the replica is closed
   */
  public <T extends DeltaCrdt<T>> Subscription subscribe(Key<T> key, Consumer<? super T> listener) {
    return engine.subscribe(key, listener);
  }

  /**
   * Returns the status of every peer this replica has been connected to.
   *
   * @return an immutable map, by peer id
   */
  public Map<ReplicaId, PeerStatus> peers() {
    return engine.peers();
  }

  /**
   * Returns whether this replica's clock agrees with its cluster's: a replica whose clock disagrees
   * beyond the maximum clock offset with more than half of its configured peers is <i>fenced</i>
   * (see {@link ClockHealth} for the rule and the two-replica case) and, under {@link
   * ClockSkewPolicy#FENCE} (the default), refuses writes with a {@link ClockSkewException} until
   * its clock agrees again. A health check should report the replica down while {@link
   * ClockHealth#fenced()}, with {@link ClockHealth#reason()}.
   *
   * @return a snapshot
   */
  public ClockHealth clockHealth() {
    return engine.clockHealth();
  }

  /**
   * Returns the replica's counters.
   *
   * @return a snapshot
   */
  public Stats stats() {
    return engine.stats();
  }

  /**
   * Waits until every connected peer has acknowledged every update this replica made before the
   * call (they are resent meanwhile), or until {@code timeout} passes. Peers that are not connected
   * are not waited for: they get those updates when they reconnect, from this replica if it still
   * runs, or from the others through anti-entropy. Updates too large for one message (shipped by
   * anti-entropy, not as deltas) are not waited for either.
   *
   * @param timeout how long to wait at most; zero checks once
   * @return whether every connected peer acknowledged everything in time
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws InterruptedException if the thread is interrupted while waiting
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    return Waiters.awaitDrain(drainAsync(timeout));
  }

  /**
   * Returns a future that completes with true once every connected peer has acknowledged every
   * update this replica made before the call, as {@link #drain} waits for; with false after {@code
   * timeout} (on the replica's {@linkplain Builder#ticker ticker}) or if the replica closes first.
   * It completes on the transport's thread that delivered the last acknowledgement needed, the
   * scheduler's thread at the timeout, or the closing thread.
   *
   * @param timeout how long to wait at most; zero checks once
   * @return a future of whether every connected peer acknowledged everything in time
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  public CompletableFuture<Boolean> drainAsync(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("must be >= 0: timeout=" + timeout);
    }
    return engine.drainAsync(timeout);
  }

  /**
   * Drains, then stops replicating. First waits, at most the {@linkplain Builder#drainTimeout drain
   * timeout}, until every connected peer has acknowledged the updates made so far (as {@link
   * #drain}); then closes the transport, stops the timers and removes the replica's meters. Updates
   * that no peer acknowledged by then are not sent any more: unless the replica is restarted from a
   * durable store, they are lost to the others. If the calling thread is interrupted while
   * draining, the replica closes at once and the thread's interrupt flag stays set. Idempotent;
   * updates racing with {@code close} may be applied locally but not drained.
   */
  @Override
  public void close() {
    if (!drainTimeout.isZero()) {
      try {
        Waiters.awaitDrain(engine.drainAsync(drainTimeout));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    engine.close();
    if (ownedExecutor != null) {
      ownedExecutor.shutdownNow();
    }
  }

  @Override
  public String toString() {
    return "Replica[" + engine.self() + "]";
  }

  /** Configures and starts a {@link Replica}. Not thread-safe. */
  public static final class Builder {

    /** The default interval of anti-entropy rounds. */
    public static final Duration DEFAULT_ANTI_ENTROPY_INTERVAL = Duration.ofSeconds(5);

    /** The default interval of resends of unacknowledged deltas. */
    public static final Duration DEFAULT_RESEND_INTERVAL = Duration.ofMillis(500);

    /** The default {@link #drainTimeout}: 5 seconds. */
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(5);

    /** The default bound of the outbound delta log. */
    public static final int DEFAULT_MAX_LOG_ENTRIES = 100_000;

    /** The default {@link #writeTimeout}: 5 seconds. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(5);

    /** The default {@link #maxKeyBytes}: 256 MiB. */
    public static final long DEFAULT_MAX_KEY_BYTES = 256L * 1024 * 1024;

    /** The longest {@link #batchLinger}: 1 s. */
    public static final Duration MAX_BATCH_LINGER = Duration.ofSeconds(1);

    /** The largest {@link #maxKeyBytes}: the largest array a JVM allocates, about 2 GiB. */
    public static final long MAX_KEY_BYTES_LIMIT = Integer.MAX_VALUE - 8;

    private final ReplicaAssembly assembly = new ReplicaAssembly();

    private Builder() {}

    /**
     * Sets the consistency of writes to keys that no {@link #consistency(String, Consistency)}
     * prefix matches, for {@link Replica#update} and {@link Replica#write(Key, UnaryOperator)}.
     * Default {@link Consistency#LOCAL}.
     *
     * @param consistency the default consistency
     * @return this builder
     * @throws NullPointerException if {@code consistency} is null
     */
    public Builder consistency(Consistency consistency) {
      assembly.consistency(consistency);
      return this;
    }

    /**
     * Sets the consistency of writes to every key whose name starts with {@code keyPrefix} (the
     * longest matching prefix wins), for {@link Replica#update} and {@link Replica#write(Key,
     * UnaryOperator)}: for example {@code consistency("order:", QUORUM)} while carts stay {@code
     * LOCAL}. Setting a prefix again replaces it.
     *
     * @param keyPrefix the prefix of key names, not empty
     * @param consistency their consistency
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code keyPrefix} is empty (use {@link
     *     #consistency(Consistency)})
     */
    public Builder consistency(String keyPrefix, Consistency consistency) {
      assembly.consistency(keyPrefix, consistency);
      return this;
    }

    /**
     * Sets how long {@link Replica#update} and {@link Replica#write(Key, UnaryOperator)} wait for
     * the acknowledgements of a {@code QUORUM} or {@code ALL} write before they throw {@link
     * WriteTimeoutException}. Default {@link #DEFAULT_WRITE_TIMEOUT}, 5 seconds.
     *
     * @param timeout the timeout, positive
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public Builder writeTimeout(Duration timeout) {
      assembly.writeTimeout(timeout);
      return this;
    }

    /**
     * Sets the replica's id. Required.
     *
     * @param id the id
     * @return this builder
     * @throws NullPointerException if {@code id} is null
     */
    public Builder replicaId(ReplicaId id) {
      assembly.replicaId(id);
      return this;
    }

    /**
     * Sets the replica's id by name.
     *
     * @param name the name, as {@link ReplicaId#of(String)}
     * @return this builder
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if the name is not a valid replica id
     */
    public Builder replicaId(String name) {
      return replicaId(ReplicaId.of(name));
    }

    /**
     * Sets the transport to the peers. Required. The replica starts it and closes it.
     *
     * @param transport a transport not started yet
     * @return this builder
     * @throws NullPointerException if {@code transport} is null
     */
    public Builder transport(Transport transport) {
      assembly.transport(transport);
      return this;
    }

    /**
     * Sets the hybrid logical clock. Default: {@link HybridLogicalClock#system()}.
     *
     * @param clock the clock
     * @return this builder
     * @throws NullPointerException if {@code clock} is null
     */
    public Builder clock(HybridLogicalClock clock) {
      assembly.clock(clock);
      return this;
    }

    /**
     * Sets what runs the timers (resends, anti-entropy rounds, the timeouts of waiting writes,
     * reads and drains). Its {@link EngineScheduler#ticker() ticker} is the replica's clock of
     * every wait, unless {@link #ticker} sets one. Default: a daemon thread of the replica's own,
     * on the system ticker, stopped by {@link Replica#close()}. A simulation passes one on virtual
     * time ({@link EngineScheduler#virtual}), so that its waits time out in virtual time too.
     *
     * @param scheduler the scheduler
     * @return this builder
     * @throws NullPointerException if {@code scheduler} is null
     */
    public Builder scheduler(EngineScheduler scheduler) {
      assembly.scheduler(scheduler);
      return this;
    }

    /**
     * Sets the clock of every wait: the deadlines of {@code QUORUM} and {@code ALL} writes,
     * causal-token reads and drains are read on it (the scheduler's timers wake them, and a wait
     * whose deadline the ticker has not reached yet sleeps again for what is left). Default: the
     * {@linkplain #scheduler scheduler}'s {@link EngineScheduler#ticker() ticker}, which is {@link
     * Ticker#system()} unless the scheduler says otherwise. Give the ticker of the time the
     * scheduler runs on: a scheduler on virtual time with the system ticker would make a simulated
     * wait last real time.
     *
     * @param ticker the ticker
     * @return this builder
     * @throws NullPointerException if {@code ticker} is null
     */
    public Builder ticker(Ticker ticker) {
      assembly.ticker(ticker);
      return this;
    }

    /**
     * Runs subscribers ({@link Replica#subscribe}) on {@code executor}: a key's listeners are
     * called one change at a time and in the order the replica applied the key's changes, while
     * different keys' listeners may run in parallel on the executor's threads; a writer (or the
     * transport) only hands the change over, and never waits for a listener. Default: none, and
     * listeners run on the thread that made the change, before {@code update} returns (see {@link
     * Replica#subscribe} for the order each guarantees). A change the executor refuses (it shut
     * down) is counted with the listener errors and logged. The replica does not shut the executor
     * down.
     *
     * @param executor where listeners run
     * @return this builder
     * @throws NullPointerException if {@code executor} is null
     */
    public Builder listenerExecutor(Executor executor) {
      assembly.listenerExecutor(executor);
      return this;
    }

    /**
     * Sets the Micrometer registry of the replica's meters (listed in {@link Replica}). Default: a
     * private {@link SimpleMeterRegistry} of the replica's own, which publishes nothing.
     *
     * @param registry the registry
     * @return this builder
     * @throws NullPointerException if {@code registry} is null
     */
    public Builder meterRegistry(MeterRegistry registry) {
      assembly.meterRegistry(registry);
      return this;
    }

    /**
     * Declares a key, so that deltas of its name from peers can be decoded.
     *
     * @param key the key
     * @return this builder
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if a key of that name is declared with another type
     */
    public Builder key(Key<?> key) {
      assembly.key(key);
      return this;
    }

    /**
     * Declares every key whose name starts with {@code prefix}: the function makes the key of such
     * a name (it must return a key of exactly that name, or null if the name is not one). When
     * prefixes overlap, the longest matching one decides.
     *
     * @param prefix the prefix, possibly empty
     * @param keyOfName makes the key of a name; must be thread-safe and quick
     * @return this builder
     * @throws NullPointerException if an argument is null
     */
    public Builder keyFamily(String prefix, Function<String, Key<?>> keyOfName) {
      assembly.keyFamily(prefix, keyOfName);
      return this;
    }

    /**
     * Sets how often anti-entropy compares digests with each connected peer. It should be much
     * longer than a round trip. Default {@link #DEFAULT_ANTI_ENTROPY_INTERVAL}.
     *
     * @param interval the interval, positive
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder antiEntropyInterval(Duration interval) {
      assembly.antiEntropyInterval(interval);
      return this;
    }

    /**
     * Sets the resend interval: deltas in flight to a peer that acknowledged nothing for this long
     * are sent again, from the first unacknowledged one (the wait doubles after each such resend,
     * up to 16 intervals, and is back to one when the connection comes up again). Default {@link
     * #DEFAULT_RESEND_INTERVAL}.
     *
     * @param interval the interval, positive
     * @return this builder
     * @throws NullPointerException if {@code interval} is null
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder resendInterval(Duration interval) {
      assembly.resendInterval(interval);
      return this;
    }

    /**
     * Bounds the outbound delta log. When a peer lags by more, its oldest deltas are dropped and it
     * receives what it missed through anti-entropy (full states of the keys that differ). Default
     * {@link #DEFAULT_MAX_LOG_ENTRIES}.
     *
     * @param entries the bound, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code entries} is below 1
     */
    public Builder maxLogEntries(int entries) {
      assembly.maxLogEntries(entries);
      return this;
    }

    /**
     * Sets the largest full state of one key, encoded, that this replica accepts from a peer.
     * Default {@link #DEFAULT_MAX_KEY_BYTES} (256 MiB).
     *
     * <p>Anti-entropy sends a key's full state in chunks, each under the transport's message size,
     * with at most 2 MiB of chunks in flight to each peer (more leave as the peer acknowledges
     * them), so a key of any size up to this limit reaches a peer that lacks it without filling the
     * link, while deltas of other keys keep flowing. The receiver reassembles a state in memory
     * before it merges it, so this limit also bounds what one peer's transfers may hold here at
     * once (at most 8 keys at a time, of at most this many bytes together; beyond that a transfer
     * is refused for now, and anti-entropy tries it again later). A state over the limit (or over
     * its key codec's {@link io.converge.replication.codec.WireLimits}) is refused for that key
     * alone: counted ({@link Stats#fullStatesOversized()}, the {@code converge.fullstate.oversized}
     * meter, {@link Stats#rejected()} {@code OVERSIZED}) and named in {@link
     * Stats#oversizedKeys()}; the link stays up and every other key still converges. The sender
     * counts the refusal ({@link Stats#rejectsReceived()}) and does not send that version of the
     * key to that peer again until the key changes or the connection comes up again. Set the same
     * limit on every replica: a key over one replica's limit never reaches it.
     *
     * @param bytes the limit, 1 to {@link #MAX_KEY_BYTES_LIMIT}
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range; the message names it
     */
    public Builder maxKeyBytes(long bytes) {
      assembly.maxKeyBytes(bytes);
      return this;
    }

    /**
     * Sets how long a write's delta may wait for more writes to the same peer before it leaves in a
     * batch that is not full. Default zero: a write leaves at once when no batch is in flight to
     * the peer, and otherwise with the next Ack (the lowest lag; a busy link then carries about one
     * message, and one Ack, per round trip). A linger of a few milliseconds trades that much lag
     * for fewer, larger messages when round trips are short and writes frequent, which is where
     * most of the CPU per update goes (see BENCHMARKS.md). A full batch leaves at once whatever the
     * linger; a linger never delays a write beyond it, plus the wait for a batch in flight.
     *
     * @param linger from zero to {@link #MAX_BATCH_LINGER}, on the replica's ticker
     * @return this builder
     * @throws NullPointerException if {@code linger} is null
     * @throws IllegalArgumentException if {@code linger} is negative or over the maximum; the
     *     message names it
     */
    public Builder batchLinger(Duration linger) {
      assembly.batchLinger(linger);
      return this;
    }

    /**
     * Sets the full-state bytes in flight to each peer and the payload of one chunk; for tests in
     * this package, where small values make a state of kilobytes travel in many paced chunks.
     * Applied when the replica starts, which refuses values below 1.
     */
    Builder fullStateBudget(long budgetBytes, int chunkBytes) {
      assembly.fullStateBudget(budgetBytes, chunkBytes);
      return this;
    }

    /**
     * Sets how long {@link Replica#close()} waits for connected peers to acknowledge this replica's
     * updates before it stops (see {@link Replica#drain}). Default {@link #DEFAULT_DRAIN_TIMEOUT};
     * zero closes at once. The timeout is read on the replica's {@linkplain #ticker ticker}: with a
     * scheduler on simulated time ({@link EngineScheduler#virtual}), use zero, unless another
     * thread drives that time while {@code close} waits (nothing else does, and it would wait for
     * ever).
     *
     * @param timeout the timeout, zero or more
     * @return this builder
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Builder drainTimeout(Duration timeout) {
      assembly.drainTimeout(timeout);
      return this;
    }

    /**
     * Makes the replica durable: its state lives in a RocksDB store in {@code directory} (created
     * if missing), recovered when the replica starts, and {@link Replica#update} returns only once
     * the change is committed there per the {@link #fsyncPolicy}. Changes received from peers are
     * committed before they are acknowledged. The store is written by a thread of its own in group
     * commits (every change queued while an fsync runs shares the next one), never under the
     * replica's lock and never on a writer's, the transport's or a timer's thread; a replica on a
     * simulation's {@linkplain EngineScheduler#virtual virtual time} writes it on the thread that
     * made the change instead, so that a simulated run replays from its seed. The clock persists an
     * upper bound of what it issued, so a restarted replica never issues a timestamp below one it
     * issued before, even if the machine's wall clock went back. Without a data directory the
     * replica is in memory: a crash loses what no peer acknowledged yet.
     *
     * @param directory the data directory, one per replica id
     * @return this builder
     * @throws NullPointerException if {@code directory} is null
     */
    public Builder dataDirectory(Path directory) {
      assembly.dataDirectory(directory);
      return this;
    }

    /**
     * Sets when a durable replica's writes are fsynced before {@link Replica#update} returns.
     * Default {@link FsyncPolicy#always()}: every acknowledged write is on disk (concurrent writers
     * share an fsync). {@link FsyncPolicy#group} trades up to its delay of latency for throughput
     * with the same guarantee; {@link FsyncPolicy#none()} survives a process crash but not a power
     * loss. Only used with {@link #dataDirectory}.
     *
     * @param policy the policy
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder fsyncPolicy(FsyncPolicy policy) {
      assembly.fsyncPolicy(policy);
      return this;
    }

    /**
     * Tests: wraps the store opened on the {@link #dataDirectory}, to inject faults (a failing
     * fsync) or to model what a crash keeps. Default: the store itself.
     */
    Builder storeWrapper(UnaryOperator<DurableStore> wrapper) {
      assembly.storeWrapper(wrapper);
      return this;
    }

    /**
     * Sets the wall clock the replica's hybrid logical clock reads, when the replica makes its own
     * clock (no {@link #clock}). Default: the system clock.
     *
     * @param physicalClock the wall clock
     * @return this builder
     * @throws NullPointerException if {@code physicalClock} is null
     */
    public Builder physicalClock(PhysicalClock physicalClock) {
      assembly.physicalClock(physicalClock);
      return this;
    }

    /**
     * Sets how far ahead of this replica's wall clock a peer's timestamp may be, when the replica
     * makes its own clock (no {@link #clock}): a message carrying a timestamp further ahead is
     * refused ({@link io.converge.replication.codec.WireException.Reason#CLOCK_OFFSET}, counted in
     * {@link Replica#stats()}) and not applied, so one region's runaway clock cannot drag every
     * clock forward. Raise it when regions' clocks may legitimately differ by more than the default
     * ({@link HybridLogicalClock#DEFAULT_MAX_OFFSET}); a clock given with {@link #clock} carries
     * its own.
     *
     * @param maxOffset at least 1 ms
     * @return this builder
     * @throws NullPointerException if {@code maxOffset} is null
     * @throws IllegalArgumentException if {@code maxOffset} is below 1 ms or beyond what a
     *     timestamp can hold
     */
    public Builder maxClockOffset(Duration maxOffset) {
      assembly.maxClockOffset(maxOffset);
      return this;
    }

    /**
     * Sets what the replica does while its clock disagrees, beyond the maximum clock offset, with a
     * majority of its peers (see {@link ClockHealth}): {@link ClockSkewPolicy#FENCE} (the default)
     * refuses writes with a {@link ClockSkewException}; {@link ClockSkewPolicy#REPORT} only reports
     * it in {@link Replica#clockHealth()} and the {@code converge.clock.fenced} gauge.
     *
     * @param policy the policy
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder clockSkewPolicy(ClockSkewPolicy policy) {
      assembly.clockSkewPolicy(policy);
      return this;
    }

    /**
     * Starts the replica: starts the transport and the timers.
     *
     * @return the running replica
     * @throws IllegalStateException if the replica id or the transport is not set, or both a {@link
     *     #clock} and a {@link #maxClockOffset} are set, or a {@link #ticker} is set and the {@link
     *     #scheduler} has another ticker of its own, or the data directory holds a key this replica
     *     does not declare (or declares with another type), or a given {@link #clock} is behind
     *     what the data directory's replica already issued
     * @throws io.converge.replication.store.StoreException if the data directory cannot be used:
     *     not a store, another replica's, an incompatible version, corrupt, or in use
     */
    public Replica start() {
      return assembly.start();
    }
  }
}
