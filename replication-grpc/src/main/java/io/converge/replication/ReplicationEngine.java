package io.converge.replication;

import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import io.converge.replication.antientropy.Reconciler;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.Recovered;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The transport-agnostic replication engine behind a {@link Replica}.
 *
 * <h2>Concurrency</h2>
 *
 * All state (the values, the outbound log, the per-peer sessions, the digest tree, the counters) is
 * guarded by one monitor, {@link #lock}. Every entry point (a local update, a transport callback, a
 * timer) takes it (itself, or in the component it delegates to), does O(delta) work (plus the
 * encoding of the delta), and records what must happen afterwards in an {@link Effects}: the
 * envelopes to send, the subscribers to notify ({@link Subscribers}) and the futures of waiting
 * writes, reads and drains to complete ({@link Waiters}). Those run after the monitor is released,
 * so that a subscriber, or code chained to a future, may call the replica, and a transport's {@code
 * send} or a scheduler never runs while we hold our lock (no lock-order cycle with a transport or a
 * simulated network that calls us back from its own threads). One lock makes each update atomic per
 * key (and across keys); it is simple and, since the work under it is small, not the bottleneck of
 * a replica whose messages cross regions. Because the sends run after the lock is released,
 * possibly on several threads at once, they go through the {@link #outbox}: each envelope joins it
 * under the lock, so in the order the lock decided, and is handed to the transport in that order,
 * once the changes logged before it are durable. Without it two writers (or a writer and an Ack)
 * that left the lock one after the other could send their batches the other way round, and the
 * receiver, which ignores what follows a gap, would drop the later sequence until a resend. Digests
 * of changed keys are recomputed lazily, before anti-entropy reads the tree, so that applying a
 * delta does not re-encode the whole state.
 *
 * <p>With a store, a change is only queued under the lock ({@link Persistence#log}); {@link
 * Persistence} writes the queue in group commits on a thread of its own (one append and one fsync
 * for every change queued meanwhile; checkpoints too, encoded there), and what an {@link Effects}
 * does after the lock (send, notify, complete futures) waits for its changes to be durable and runs
 * on that thread. So no lock is held across I/O or an fsync, and no writer, transport callback or
 * timer thread waits for a disk: a durable write's future completes when its change is committed.
 *
 * <h2>Components</h2>
 *
 * The engine keeps the peers, the counters and the lifecycle (restore, start, close), answers the
 * transport's callbacks and the {@link Replica}'s calls, and delegates the work to components
 * guarded by its lock (each says which of its methods are called under it, and which take it
 * themselves: an entry point the engine delegates, a timer on the scheduler, or a callback after
 * the lock, and what they do outside it), besides {@link Outbox}, {@link Persistence}, {@link
 * Waiters}, {@link Subscribers}, {@link OutboundLog}, {@link ClockFence} and {@link Admission}:
 *
 * <ul>
 *   <li>{@link AntiEntropyRounds}: the digest tree, kept up to date lazily, and the digest sessions
 *       with each peer every interval, which find the keys whose full states to send;
 *   <li>{@link FullStateExchange}: full states sent and received in chunks on a byte budget;
 *   <li>{@link LocalWrites}: a local write applied on the caller's thread, its delta handed to the
 *       {@link DeltaLink}, and what a {@code QUORUM} or {@code ALL} write waits for;
 *   <li>{@link LocalReads}: a key's value, reads that wait for a causal token, drains;
 *   <li>{@link Inbound}: every message a peer sends, checked (sender, protocol version, clock) and
 *       handled: handshakes, deltas applied in order and acknowledged, Acks, refusals;
 *   <li>{@link DeltaLink}: the outbound side of the delta links: the bounded log of this replica's
 *       deltas, numbered, sent to each peer within its window, resent on the resend timer;
 *   <li>{@link WriteProofs}: which peers are proven to hold this replica's own writes (by Acks, or
 *       by anti-entropy for what no Ack can prove), which a write that changes nothing waits for;
 *   <li>{@link Durability}: the store, if any: the state rebuilt from what it recovered, each
 *       change queued for {@link Persistence}, checkpoints;
 *   <li>{@link Effects}: what an entry point does once the lock is released (send through the
 *       {@link Outbox}, notify, complete futures), after the store made its changes durable;
 *   <li>{@link Slots}: the values by key, checked against the keys and key families declared;
 *   <li>{@link Refusals}: which refusals end the link and which refuse one delta or state alone;
 *   <li>{@link Envelopes}: what is sent, wrapped in envelopes of this replica stamped with its
 *       clock;
 *   <li>{@link Slot} (one key's value) and {@link Peer} (what is known of one peer: its {@link
 *       PeerSession}, connection, digest session and transfers), plain state under the lock.
 * </ul>
 *
 * <p>The protocol the engine speaks is described in the package javadoc ({@code package-info.java},
 * <i>Protocol</i>).
 */
final class ReplicationEngine implements Transport.Listener {

  static final int PROTOCOL_VERSION = 1;

  private final Object lock = new Object();

  /** What the engine sends, in the order it decided under {@link #lock}; see {@link Outbox}. */
  private final Outbox outbox;

  private final ReplicaId self;

  /** Wraps what the engine sends in envelopes stamped with its clock. */
  private final Envelopes envelopes;

  private final Transport transport;
  private final HybridLogicalClock clock;
  private final EngineScheduler scheduler;
  private final Reconciler reconciler = Reconciler.defaults();
  private final EngineMeters meters;

  /** Whether this replica's clock disagrees with a majority of its cluster; under {@link #lock}. */
  private final ClockFence fence;

  /** Checks what received values mean: timestamps at any depth, deltas' origins. */
  private final Admission admission;

  /** The full-state exchange with every peer; under {@link #lock}. */
  private final FullStateExchange fullStates;

  /** The store, if any: recovery, changes queued for it, checkpoints; see {@link Durability}. */
  private final Durability durability;

  /** The values by key, and the declarations they are checked against; see {@link Slots}. */
  private final Slots slots;

  /** The anti-entropy rounds with every peer; under {@link #lock}. */
  private final AntiEntropyRounds antiEntropy;

  /**
   * The outbound side of the delta links: the log, its sequence, the sends; see {@link DeltaLink}.
   */
  private final DeltaLink link;

  /** Which peers hold this replica's own writes; see {@link WriteProofs}. */
  private final WriteProofs proofs;

  /** The inbound side: every message a peer sends, checked and handled; see {@link Inbound}. */
  private final Inbound inbound;

  /** Local writes, applied and shipped; see {@link LocalWrites}. */
  private final LocalWrites writes;

  /** Local reads, causal-token reads and drains; see {@link LocalReads}. */
  private final LocalReads reads;

  private final Map<ReplicaId, Peer> peers = new TreeMap<>();
  private final Subscribers subscribers;

  /** QUORUM and ALL writes, causal-token reads and drains waiting; see {@link Waiters}. */
  private final Waiters waiters;

  private boolean closed;

  private long deltasSent;

  private final EnumMap<WireException.Reason, Long> rejected =
      new EnumMap<>(WireException.Reason.class);
  private final EnumMap<WireException.Reason, Long> rejectsReceived =
      new EnumMap<>(WireException.Reason.class);

  ReplicationEngine(
      ReplicaId self,
      Transport transport,
      HybridLogicalClock clock,
      EngineScheduler scheduler,
      Duration antiEntropyInterval,
      Duration resendInterval,
      int maxLogEntries,
      long incarnation,
      Map<String, Key<?>> declared,
      Map<String, Function<String, Key<?>>> families,
      MeterRegistry registry,
      DurableStore store,
      ClockSkewPolicy clockSkewPolicy,
      Executor listenerExecutor) {
    this.self = self;
    this.subscribers = new Subscribers(self, listenerExecutor);
    this.waiters = new Waiters(self, scheduler);
    this.fence = new ClockFence(clockSkewPolicy, clock.maxOffset());
    this.admission = new Admission(clock);
    long startedAt = clock.now().physical();
    this.durability = new Durability(this, lock, store, clock, self, scheduler);
    this.meters = new EngineMeters(registry, self);
    this.fullStates = new FullStateExchange(this, lock, self, transport, meters, admission);
    this.envelopes = new Envelopes(Clocks.toWire(self), clock);
    this.transport = transport;
    this.link =
        new DeltaLink(this, lock, transport, scheduler, waiters, resendInterval, maxLogEntries);
    this.outbox = new Outbox(transport, link::resendRefused);
    this.clock = clock;
    this.scheduler = scheduler;
    this.antiEntropy =
        new AntiEntropyRounds(
            this, lock, self, scheduler, antiEntropyInterval, reconciler, fullStates);
    this.slots = new Slots(self, declared, families);
    this.proofs = new WriteProofs(this, slots, waiters);
    this.inbound =
        new Inbound(
            this,
            lock,
            link,
            waiters,
            fence,
            admission,
            reconciler,
            scheduler,
            incarnation,
            startedAt);
    this.writes = new LocalWrites(this, lock, transport, clock, fence, slots, link, waiters);
    this.reads = new LocalReads(this, lock, self, slots, link, waiters);
    for (WireException.Reason reason : WireException.Reason.values()) {
      rejected.put(reason, 0L);
      rejectsReceived.put(reason, 0L);
    }
    meters.listenerErrors(subscribers, Subscribers::errors);
    if (durability.persistence() != null) {
      meters.storeMeters(
          durability.persistence(), Persistence::groupCommits, p -> p.failure() != null ? 1 : 0);
    }
    meters.clockGauges(
        this, e -> e.clockHealth().fenced() ? 1 : 0, e -> e.clockHealth().disagreeing().size());
  }

  /**
   * Rebuilds the state from what the store recovered: checkpointed states, then the logged changes
   * after them, merged (idempotent, so overlap is harmless); see {@link Durability#restore}. Before
   * {@link #start()}.
   *
   * @throws IllegalStateException if the store holds a key this replica does not declare, or
   *     declares with another type, or a record that does not decode
   */
  void restore(Recovered recovered) {
    synchronized (lock) {
      durability.restore(recovered);
    }
  }

  void start() {
    transport.start(self, this);
    link.start();
    antiEntropy.start();
  }

  ReplicaId self() {
    return self;
  }

  HybridLogicalClock clock() {
    return clock;
  }

  // -----------------------------------------------------------------------------------------
  // Local API
  // -----------------------------------------------------------------------------------------

  /** See {@link LocalWrites#writeAsync}. */
  <T extends DeltaCrdt<T>> CompletableFuture<Written<T>> writeAsync(
      Key<T> key, UnaryOperator<T> function, Consistency consistency, Duration timeout) {
    return writes.writeAsync(key, function, consistency, timeout);
  }

  /** See {@link LocalReads#get}. */
  <T extends DeltaCrdt<T>> T get(Key<T> key) {
    return reads.get(key);
  }

  /** See {@link LocalReads#getAsync}. */
  <T extends DeltaCrdt<T>> CompletableFuture<T> getAsync(
      Key<T> key, CausalToken token, Duration timeout) {
    return reads.getAsync(key, token, timeout);
  }

  /** See {@link LocalReads#hasSeen}. */
  boolean hasSeen(CausalToken token) {
    return reads.hasSeen(token);
  }

  <T extends DeltaCrdt<T>> Subscription subscribe(Key<T> key, Consumer<? super T> listener) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(listener, "listener");
    @SuppressWarnings("unchecked")
    Consumer<Object> untyped = value -> listener.accept((T) value);
    synchronized (lock) {
      checkOpen();
      localSlot(key, false);
      return subscribers.add(key.name(), untyped);
    }
  }

  Map<ReplicaId, PeerStatus> peers() {
    synchronized (lock) {
      Map<ReplicaId, PeerStatus> result = new TreeMap<>();
      for (Peer peer : peers.values()) {
        long pending = link.pending(peer);
        result.put(
            peer.id,
            new PeerStatus(
                peer.connected,
                Optional.ofNullable(peer.lastContact),
                peer.acked,
                pending,
                peer.lagMillis));
      }
      return Map.copyOf(result);
    }
  }

  /** The pending gauge: reads under the lock. */
  private double pendingOf(ReplicaId id) {
    synchronized (lock) {
      Peer peer = peers.get(id);
      return peer == null ? 0 : link.pending(peer);
    }
  }

  /** Finds or makes what this replica knows of a peer, with its meters; under the lock. */
  Peer peer(ReplicaId id) {
    Peer peer = peers.get(id);
    if (peer == null) {
      peer =
          new Peer(
              id,
              peers.size(),
              meters.peer(id, this, engine -> engine.pendingOf(id)),
              fullStates.maxKeyBytes());
      peers.put(id, peer);
      proofs.startsFromTheLog(
          peer, link.firstSequence()); // nothing is proven of a peer met for the first time
    }
    return peer;
  }

  /** The clock health against the transport's configured peers. */
  ClockHealth clockHealth() {
    Set<ReplicaId> configured = transport.peers(); // before the lock, as in write()
    synchronized (lock) {
      return fence.health(configured);
    }
  }

  Stats stats() {
    synchronized (lock) {
      return new Stats(
          deltasSent,
          inbound.deltasReceived(),
          fullStates.fullStatesSent(),
          fullStates.fullStatesReceived(),
          antiEntropy.digestRounds(),
          writes.oversizedDeltas(),
          rejected,
          rejectsReceived,
          subscribers.errors(),
          fullStates.fullStatesOversized(),
          fullStates.oversizedKeys());
    }
  }

  int logSize() {
    synchronized (lock) {
      return link.size();
    }
  }

  /** See {@link LocalReads#drainAsync}. */
  CompletableFuture<Boolean> drainAsync(Duration timeout) {
    return reads.drainAsync(timeout);
  }

  void close() {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      waiters.close(after);
    }
    after.forEach(Runnable::run);
    transport.close();
    meters.close();
    durability.close();
  }

  /** Throws if {@link #close} has begun; under the lock. */
  void checkOpen() {
    if (closed) {
      throw new IllegalStateException("replica " + self + " is closed");
    }
  }

  /** See {@link Slots#local}; under the lock. */
  private <T extends DeltaCrdt<T>> Slot<T> localSlot(Key<T> key, boolean create) {
    return slots.local(key, create);
  }

  /** See {@link Slots#remote}; under the lock. */
  Slot<?> remoteSlot(String name, String type) {
    return slots.remote(name, type);
  }

  /** A key changed (under the lock): its subscribers and the reads waiting for it hear of it. */
  void notifyLater(Effects fx, Slot<?> slot) {
    String name = slot.key.name();
    Subscribers.Notification notification = subscribers.changed(name, slot.state);
    if (notification != null) {
      fx.notifyLater(notification);
    }
    waiters.changed(name, fx.after);
  }

  /**
   * Lets up to {@code batches} batches that are not full be in flight to a peer (tests: {@code
   * Integer.MAX_VALUE} sends each write at once, in a batch of its own). Before {@link #start}.
   */
  void maxPartialBatchesInFlight(int batches) {
    link.maxPartialBatchesInFlight(batches);
  }

  /** See {@code Replica.Builder#batchLinger}. Before {@link #start}. */
  void batchLinger(Duration linger) {
    link.batchLinger(linger);
  }

  /**
   * Sets the largest full state of one key this replica accepts from a peer, which also bounds what
   * one peer's partial states may hold here together. Before {@link #start}.
   */
  void maxKeyBytes(long bytes) {
    fullStates.maxKeyBytes(bytes);
  }

  /**
   * Sets the full-state bytes in flight to each peer and the payload of one chunk (tests: small
   * values make a state of a few kilobytes travel in many acknowledged chunks). Before {@link
   * #start}.
   *
   * @throws IllegalArgumentException if either is below 1
   */
  void fullStateBudget(long budgetBytes, int chunkBytes) {
    fullStates.fullStateBudget(budgetBytes, chunkBytes);
  }

  // -----------------------------------------------------------------------------------------
  // Transport callbacks
  // -----------------------------------------------------------------------------------------

  @Override
  public void onPeerUp(ReplicaId id) {
    Effects fx = newEffects();
    synchronized (lock) {
      if (closed) {
        return;
      }
      Peer peer = peer(id);
      peer.connected = true;
      peer.handshake = null;
      peer.handshakeResent = false;
      peer.connected();
      fx.send(id, inbound.handshake());
      link.sendMore(peer, fx);
    }
    fx.run();
  }

  @Override
  public void onPeerDown(ReplicaId id, String reason) {
    List<Runnable> after = new ArrayList<>();
    synchronized (lock) {
      Peer peer = peers.get(id);
      if (peer != null) {
        peer.connected = false;
        peer.handshake = null;
        peer.sent = peer.acked;
        peer.session = null;
        peer.incoming.clear();
        peer.outgoing.clear();
        peer.outgoing.forgetRefusals(); // the next connection may find other limits
        fence.forget(id);
        waiters.peerDown(after); // a drain no longer waits for it
      }
    }
    after.forEach(Runnable::run);
  }

  @Override
  public void onMessage(ReplicaId from, Envelope message) {
    inbound.onMessage(from, message);
  }

  @Override
  public void onConnectionRefused(Reject.Reason reason, String detail) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      WireException.Reason r = WireException.Reason.fromWire(reason);
      rejected.merge(r, 1L, Long::sum);
      meters.rejectedReceived(r);
    }
  }

  @Override
  public void onRefused(ReplicaId id, Reject.Reason reason, String detail) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      peer(id);
      WireException.Reason r = WireException.Reason.fromWire(reason);
      rejected.merge(r, 1L, Long::sum);
      meters.rejectedReceived(r);
    }
  }

  // -----------------------------------------------------------------------------------------
  // Helpers
  // -----------------------------------------------------------------------------------------

  /** A peer this replica knows of, or null; under the lock. */
  Peer knownPeer(ReplicaId id) {
    return peers.get(id);
  }

  /** The slot of a key, or null if it holds no value here; under the lock. */
  Slot<?> slot(String name) {
    return slots.get(name);
  }

  /** Whether {@link #close} has begun; under the lock. */
  boolean closed() {
    return closed;
  }

  /** What the {@link Effects} of this engine send through; see {@link Outbox}. */
  Outbox outbox() {
    return outbox;
  }

  /** The store, if any, for the {@link Effects} that log changes and wait for them. */
  Durability durability() {
    return durability;
  }

  /** Counts an envelope queued for a peer, with {@code deltas} deltas in it; under the lock. */
  void sent(ReplicaId id, int deltas, int bytes) {
    deltasSent += deltas;
    EngineMeters.PeerMeters counters = peer(id).meters;
    counters.deltasSent().increment(deltas);
    counters.bytesSent().increment(bytes);
  }

  /** New after-the-lock effects, for an entry point of the engine or of a component. */
  Effects newEffects() {
    return new Effects(this);
  }

  /** Which peers hold this replica's own writes, for anti-entropy and full states to prove. */
  WriteProofs proofs() {
    return proofs;
  }

  /** The full-state exchange, for the anti-entropy rounds that start transfers. */
  FullStateExchange fullStates() {
    return fullStates;
  }

  /** The anti-entropy rounds, for the full-state exchange (digests, encodings, their clock). */
  AntiEntropyRounds antiEntropy() {
    return antiEntropy;
  }

  /** Every peer this replica knows of; under the lock. */
  Collection<Peer> knownPeers() {
    return peers.values();
  }

  /** Counts a message (or a part of one) this replica refused; under the lock. */
  void countRefused(WireException.Reason reason) {
    rejected.merge(reason, 1L, Long::sum);
    meters.rejectedReceived(reason);
  }

  /** Counts a refusal a peer sent of what this replica sent; under the lock. */
  void countRefusedByPeer(WireException.Reason reason) {
    rejectsReceived.merge(reason, 1L, Long::sum);
    meters.rejectedSent(reason);
  }

  /** Wraps a message body in an envelope from this replica; see {@link Envelopes}. */
  Envelope envelope(Object body) {
    return envelopes.wrap(body);
  }
}
