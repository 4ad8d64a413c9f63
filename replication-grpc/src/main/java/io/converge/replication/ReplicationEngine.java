package io.converge.replication;

import com.google.protobuf.ByteString;
import io.converge.clocks.ClockOffsetException;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import io.converge.replication.antientropy.Divergence;
import io.converge.replication.antientropy.KeyDigestTree;
import io.converge.replication.antientropy.Reconciler;
import io.converge.replication.antientropy.ReconciliationSession;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.StoredRecord;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.Ack;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateAck;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.KeyedDelta;
import io.converge.replication.wire.v1.Reject;
import io.micrometer.core.instrument.MeterRegistry;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The transport-agnostic replication engine behind a {@link Replica}.
 *
 * <h2>Concurrency</h2>
 *
 * All state (the values, the outbound log, the per-peer sessions, the digest tree, the counters) is
 * guarded by one monitor, {@link #lock}. Every entry point (a local update, a transport callback, a
 * timer) takes it, does O(delta) work (plus the encoding of the delta), and records what must
 * happen afterwards in an {@link Effects}: the envelopes to send, the subscribers to notify ({@link
 * Subscribers}) and the futures of waiting writes, reads and drains to complete ({@link Waiters}).
 * Those run after the monitor is released, so that a subscriber, or code chained to a future, may
 * call the replica, and a transport's {@code send} or a scheduler never runs while we hold our lock
 * (no lock-order cycle with a transport or a simulated network that calls us back from its own
 * threads). One lock makes each update atomic per key (and across keys); it is simple and, since
 * the work under it is small, not the bottleneck of a replica whose messages cross regions. Because
 * the sends run after the lock is released, possibly on several threads at once, they go through
 * the {@link #outbox}: each envelope joins it under the lock, so in the order the lock decided, and
 * is handed to the transport in that order, once the changes logged before it are durable. Without
 * it two writers (or a writer and an Ack) that left the lock one after the other could send their
 * batches the other way round, and the receiver, which ignores what follows a gap, would drop the
 * later sequence until a resend. Digests of changed keys are recomputed lazily, before anti-entropy
 * reads the tree, so that applying a delta does not re-encode the whole state.
 *
 * <h2>Protocol</h2>
 *
 * <ol>
 *   <li><b>Deltas.</b> Each local update yields a delta, numbered by a per-replica sequence (1, 2,
 *       ...) and appended to the outbound log. It is sent at once to every connected peer in a
 *       {@code DeltaBatch}. A receiver keeps, per sender, the next sequence it expects; it applies
 *       only that one (and the contiguous ones after it in the batch), skips those already applied
 *       (duplicates) and ignores those beyond a gap (they will be resent), so a sender's deltas
 *       apply exactly once and in order. It answers every batch with {@code Ack(up_to_sequence)},
 *       the highest contiguous sequence it applied.
 *   <li><b>Flow and resends</b> ({@link PeerSession}, one per peer). At most {@link
 *       PeerSession#WINDOW} deltas are in flight to a peer (sent and not acknowledged); each Ack
 *       sends the next ones, in batches, so a fast writer is paced by its slowest connected peer's
 *       acknowledgements instead of overflowing the transport's buffer (and the log, bounded below,
 *       bounds what waits). A write sends its delta at once when no batch is in flight to the peer;
 *       while one that was not full is (at most {@link PeerSession#MAX_PARTIAL_BATCHES_IN_FLIGHT}),
 *       the write waits for its Ack, and the writes made meanwhile leave together in one batch
 *       (Nagle's rule, clocked by Acks rather than a timer): an idle link adds no delay, a busy one
 *       carries one message per round trip instead of one per write (measured at 5 000 updates/s
 *       over gRPC on two cores: the CPU saturated and the median lag was 250-350 ms with one
 *       message per write, 2 ms with this rule). A batch that is full goes at once whatever is in
 *       flight. Once the window is full and more deltas wait, an Ack sends nothing until at least
 *       {@link PeerSession#MIN_WINDOW_OPENING} deltas fit (avoiding the <i>silly window</i>): the
 *       receiver acknowledges every batch, so if each Ack that opened one slot sent one delta, the
 *       window would stay full of one-delta batches, each acknowledged alone, and under overload
 *       the link would carry one delta per message pair, at a fraction of the rate the same
 *       replicas sustain with full batches (measured: 1 000 updates/s applied at 20 000/s on three
 *       replicas, against 20 000/s with this rule). Waiting for a sixteenth of the window adds at
 *       most a sixteenth of a round trip, and only to a link that is already window-limited. A
 *       delta the transport did not accept is sent again by the next write, Ack or tick. A peer
 *       that acknowledged nothing for a resend interval while deltas were in flight is sent again
 *       everything from {@code acked + 1} (one was lost, and the receiver ignores what follows a
 *       gap); the wait doubles after each such resend (up to {@code MAX_STALL_TICKS} intervals), so
 *       a round trip longer than the interval is learned rather than answered with duplicates
 *       forever, but it never exceeds four smoothed round trips (measured from each batch to its
 *       Ack): a link that works again after a loss (a clock fixed, say) is answered within an
 *       interval or so, not after sixteen. A peer whose connection comes up (after the {@code
 *       Handshake}) is sent everything from {@code acked + 1} too. A handshake carries the
 *       replica's incarnation (its clock at start); a peer whose incarnation grew restarted with no
 *       state, so the receiver expects its sequence 1 again and the sender resends it everything it
 *       still holds. A handshake is accepted once per connection (an identical repeat is ignored,
 *       one with another incarnation refused with {@code REPEATED_HANDSHAKE}), and an incarnation
 *       older than one already seen is refused ({@code STALE_INCARNATION}, the connection closed):
 *       in neither case is anything reset, so no hello can stall a healthy session. A handshake may
 *       be lost (the transport contract allows it): a peer that missed the one of a restarted
 *       replica would take its new deltas, numbered from 1 again, for duplicates of the old
 *       incarnation's and acknowledge them unapplied. So every {@code Ack} names the incarnation
 *       its receiver counts the sender's sequences in (the last handshake it accepted from it), and
 *       an Ack naming another incarnation is not counted: its sender sends the handshake again (at
 *       most once per resend interval) and the deltas after it. The first handshake accepted from a
 *       peer whose deltas came before any also restarts the sequence expected from it.
 *   <li><b>Bounded log.</b> Entries acknowledged by every peer this replica has seen are dropped.
 *       The log holds at most {@code maxLogEntries}; beyond that the oldest entries are dropped
 *       even if a lagging (partitioned, slow) peer has not acknowledged them. Such a peer is then
 *       sent an empty {@code DeltaBatch} whose {@code first_sequence} is the oldest sequence still
 *       held: it tells the receiver to skip ahead. What it missed reaches it through anti-entropy,
 *       which sends the full state of every key that differs. The skip goes once the deltas in
 *       flight to that peer are acknowledged (while they are, the receiver needs no skip yet, and
 *       every write would otherwise trim the log by one and send another skip: a storm of empty
 *       batches that filled the transport's buffer, crowded out Acks and carried no delta); the
 *       window then counts from the skip, since the sequences skipped were never sent, and the held
 *       deltas after it go at once.
 *   <li><b>What a peer holds.</b> A {@code QUORUM} or {@code ALL} write waits until enough peers
 *       acknowledged its delta. One that changes nothing waits until enough peers hold every
 *       earlier write of this replica to the key, which it observed ({@link #holdsOwnWrites}). An
 *       Ack of the key's last delta proves that a peer holds the earlier deltas of this incarnation
 *       too: it applies them in order. What no Ack can prove ({@link HeldWrites}): what a durable
 *       replica recovered at a restart (the earlier incarnation's Acks are gone, and its sequences
 *       restarted), a write too large for a delta, and, for one peer, the writes of a key whose
 *       delta the bounded log dropped before that peer acknowledged it (it is told to skip it, and
 *       its Ack then covers a sequence it never applied), or before it met the peer (in this
 *       incarnation of either). A peer is proven to hold those by anti-entropy: a full state of the
 *       key it acknowledged whole (it merged and committed it first), or a reconciliation that
 *       found its state of the key equal to this replica's, at some point after the exchange
 *       started, so after those writes. While some key waits for such proof, a peer's handshake
 *       starts a reconciliation with it at once rather than at the next interval. A peer that shows
 *       a new incarnation may have restarted without its state: what was proven of it is forgotten.
 *   <li><b>Anti-entropy.</b> Every anti-entropy interval, the engine runs a {@link
 *       ReconciliationSession} with each connected peer over {@code DigestRequest} / {@code
 *       DigestResponse}, on a {@link KeyDigestTree} of (key, type, SHA-256 of the encoded state);
 *       for each key that differs, or exists only here, it sends its full state in {@code
 *       FullStateChunk}s, each under the transport's message size. The receiver reassembles,
 *       decodes and merges. Each side pushes its own state, so two sessions (one from each side)
 *       settle a difference. Digests hash the state as held (with no pending delta); equal contents
 *       with different closed flags (see {@code ORSet}) differ once, and the merge of the closed
 *       state settles it. A session that is still exchanging digests when the next interval comes
 *       is left to finish (reconciling a million keys can take longer than an interval); one whose
 *       response was lost (no request for two intervals) is abandoned. Digests of changed keys are
 *       recomputed outside the lock before each round. A local delta too large for one message of
 *       the transport gets no sequence number and is not sent as a delta: anti-entropy ships its
 *       key's full state, in chunks, at the next round.
 *   <li><b>Full states of any size.</b> Each full state sent is an {@link OutgoingTransfer} of one
 *       version of a key to one peer, paced by that peer's {@link OutgoingTransfers}: chunks of at
 *       most {@link #FULL_STATE_CHUNK_BYTES}, at most {@link #FULL_STATE_BUDGET_BYTES} of them in
 *       flight (sent, not acknowledged) per peer whatever the number of keys, each transfer sent
 *       whole before the next; the receiver answers each chunk with a {@code FullStateAck} of the
 *       chunks it holds, which releases budget and sends more. So a large state never fills the
 *       transport's buffer for the peer, and deltas keep flowing beside it. A chunk the transport
 *       refuses is sent again (on the next ack or resend tick); a transfer with no acknowledgement
 *       for two anti-entropy rounds sends again what is not acknowledged, and after three is given
 *       up (the next round starts a new one if the key still differs); a connection that goes down
 *       ends every transfer on both sides. The state is encoded outside the lock when it is not in
 *       {@link EncodedStates}, which keeps the encoding of a version for its digest, its transfers
 *       to every peer and the checkpoint. The receiver ({@link IncomingTransfers}) reassembles per
 *       peer, key and transfer number, so chunks of two transfers are never combined even when
 *       reordered; it reserves a transfer's announced size ({@code total_bytes}) when it starts,
 *       and refuses, with a {@code FullStateAck} that stops it and without closing the link: a
 *       state over {@link #maxKeyBytes} for good (counted and reported in {@link
 *       Stats#oversizedKeys()}; the sender does not send that version again until the key changes
 *       or the link comes up again), and a transfer beyond {@link #MAX_ASSEMBLIES_PER_PEER} partial
 *       states or {@code maxKeyBytes} of them from one peer for now (the sender tries again in a
 *       later round). A state whose meaning is refused ({@code TYPE_MISMATCH}, {@code
 *       CLOCK_OFFSET}, ...) is refused the same way. Partial states that receive no chunk for
 *       {@link IncomingTransfers#EXPIRE_TICKS} rounds are dropped.
 *   <li><b>Clocks and bad input.</b> Every envelope carries the sender and {@code sent_at}, a
 *       timestamp of the sender's hybrid logical clock. The receiver checks that the sender is the
 *       peer of the connection and the protocol version, then updates its clock; a timestamp beyond
 *       the maximum offset is refused with {@code Reject(CLOCK_OFFSET)}, and nothing of the message
 *       is applied. A message that does not decode is refused with the reason of its {@link
 *       WireException}, and nothing of it is applied; a malformed or oversized message, an unknown
 *       protocol version or a sender that is not the connection's peer also ends the connection
 *       ({@link Transport#disconnect}: over gRPC the peer's stream closes with a status), while
 *       other peers carry on. A delta or full state for a key with no declaration, or with another
 *       type than the declared one, is refused with {@code Reject(TYPE_MISMATCH)}: that key's state
 *       is untouched, and the delta's sequence is consumed, so that one misconfigured key does not
 *       stall the sender's other keys. Every refusal is counted; a {@code Reject} is never answered
 *       with one.
 * </ol>
 */
final class ReplicationEngine implements Transport.Listener {

  static final int PROTOCOL_VERSION = 1;

  private static final System.Logger LOG = System.getLogger(ReplicationEngine.class.getName());

  /**
   * How many batches that are not full may be in flight to a peer: {@link
   * PeerSession#MAX_PARTIAL_BATCHES_IN_FLIGHT}, or more in tests that need each write sent alone.
   */
  private int maxPartialBatchesInFlight = PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT;

  /**
   * Full-state transfers a peer may have in progress at once (chunks received, not all of them). An
   * honest peer sends each key's chunks one after the other, so it has one (two while a lost one
   * expires); without a bound a peer could start a transfer for every declared key and make this
   * replica hold a chunk table for each. A transfer beyond it is refused for now, not the link.
   */
  static final int MAX_ASSEMBLIES_PER_PEER = 8;

  /**
   * Full-state bytes in flight to a peer (chunks sent and not acknowledged), at most: further
   * chunks wait for its {@code FullStateAck}s. Small enough that chunks never fill the transport's
   * buffer for the peer, so deltas keep flowing beside a large transfer; large enough to keep a
   * long link busy (2 MiB per 100 ms round trip is 20 MB/s).
   */
  static final long FULL_STATE_BUDGET_BYTES = 2L * 1024 * 1024;

  /**
   * The largest payload of one full-state chunk (less if the transport's messages are smaller):
   * several fit the budget, so the link is not idle while one is acknowledged, and a delta queued
   * behind a chunk waits for at most this many bytes.
   */
  static final int FULL_STATE_CHUNK_BYTES = 256 * 1024;

  /** The largest full state of one key this replica accepts (see Replica.Builder#maxKeyBytes). */
  private long maxKeyBytes = Replica.Builder.DEFAULT_MAX_KEY_BYTES;

  /** {@link #FULL_STATE_BUDGET_BYTES}, or another budget in tests. */
  private long fullStateBudget = FULL_STATE_BUDGET_BYTES;

  /** {@link #FULL_STATE_CHUNK_BYTES}, or another size in tests. */
  private int fullStateChunkBytes = FULL_STATE_CHUNK_BYTES;

  /** The most keys {@link Stats#oversizedKeys()} names. */
  static final int MAX_OVERSIZED_KEYS_REPORTED = 100;

  /** Records appended to the store between two checkpoints, at most. */
  static final int CHECKPOINT_EVERY = 10_000;

  /** A bound on what an envelope and a batch add around one delta (sender id, timestamps). */
  private static final int ENVELOPE_OVERHEAD = 256;

  private final Object lock = new Object();

  /**
   * What the engine sends, in the order it decided under {@link #lock} (each {@link Effects#send}
   * appends here while holding it), waiting to be handed to the transport in that same order. An
   * envelope may leave once every change logged before it is durable ({@link Outgoing#ticket} at
   * most {@link #durableTicket}). Guarded by its own monitor, taken under {@link #lock} to append
   * and alone otherwise; never held while calling the transport.
   */
  private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();

  /** Under {@link #outbox}: whether a thread is handing the outbox to the transport. */
  private boolean flushing;

  /** Under {@link #outbox}: every store ticket up to this one is known to be durable. */
  private long durableTicket;

  private final ReplicaId self;
  private final String selfWire;
  private final Transport transport;
  private final HybridLogicalClock clock;
  private final EngineScheduler scheduler;
  private final Duration antiEntropyInterval;
  private final Duration resendInterval;
  private final int maxLogEntries;
  private final long incarnation;
  private final Reconciler reconciler = Reconciler.defaults();
  private final EngineMeters meters;

  /** Whether this replica's clock disagrees with a majority of its cluster; under {@link #lock}. */
  private final ClockFence fence;

  /** Checks what received values mean: timestamps at any depth, deltas' origins. */
  private final Admission admission;

  /**
   * The physical time at which this engine was made: a delta whose origin time is older was written
   * before this replica ran, and its age is not a replication lag of this replica (a peer could
   * otherwise report one of 56 years with an origin time of 0).
   */
  private final long startedAt;

  /** Where every applied change is logged before it is acknowledged; null: in memory only. */
  private final DurableStore store;

  /** Keys changed since the last checkpoint, whose full states the next checkpoint writes. */
  private final Set<String> uncheckpointed = new LinkedHashSet<>();

  private long lastTicket;
  private long appendsSinceCheckpoint;

  private final Map<String, Key<?>> declared;
  private final TreeMap<String, Function<String, Key<?>>> families;

  private final Map<String, Slot<?>> slots = new HashMap<>();
  private final KeyDigestTree tree = new KeyDigestTree();
  private final Set<String> dirty = new LinkedHashSet<>();
  private final OutboundLog log = new OutboundLog();
  private long nextSequence = 1;

  /**
   * This replica's own writes so far, to every key: stamps them for {@link Slot#lastWriteStamp}.
   */
  private long ownWrites;

  /**
   * The keys whose {@link Slot#held} names writes that a known peer may lack and no Ack can prove
   * it holds: what anti-entropy exchanges look at to prove it ({@link #provenByExchange}).
   */
  private final Set<String> doubtful = new LinkedHashSet<>();

  /** Keys whose current state does not encode: their digest, if any, is of an older state. */
  private final Set<String> unencodable = new HashSet<>();

  private final Map<ReplicaId, Peer> peers = new TreeMap<>();
  private final Subscribers subscribers;

  /** QUORUM and ALL writes, causal-token reads and drains waiting; see {@link Waiters}. */
  private final Waiters waiters;

  private boolean started;
  private boolean closed;

  private long deltasSent;
  private long deltasReceived;
  private long fullStatesSent;

  /** The last full-state transfer number this replica used (see FullStateChunk.transfer). */
  private long lastTransfer;

  private long fullStatesReceived;
  private long digestRounds;

  /** Anti-entropy ticks so far: a session that sent no request for two of them is abandoned. */
  private long antiEntropyTicks;

  private long oversizedDeltas;

  /** Full states refused for being over {@link #maxKeyBytes} or their key's codec limits. */
  private long fullStatesOversized;

  /** The last keys whose full state was over a limit here, oldest first; see Stats. */
  private final Set<String> oversizedKeys = new LinkedHashSet<>();

  /** Encodings of recent versions, shared by digests, transfers and checkpoints; under the lock. */
  private final EncodedStates encodings = new EncodedStates(EncodedStates.DEFAULT_MAX_BYTES);

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
    this.startedAt = clock.now().physical();
    this.store = store;
    this.meters = new EngineMeters(registry, self);
    this.selfWire = Clocks.toWire(self);
    this.transport = transport;
    this.clock = clock;
    this.scheduler = scheduler;
    this.antiEntropyInterval = antiEntropyInterval;
    this.resendInterval = resendInterval;
    this.maxLogEntries = maxLogEntries;
    this.incarnation = incarnation;
    this.declared = new HashMap<>(declared);
    this.families = new TreeMap<>(families);
    for (WireException.Reason reason : WireException.Reason.values()) {
      rejected.put(reason, 0L);
      rejectsReceived.put(reason, 0L);
    }
    meters.listenerErrors(subscribers, Subscribers::errors);
    meters.clockGauges(
        this, e -> e.clockHealth().fenced() ? 1 : 0, e -> e.clockHealth().disagreeing().size());
  }

  /**
   * Rebuilds the state from what the store recovered: checkpointed states, then the logged changes
   * after them, merged (idempotent, so overlap is harmless). Before {@link #start()}.
   *
   * @throws IllegalStateException if the store holds a key this replica does not declare, or
   *     declares with another type, or a record that does not decode
   */
  void restore(Recovered recovered) {
    synchronized (lock) {
      List<StoredRecord> all = new ArrayList<>(recovered.states().values());
      all.addAll(recovered.log());
      for (StoredRecord record : all) {
        Slot<?> slot;
        try {
          slot = remoteSlot(record.key(), record.type());
          slot.prepareMerge(record.payload(), null).getAsBoolean();
        } catch (WireException e) {
          throw new IllegalStateException(
              "data directory "
                  + store.directory()
                  + " holds key "
                  + record.key()
                  + " of type "
                  + record.type()
                  + " that this replica cannot load ("
                  + e.getMessage()
                  + "): declare it with key(...) or keyFamily(...) and the same type",
              e);
        }
        dirty.add(record.key());
        uncheckpointed.add(record.key());
        // It may hold writes of this replica's earlier incarnations, which no peer's Ack can prove
        // it holds now: write 1, until an exchange proves it (see HeldWrites).
        slot.writes = 1;
        slot.held().lackedByAll(1);
        doubtful.add(record.key());
      }
    }
  }

  void start() {
    synchronized (lock) {
      started = true;
    }
    transport.start(self, this);
    scheduler.schedule(resendInterval, this::resendTick);
    scheduler.schedule(antiEntropyInterval, this::antiEntropyTick);
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

  /**
   * Applies a local mutation and ships its delta, on this thread; for QUORUM and ALL, the future
   * completes once enough peers acknowledged it (see {@link Waiters}), else at once.
   */
  <T extends DeltaCrdt<T>> CompletableFuture<Written<T>> writeAsync(
      Key<T> key, UnaryOperator<T> function, Consistency consistency, Duration timeout) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(consistency, "consistency");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("must be >= 0: timeout=" + timeout);
    }
    Effects fx = new Effects();
    T result;
    long sequence = 0;
    CausalToken token;
    CompletableFuture<Written<T>> acknowledged = null;
    boolean changedNothing = false;
    // The peers a QUORUM or ALL write counts, read before the lock as below.
    Set<ReplicaId> group = consistency == Consistency.LOCAL ? Set.of() : transport.peers();
    // Read before the lock (a transport may call this engine back while holding its own), and
    // only while some clock disagrees: evidence that arrives meanwhile applies to the next write.
    Set<ReplicaId> configured = fence.anyDisagreement() ? transport.peers() : null;
    synchronized (lock) {
      checkOpen();
      if (configured != null) {
        ClockHealth health = fence.health(configured);
        if (health.refusesWrites()) {
          throw new ClockSkewException(key.name(), health);
        }
      }
      Slot<T> slot = localSlot(key, true);
      T next = Objects.requireNonNull(function.apply(slot.state.resetDelta()), "function result");
      Optional<T> delta = next.delta();
      if (delta.isEmpty()) {
        if (consistency == Consistency.LOCAL) {
          return CompletableFuture.completedFuture(new Written<>(slot.state, CausalToken.empty()));
        }
        // A QUORUM or ALL write that changes nothing still promises that a quorum holds what it
        // observed: this replica's earlier writes to the key (a LOCAL one, or a QUORUM one that
        // timed out, or one of an earlier incarnation) may exist on this disk alone. Wait until
        // enough peers hold every one of them (see holdsOwnWrites); its token names the observed
        // value.
        changedNothing = true;
        token = observedToken(slot);
        result = slot.state;
      } else {
        byte[] payload = slot.key.codec().encode(delta.get());
        KeyedDelta keyed =
            KeyedDelta.newBuilder()
                .setKey(key.name())
                .setType(slot.key.typeName())
                .setPayload(ByteString.copyFrom(payload))
                .setOriginTime(Clocks.toWire(clock.now()))
                .build();
        boolean oversized =
            keyed.getSerializedSize() + ENVELOPE_OVERHEAD > transport.maxMessageBytes();
        if (oversized && consistency != Consistency.LOCAL) {
          throw new WireException(
              WireException.Reason.OVERSIZED,
              consistency
                  + " write to key "
                  + key.name()
                  + ": its delta of "
                  + keyed.getSerializedSize()
                  + " bytes does not fit one message of the transport ("
                  + transport.maxMessageBytes()
                  + " bytes), so no peer can acknowledge it; only LOCAL writes may be that large"
                  + " (anti-entropy ships them). The value is unchanged");
        }
        slot.state = next.resetDelta();
        slot.lastSequence = 0; // until sequenced below: an oversized delta is not in the log
        slot.writes++;
        slot.lastWriteStamp = ++ownWrites;
        dirty.add(key.name());
        fx.persist(() -> new StoredRecord(key.name(), slot.key.typeName(), payload));
        token = CausalToken.of(keyed);
        if (oversized) {
          // Too large for one message: no sequence; anti-entropy ships the key's state in chunks,
          // and only that can prove a peer holds it.
          oversizedDeltas++;
          slot.held().lackedByAll(slot.writes);
          doubtful.add(key.name());
        } else {
          sequence = nextSequence++;
          slot.lastSequence = sequence;
          if (slot.firstSequence == 0) {
            slot.firstSequence = sequence;
          }
          log.addLast(sequence, keyed);
          for (Peer peer : peers.values()) {
            // Sends this delta, with any that a refused send left behind, within the window;
            // beyond it, the peer's next Ack sends it.
            sendMore(peer, fx);
          }
          trimLog();
        }
        notifyLater(fx, slot);
        result = slot.state;
      }
      int needed = consistency.peerAcksNeeded(group.size());
      if (changedNothing && needed > 0) {
        Slot<T> observed = slot;
        long through = slot.writes;
        long last = slot.lastSequence;
        acknowledged =
            waiters.awaitOwnWrites(
                key.name(),
                consistency,
                timeout,
                last,
                group,
                needed,
                id -> holdsOwnWrites(observed, through, last, id),
                new Written<>(result, token),
                fx.after);
      } else if (sequence > 0 && needed > 0) {
        long s = sequence;
        acknowledged =
            waiters.awaitAcks(
                key.name(),
                consistency,
                timeout,
                sequence,
                group,
                needed,
                id -> peers.containsKey(id) && peers.get(id).holds(s),
                new Written<>(result, token),
                fx.after);
      }
    }
    fx.run();
    return acknowledged != null
        ? acknowledged
        : CompletableFuture.completedFuture(new Written<>(result, token));
  }

  /**
   * Whether peer {@code id} holds this replica's own writes to a key up to write {@code through}
   * (see {@link Slot#writes}), the last of which that was a delta of this incarnation being {@code
   * last} (0 if none). Either a proof from anti-entropy covers them all ({@link HeldWrites#held}),
   * or it covers those no Ack can prove the peer holds ({@link HeldWrites#lacked}) and the peer
   * acknowledged {@code last}: it applies this replica's deltas in order, so it applied the key's
   * deltas before that one too (none of which it refused, and none of which it skipped: those are
   * recorded as lacked). A peer this replica has not met since it started holds nothing it can
   * vouch for. Under the lock.
   */
  private boolean holdsOwnWrites(Slot<?> slot, long through, long last, ReplicaId id) {
    if (through == 0) {
      return true;
    }
    Peer peer = peers.get(id);
    if (peer == null) {
      return false;
    }
    HeldWrites held = slot.held;
    if (held != null && held.held(peer.index) >= through) {
      return true;
    }
    if (held != null && !held.settled(peer.index)) {
      return false;
    }
    // A delta of the key that the peer skipped made its writes lacked by the peer (lostTo,
    // startsFromTheLog), so an Ack of the last one proves them all.
    return last > 0 && peer.acked >= last && !peer.refusedBetween(slot.firstSequence, last);
  }

  /**
   * A peer holds this replica's own writes to a slot's key up to write {@code write}: it merged a
   * full state that held them, or an exchange found its state equal to one that did. Recorded if it
   * proves more than Acks do; the writes that changed nothing and wait for it ask again. Under the
   * lock.
   */
  private void provenHeld(Peer peer, Slot<?> slot, long write, Effects fx) {
    if (write == 0
        || (slot.held == null && holdsOwnWrites(slot, write, slot.lastSequence, peer.id))) {
      return;
    }
    slot.held().heldBy(peer.index, write);
    if (settledForKnownPeers(slot)) {
      doubtful.remove(slot.key.name());
    }
    waiters.held(slot.key.name(), peer.id, fx.after);
  }

  /** Whether every peer met so far is known to hold what no Ack can prove of the slot. */
  private boolean settledForKnownPeers(Slot<?> slot) {
    if (slot.held == null) {
      return true;
    }
    for (Peer peer : peers.values()) {
      if (!slot.held.settled(peer.index)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The end of an anti-entropy exchange with a peer that started when this replica's own writes
   * numbered {@code peer.sessionStamp}: every doubtful key it found equal (not in {@code differ},
   * and with a digest of its current state) is held by the peer as this replica held it at some
   * point after the start, so with every own write made before. Under the lock.
   */
  private void provenByExchange(Peer peer, Set<String> differ, Effects fx) {
    for (String name : new ArrayList<>(doubtful)) {
      Slot<?> slot = slots.get(name);
      if (slot == null
          || (slot.held != null && slot.held.held(peer.index) >= slot.writes)
          || differ.contains(name)
          || unencodable.contains(name)
          || tree.get(name) == null
          || slot.lastWriteStamp > peer.sessionStamp) {
        continue;
      }
      provenHeld(peer, slot, slot.writes, fx);
    }
  }

  /**
   * The token of a write that changed nothing: the key's whole value as observed (a reader
   * elsewhere then waits for everything it held), if its encoding fits a quarter of a token;
   * otherwise the delta of this replica's last write to the key while the log holds it; else empty
   * (every peer acknowledged that write). Under the lock.
   */
  private CausalToken observedToken(Slot<?> slot) {
    byte[] state = slot.encodeState();
    if (state.length <= CausalToken.MAX_BYTES / 4) {
      return CausalToken.of(
          KeyedDelta.newBuilder()
              .setKey(slot.key.name())
              .setType(slot.key.typeName())
              .setPayload(ByteString.copyFrom(state))
              .setOriginTime(Clocks.toWire(clock.now()))
              .build());
    }
    if (slot.lastSequence >= firstSequence() && slot.lastSequence < nextSequence) {
      return CausalToken.of(log.get(slot.lastSequence));
    }
    return CausalToken.empty();
  }

  /** Appends records to the store under the lock; returns the ticket, or 0 without a store. */
  private long persist(List<StoredRecord> records) {
    if (store == null || records.isEmpty()) {
      return 0;
    }
    long ticket = store.append(records, clock.current().packed());
    lastTicket = ticket;
    for (StoredRecord r : records) {
      uncheckpointed.add(r.key());
    }
    appendsSinceCheckpoint += records.size();
    if (appendsSinceCheckpoint >= CHECKPOINT_EVERY) {
      checkpoint();
    }
    return ticket;
  }

  /**
   * Writes the full states of the keys changed since the last checkpoint and lets the store drop
   * the log they cover. Under the lock: every appended record is already merged into the states.
   */
  private void checkpoint() {
    if (store == null || uncheckpointed.isEmpty()) {
      return;
    }
    List<StoredRecord> states = new ArrayList<>(uncheckpointed.size());
    for (String name : uncheckpointed) {
      Slot<?> slot = slots.get(name);
      if (slot != null) {
        states.add(new StoredRecord(name, slot.key.typeName(), encodedState(slot)));
      }
    }
    store.checkpoint(states, lastTicket, clock.current().packed());
    uncheckpointed.clear();
    appendsSinceCheckpoint = 0;
  }

  <T extends DeltaCrdt<T>> T get(Key<T> key) {
    Objects.requireNonNull(key, "key");
    synchronized (lock) {
      Slot<T> slot = localSlot(key, false);
      return slot == null ? key.zero() : slot.state;
    }
  }

  /**
   * Reads a key once this replica has seen every write of {@code token}: the future completes at
   * once if it has, else when the last of them is merged, or at the timeout.
   *
   * @throws IllegalArgumentException if the token names a key this replica does not declare with
   *     the token's type, or a delta that does not decode
   */
  <T extends DeltaCrdt<T>> CompletableFuture<T> getAsync(
      Key<T> key, CausalToken token, Duration timeout) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("must be >= 0: timeout=" + timeout);
    }
    List<Runnable> after = new ArrayList<>();
    CompletableFuture<T> read;
    synchronized (lock) {
      localSlot(key, false); // checks the key against its declaration
      List<Waiters.Unseen> unseen = new ArrayList<>();
      for (TokenWrite<?> write : tokenWrites(token)) {
        if (!write.seen()) {
          unseen.add(new Waiters.Unseen(write.key(), write::seen));
        }
      }
      Supplier<T> value =
          () -> {
            Slot<T> slot = localSlot(key, false);
            return slot == null ? key.zero() : slot.state;
          };
      read = waiters.awaitSeen(token.size(), unseen, value, timeout, after);
    }
    after.forEach(Runnable::run);
    return read;
  }

  /** Whether this replica has seen every write of {@code token}; under the lock. */
  boolean hasSeen(CausalToken token) {
    Objects.requireNonNull(token, "token");
    synchronized (lock) {
      return tokenWrites(token).stream().allMatch(TokenWrite::seen);
    }
  }

  /** Every write of a token, resolved and decoded (all checked before any is looked at). */
  private List<TokenWrite<?>> tokenWrites(CausalToken token) {
    return TokenWrite.all(
        token,
        self,
        this::resolve,
        name -> {
          Slot<?> slot = slots.get(name);
          return slot == null ? null : slot.state;
        });
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
        long pending = pending(peer);
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

  /** How many of this replica's deltas a peer has not acknowledged and the log still holds. */
  private long pending(Peer peer) {
    return Math.max(0, nextSequence - 1 - Math.max(peer.acked, firstSequence() - 1));
  }

  /** The pending gauge: reads under the lock. */
  private double pendingOf(ReplicaId id) {
    synchronized (lock) {
      Peer peer = peers.get(id);
      return peer == null ? 0 : pending(peer);
    }
  }

  /** Finds or makes what this replica knows of a peer, with its meters. */
  private Peer peer(ReplicaId id) {
    Peer peer = peers.get(id);
    if (peer == null) {
      peer =
          new Peer(
              id, peers.size(), meters.peer(id, this, engine -> engine.pendingOf(id)), maxKeyBytes);
      peers.put(id, peer);
      startsFromTheLog(peer); // nothing is proven of a peer met for the first time
    }
    return peer;
  }

  /**
   * Marks {@linkplain #doubtful doubtful} again every key with writes that no Ack can prove {@code
   * peer} holds and nothing else proved: for a peer met for the first time, or that lost what was
   * proven of it. Under the lock.
   */
  private void doubtAgain(Peer peer) {
    for (Slot<?> slot : slots.values()) {
      if (slot.held != null && !slot.held.settled(peer.index)) {
        doubtful.add(slot.key.name());
      }
    }
  }

  /** Whether some key waits for an anti-entropy exchange to prove what {@code peer} holds of it. */
  private boolean doubtfulFor(Peer peer) {
    for (String name : doubtful) {
      Slot<?> slot = slots.get(name);
      if (slot != null && slot.held != null && !slot.held.settled(peer.index)) {
        return true;
      }
    }
    return false;
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
          deltasReceived,
          fullStatesSent,
          fullStatesReceived,
          digestRounds,
          oversizedDeltas,
          rejected,
          rejectsReceived,
          subscribers.errors(),
          fullStatesOversized,
          oversizedKeys);
    }
  }

  int logSize() {
    synchronized (lock) {
      return log.size();
    }
  }

  /**
   * Completes with true once every connected peer has acknowledged every delta sequenced before
   * this call; with false at the timeout, or if the replica closes first. Peers not connected are
   * not waited for.
   */
  CompletableFuture<Boolean> drainAsync(Duration timeout) {
    List<Runnable> after = new ArrayList<>();
    CompletableFuture<Boolean> drained;
    synchronized (lock) {
      long target = nextSequence - 1;
      drained = waiters.awaitDrain(() -> drained(target), timeout, after);
    }
    after.forEach(Runnable::run);
    return drained;
  }

  /** Whether every connected peer acknowledged up to {@code target}; under the lock. */
  private boolean drained(long target) {
    for (Peer peer : peers.values()) {
      if (peer.connected && peer.acked < target) {
        return false;
      }
    }
    return true;
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
    if (store != null) {
      try {
        synchronized (lock) {
          checkpoint();
        }
      } finally {
        store.close();
      }
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("replica " + self + " is closed");
    }
  }

  /**
   * Finds (or, with create, makes) the slot of a local key, checking it against its declaration.
   */
  private <T extends DeltaCrdt<T>> Slot<T> localSlot(Key<T> key, boolean create) {
    Key<?> declaration = resolve(key.name());
    if (declaration == null) {
      declared.put(key.name(), key);
    } else if (!declaration.typeName().equals(key.typeName())) {
      throw new IllegalArgumentException(
          "key "
              + key.name()
              + " is declared as "
              + declaration.typeName()
              + ", not "
              + key.typeName());
    }
    Slot<?> slot = slots.get(key.name());
    if (slot == null && create) {
      slot = new Slot<>(key, key.zero());
      slots.put(key.name(), slot);
    }
    @SuppressWarnings("unchecked")
    Slot<T> typed = (Slot<T>) slot;
    return typed;
  }

  private Key<?> resolve(String name) {
    Key<?> key = declared.get(name);
    if (key != null) {
      return key;
    }
    for (Map.Entry<String, Function<String, Key<?>>> family : families.descendingMap().entrySet()) {
      if (name.startsWith(family.getKey())) {
        Key<?> made = family.getValue().apply(name);
        if (made != null && made.name().equals(name)) {
          declared.put(name, made);
          return made;
        }
      }
    }
    return null;
  }

  /** A key changed (under the lock): its subscribers and the reads waiting for it hear of it. */
  private void notifyLater(Effects fx, Slot<?> slot) {
    String name = slot.key.name();
    Subscribers.Notification notification = subscribers.changed(name, slot.state);
    if (notification != null) {
      fx.notifications.add(notification);
    }
    waiters.changed(name, fx.after);
  }

  // -----------------------------------------------------------------------------------------
  // Outbound log
  // -----------------------------------------------------------------------------------------

  private long firstSequence() {
    return log.firstSequence(nextSequence);
  }

  private void trimLog() {
    long minAcked = nextSequence - 1;
    for (Peer peer : peers.values()) {
      minAcked = Math.min(minAcked, peer.acked);
    }
    if (peers.isEmpty()) {
      minAcked = 0;
    }
    long first = firstSequence();
    long droppedThrough = first + log.size() - maxLogEntries - 1; // beyond the bound
    for (long s = Math.max(first, minAcked + 1); s <= droppedThrough; s++) {
      lostTo(s);
    }
    log.trim(minAcked, maxLogEntries);
  }

  /**
   * Delta {@code sequence} leaves the log before every peer acknowledged it: those that did not are
   * told to skip it, and no Ack of theirs can prove they hold its key's writes until anti-entropy
   * does (see {@link HeldWrites}). Under the lock, before the log drops it.
   */
  private void lostTo(long sequence) {
    Slot<?> slot = slots.get(log.get(sequence).getKey());
    if (slot == null) {
      return;
    }
    for (Peer peer : peers.values()) {
      if (peer.acked < sequence) {
        slot.held().lackedBy(peer.index, slot.writes);
        doubtful.add(slot.key.name());
      }
    }
  }

  /**
   * A peer whose count of this replica's sequences starts at 0 (met for the first time, or in a new
   * incarnation) is told to skip what the log no longer holds: no Ack of its can prove that it
   * holds the writes of those deltas, nor, since its Ack of a key's last delta proves the earlier
   * ones only if it got them all, of any key with a delta among them. Under the lock.
   */
  private void startsFromTheLog(Peer peer) {
    long first = firstSequence();
    if (first > 1) {
      for (Slot<?> slot : slots.values()) {
        if (slot.firstSequence > 0 && slot.firstSequence < first) {
          slot.held().lackedBy(peer.index, slot.writes);
        }
      }
    }
    doubtAgain(peer);
  }

  /**
   * Sends a peer what its session says is due ({@link PeerSession#nextBatches}): the deltas it has
   * not been sent, within the window, batched. Called on each write, when a connection comes up, on
   * each Ack, and by the resend timer.
   */
  private void sendMore(Peer peer, Effects fx) {
    if (!peer.connected) {
      return;
    }
    int budget = Math.max(1, transport.maxMessageBytes() / 2);
    for (DeltaBatch batch :
        peer.nextBatches(
            log, nextSequence, budget, maxPartialBatchesInFlight, scheduler.ticker().read())) {
      fx.send(peer.id, batch, batch.getDeltasCount());
    }
  }

  /**
   * Lets up to {@code batches} batches that are not full be in flight to a peer (tests: {@code
   * Integer.MAX_VALUE} sends each write at once, in a batch of its own). Before {@link #start}.
   */
  void maxPartialBatchesInFlight(int batches) {
    if (batches < 1) {
      throw new IllegalArgumentException("must be >= 1: batches=" + batches);
    }
    this.maxPartialBatchesInFlight = batches;
  }

  /**
   * Sets the largest full state of one key this replica accepts from a peer, which also bounds what
   * one peer's partial states may hold here together. Before {@link #start}.
   */
  void maxKeyBytes(long bytes) {
    this.maxKeyBytes = checkMaxKeyBytes(bytes);
  }

  /** Returns {@code bytes} if it is a valid {@link #maxKeyBytes}; otherwise throws, naming it. */
  static long checkMaxKeyBytes(long bytes) {
    if (bytes < 1 || bytes > Replica.Builder.MAX_KEY_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "maxKeyBytes must be between 1 and "
              + Replica.Builder.MAX_KEY_BYTES_LIMIT
              + ": bytes="
              + bytes);
    }
    return bytes;
  }

  /**
   * Sets the full-state bytes in flight to each peer and the payload of one chunk (tests: small
   * values make a state of a few kilobytes travel in many acknowledged chunks). Before {@link
   * #start}.
   *
   * @throws IllegalArgumentException if either is below 1
   */
  void fullStateBudget(long budgetBytes, int chunkBytes) {
    if (budgetBytes < 1 || chunkBytes < 1) {
      throw new IllegalArgumentException(
          "must be >= 1: budgetBytes=" + budgetBytes + ", chunkBytes=" + chunkBytes);
    }
    this.fullStateBudget = budgetBytes;
    this.fullStateChunkBytes = chunkBytes;
  }

  private void resendTick() {
    Effects fx = new Effects();
    synchronized (lock) {
      if (closed) {
        return;
      }
      for (Peer peer : peers.values()) {
        if (!peer.connected) {
          continue;
        }
        peer.resendTick(resendInterval.toNanos());
        peer.handshakeResent = false;
        sendMore(peer, fx);
        pumpFullStates(peer, fx); // full-state chunks the transport refused go again
      }
    }
    fx.run();
    scheduler.schedule(resendInterval, this::resendTick);
  }

  // -----------------------------------------------------------------------------------------
  // Anti-entropy
  // -----------------------------------------------------------------------------------------

  private void refreshDigests() {
    if (dirty.isEmpty()) {
      return;
    }
    MessageDigest sha = sha256();
    for (String name : dirty) {
      Slot<?> slot = slots.get(name);
      if (slot != null) {
        byte[] bytes;
        try {
          bytes = encodedState(slot);
        } catch (RuntimeException e) {
          unencodable(slot, e);
          continue;
        }
        tree.put(name, slot.key.typeName(), sha.digest(bytes));
        unencodable.remove(name);
      }
    }
    dirty.clear();
  }

  /**
   * The encoding of a slot's current state, from {@link #encodings} or made now and kept there (for
   * the digest, the transfers and the checkpoint of this version). Under the lock.
   */
  private byte[] encodedState(Slot<?> slot) {
    String name = slot.key.name();
    byte[] bytes = encodings.get(name, slot.state, antiEntropyTicks);
    if (bytes == null) {
      bytes = slot.encodeState();
      encodings.put(name, slot.state, bytes, antiEntropyTicks);
    }
    return bytes;
  }

  /**
   * A key whose state its own codec refuses to encode (over the codec's limits, say): it cannot be
   * digested or sent. Reported, and left out of this refresh, rather than end anti-entropy for
   * every key. Under the lock.
   */
  private void unencodable(Slot<?> slot, RuntimeException e) {
    String name = slot.key.name();
    unencodable.add(name);
    if (e instanceof WireException w && w.reason() == WireException.Reason.OVERSIZED) {
      noteOversized(name);
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "replica "
            + self
            + ": the state of key "
            + name
            + " does not encode, so anti-entropy cannot compare or send it: "
            + e.getMessage(),
        e);
  }

  /** Counts and reports a full state over a limit; under the lock. */
  private void noteOversized(String name) {
    fullStatesOversized++;
    meters.fullStateOversized();
    oversizedKeys.remove(name);
    oversizedKeys.add(name);
    if (oversizedKeys.size() > MAX_OVERSIZED_KEYS_REPORTED) {
      oversizedKeys.remove(oversizedKeys.iterator().next());
    }
  }

  /**
   * Recomputes the digests of the keys changed since the last refresh without holding the lock
   * while it encodes and hashes them (states are immutable): a snapshot under the lock, the work
   * outside, and the results stored under the lock for the keys that did not change meanwhile (the
   * others stay dirty, for the next refresh). Keeps writers from stalling behind an anti-entropy
   * round of many changed keys. Encodings already held are reused, and those made here are kept (up
   * to the bound of {@link #encodings}) for the transfers and checkpoint of the same versions.
   */
  private void refreshDigestsOutsideLock() {
    List<String> names = new ArrayList<>();
    List<Slot<?>> snapshot = new ArrayList<>();
    List<Object> states = new ArrayList<>();
    List<byte[]> held = new ArrayList<>();
    synchronized (lock) {
      for (String name : dirty) {
        Slot<?> slot = slots.get(name);
        if (slot != null) {
          names.add(name);
          snapshot.add(slot);
          states.add(slot.state);
          held.add(encodings.get(name, slot.state, antiEntropyTicks));
        }
      }
      dirty.clear();
    }
    if (names.isEmpty()) {
      return;
    }
    MessageDigest sha = sha256();
    byte[][] digests = new byte[names.size()][];
    byte[][] keep = new byte[names.size()][];
    RuntimeException[] failures = new RuntimeException[names.size()];
    long kept = 0;
    for (int i = 0; i < digests.length; i++) {
      byte[] bytes = held.get(i);
      if (bytes == null) {
        try {
          bytes = snapshot.get(i).encode(states.get(i));
        } catch (RuntimeException e) {
          failures[i] = e;
          continue;
        }
        if (kept == 0 || kept + bytes.length <= EncodedStates.DEFAULT_MAX_BYTES) {
          // Not all: a round of many changed keys must not hold them all at once.
          keep[i] = bytes;
          kept += bytes.length;
        }
      }
      digests[i] = sha.digest(bytes);
    }
    synchronized (lock) {
      for (int i = 0; i < digests.length; i++) {
        Slot<?> slot = snapshot.get(i);
        if (slots.get(names.get(i)) != slot || slot.state != states.get(i)) {
          dirty.add(names.get(i));
        } else if (failures[i] != null) {
          unencodable(slot, failures[i]);
        } else {
          tree.put(names.get(i), slot.key.typeName(), digests[i]);
          unencodable.remove(names.get(i));
          if (keep[i] != null) {
            encodings.put(names.get(i), slot.state, keep[i], antiEntropyTicks);
          }
        }
      }
    }
  }

  private void antiEntropyTick() {
    Effects fx = new Effects();
    refreshDigestsOutsideLock();
    synchronized (lock) {
      if (closed) {
        return;
      }
      refreshDigests();
      antiEntropyTicks++;
      encodings.expire(antiEntropyTicks);
      for (Peer peer : peers.values()) {
        if (!peer.connected) {
          continue;
        }
        fullStateRound(peer, fx);
        if (peer.session != null && antiEntropyTicks - peer.sessionTick < 2) {
          // A session still running (it sent a request during the last interval): let it finish,
          // or a reconciliation longer than the interval would be restarted forever.
          continue;
        }
        startSession(peer, fx);
      }
    }
    fx.run();
    scheduler.schedule(antiEntropyInterval, this::antiEntropyTick);
  }

  /** Starts an anti-entropy session with a peer, on a fresh digest tree; under the lock. */
  private void startSession(Peer peer, Effects fx) {
    peer.session = reconciler.start(tree);
    peer.sessionTick = antiEntropyTicks;
    peer.sessionStamp = ownWrites;
    digestRounds++;
    peer.meters.digestRounds().increment();
    DigestRequest request = peer.session.nextRequest();
    peer.awaitedRound = request.getRound();
    fx.send(peer.id, request);
  }

  /**
   * Starts an anti-entropy session with a peer now, unless one runs: a peer whose handshake came
   * while some key is {@linkplain #doubtful doubtful} need not wait for the next round to prove
   * that it holds this replica's writes to it (after a restart, every key recovered is). Runs on
   * the scheduler.
   */
  private void sessionNow(ReplicaId id) {
    Effects fx = new Effects();
    refreshDigestsOutsideLock();
    synchronized (lock) {
      Peer peer = peers.get(id);
      if (closed || peer == null || !peer.connected || peer.session != null) {
        return;
      }
      refreshDigests();
      startSession(peer, fx);
    }
    fx.run();
  }

  private void onDigestResponse(Peer peer, DigestResponse response, Effects fx) {
    ReconciliationSession session = peer.session;
    if (session == null
        || !session.isAwaitingResponse()
        || response.getRound() != peer.awaitedRound) {
      return; // a late or duplicated response, or one of an abandoned session
    }
    refreshDigests();
    try {
      session.accept(response);
    } catch (WireException e) {
      peer.session = null;
      throw e;
    }
    if (!session.isDone()) {
      peer.sessionTick = antiEntropyTicks;
      digestRounds++;
      peer.meters.digestRounds().increment();
      DigestRequest request = session.nextRequest();
      peer.awaitedRound = request.getRound();
      fx.send(peer.id, request);
      return;
    }
    peer.session = null;
    Divergence divergence = session.divergence();
    TreeSet<String> push = new TreeSet<>(divergence.onlyLocal());
    push.addAll(divergence.differing());
    provenByExchange(peer, push, fx);
    boolean toEncode = false;
    for (String name : push) {
      Slot<?> slot = slots.get(name);
      if (slot != null) {
        toEncode |= startTransfer(peer, slot);
      }
    }
    pumpFullStates(peer, fx);
    if (toEncode) {
      ReplicaId id = peer.id;
      scheduler.schedule(Duration.ZERO, () -> encodeTransfers(id));
    }
  }

  /**
   * Starts sending a key's full state to a peer, unless one is under way or the peer refused this
   * version for good; its bytes come from {@link #encodings}, or later from {@link
   * #encodeTransfers} (outside the lock). Under the lock, just after {@link #refreshDigests}, so
   * the digest tree holds the hash of the key's current state.
   *
   * @return whether the transfer waits for its bytes
   */
  private boolean startTransfer(Peer peer, Slot<?> slot) {
    String name = slot.key.name();
    KeyDigest digest = tree.get(name);
    byte[] hash = digest == null ? null : digest.getHash().toByteArray();
    if (peer.outgoing.refused(name, hash)) {
      return false; // refused for good: not again until the key changes or the link comes up again
    }
    int chunkSize = chunkSize(slot);
    if (chunkSize < 1) {
      return false; // the transport cannot carry even an empty chunk of this key
    }
    OutgoingTransfer transfer =
        new OutgoingTransfer(
            name, slot.key.typeName(), lastTransfer + 1, slot.state, hash, chunkSize);
    transfer.ownWrites = slot.writes;
    if (!peer.outgoing.offer(transfer, antiEntropyTicks)) {
      return false; // one is under way: it finishes first, and the next round compares again
    }
    lastTransfer++;
    fullStatesSent++;
    peer.meters.fullStatesSent().increment();
    byte[] bytes = encodings.get(name, slot.state, antiEntropyTicks);
    if (bytes == null) {
      return true;
    }
    try {
      transfer.encoded(bytes);
    } catch (WireException e) {
      peer.outgoing.cancel(transfer);
      unencodable(slot, e);
    }
    return false;
  }

  /** The largest payload of a full-state chunk of this key that fits one transport message. */
  private int chunkSize(Slot<?> slot) {
    FullStateChunk header =
        FullStateChunk.newBuilder()
            .setKey(slot.key.name())
            .setType(slot.key.typeName())
            .setChunkIndex(Integer.MAX_VALUE)
            .setChunkCount(Integer.MAX_VALUE)
            .setTransfer(Long.MAX_VALUE)
            .setTotalBytes(Long.MAX_VALUE)
            .build();
    int overhead = envelope(header).getSerializedSize() + 16;
    return Math.min(fullStateChunkBytes, transport.maxMessageBytes() - overhead);
  }

  /**
   * Hands a peer the full-state chunks its budget allows ({@link OutgoingTransfers#poll}). Called
   * when transfers start, on each {@code FullStateAck}, when bytes are ready, and by the timers
   * (after a refused send or a go-back). Under the lock.
   */
  private void pumpFullStates(Peer peer, Effects fx) {
    if (!peer.connected) {
      return;
    }
    FullStateChunk chunk;
    while ((chunk = peer.outgoing.poll(fullStateBudget, antiEntropyTicks)) != null) {
      fx.send(peer.id, chunk);
    }
  }

  /**
   * Encodes the states of a peer's transfers that wait for their bytes, outside the lock (states
   * are immutable), keeps each encoding for the other uses of its version, and sends what the
   * budget allows. Runs on the scheduler, after the anti-entropy round that started them.
   */
  private void encodeTransfers(ReplicaId id) {
    List<OutgoingTransfer> waiting;
    List<Slot<?>> owners = new ArrayList<>();
    synchronized (lock) {
      Peer peer = peers.get(id);
      if (closed || peer == null || !peer.connected) {
        return;
      }
      waiting = peer.outgoing.waitingForBytes();
      for (OutgoingTransfer t : waiting) {
        owners.add(slots.get(t.key));
      }
    }
    byte[][] encoded = new byte[waiting.size()][];
    RuntimeException[] failures = new RuntimeException[waiting.size()];
    for (int i = 0; i < encoded.length; i++) {
      try {
        encoded[i] = owners.get(i).encode(waiting.get(i).state);
      } catch (RuntimeException e) {
        failures[i] = e;
      }
    }
    Effects fx = new Effects();
    synchronized (lock) {
      Peer peer = peers.get(id);
      if (closed || peer == null) {
        return;
      }
      for (int i = 0; i < encoded.length; i++) {
        OutgoingTransfer t = waiting.get(i);
        Slot<?> slot = owners.get(i);
        if (peer.outgoing.get(t.key) != t || t.encoded()) {
          continue; // ended meanwhile (the peer went down, refused it, ...)
        }
        try {
          if (failures[i] != null) {
            throw failures[i];
          }
          t.encoded(encoded[i]);
          if (slot.state == t.state) {
            encodings.put(t.key, t.state, encoded[i], antiEntropyTicks);
          }
        } catch (RuntimeException e) {
          peer.outgoing.cancel(t);
          unencodable(slot, e);
        }
      }
      pumpFullStates(peer, fx);
    }
    fx.run();
  }

  /**
   * An anti-entropy round's care of a peer's transfers: those whose acknowledgements stopped go
   * back or are given up ({@link OutgoingTransfers#tick}), partial states it stopped sending are
   * dropped ({@link IncomingTransfers#expire}). Under the lock.
   */
  private void fullStateRound(Peer peer, Effects fx) {
    for (OutgoingTransfer t : peer.outgoing.tick(antiEntropyTicks)) {
      LOG.log(
          System.Logger.Level.DEBUG,
          () -> "replica " + self + ": gave up the full state of " + t.key + " to " + peer.id);
    }
    peer.incoming.expire(antiEntropyTicks);
    pumpFullStates(peer, fx);
  }

  /** A peer's acknowledgement (or refusal) of a full-state transfer of this replica. */
  private void onFullStateAck(Peer peer, FullStateAck ack, Effects fx) {
    long transfer = ack.getTransfer();
    if (transfer == 0 || Long.compareUnsigned(transfer, lastTransfer) > 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "full state ack of key "
              + ack.getKey()
              + " names transfer "
              + Long.toUnsignedString(transfer)
              + ", which this replica never started (the last is "
              + lastTransfer
              + ")");
    }
    if (ack.getRefused() != Reject.Reason.REASON_UNSPECIFIED) {
      WireException.Reason reason = WireException.Reason.fromWire(ack.getRefused());
      if (!refusesOneFullState(reason)) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            "full state ack of key "
                + ack.getKey()
                + " refuses it with "
                + ack.getRefused()
                + ", which does not refuse a full state");
      }
      OutgoingTransfer ended = peer.outgoing.refuse(ack.getKey(), transfer, !ack.getRetryLater());
      if (ended != null) {
        rejectsReceived.merge(reason, 1L, Long::sum);
        meters.rejectedSent(reason);
        LOG.log(
            System.Logger.Level.WARNING,
            "replica "
                + self
                + ": "
                + peer.id
                + " refused the full state of key "
                + ended.key
                + " ("
                + ended.totalBytes()
                + " bytes; "
                + (ack.getRetryLater() ? "tried again later" : "not sent again until it changes")
                + "): "
                + reason
                + ": "
                + ack.getDetail());
      }
    } else {
      OutgoingTransfer sending = peer.outgoing.get(ack.getKey());
      OutgoingTransfers.Acked acked =
          peer.outgoing.acknowledge(
              ack.getKey(),
              transfer,
              Integer.toUnsignedLong(ack.getReceivedChunks()),
              antiEntropyTicks);
      Slot<?> slot = slots.get(ack.getKey());
      if (acked == OutgoingTransfers.Acked.DONE && slot != null) {
        // It merged the whole state (and made it durable before it said so).
        provenHeld(peer, slot, sending.ownWrites, fx);
      }
    }
    pumpFullStates(peer, fx);
  }

  /**
   * Takes one chunk of a peer's full state: kept and acknowledged, or (the last) reassembled,
   * decoded, checked and merged. A state this replica refuses for that key alone (over {@link
   * #maxKeyBytes} or its codec's limits, a key not declared so, a value whose meaning is refused)
   * or a transfer beyond the peer's bounds is refused with a {@code FullStateAck} that stops it:
   * counted, never merged, and the link goes on. A chunk that contradicts itself or its transfer is
   * MALFORMED and ends the link.
   */
  private void onFullState(Peer peer, FullStateChunk chunk, Effects fx) {
    IncomingTransfers.validate(chunk);
    if (peer.incoming.dropped(chunk)) {
      return; // of a transfer refused before: the refusal stops it
    }
    Slot<?> slot;
    try {
      slot = remoteSlot(chunk.getKey(), chunk.getType());
    } catch (WireException e) {
      peer.incoming.refuse(chunk.getKey(), chunk.getTransfer());
      refuseTransfer(peer, chunk, e, false, fx);
      return;
    }
    IncomingTransfers.Outcome outcome = peer.incoming.accept(chunk, maxKeyBytes, antiEntropyTicks);
    if (outcome instanceof IncomingTransfers.Refused refused) {
      if (!refused.retryLater()) {
        noteOversized(slot.key.name());
      }
      refuseTransfer(peer, chunk, refused.reason(), refused.retryLater(), fx);
      return;
    }
    if (outcome instanceof IncomingTransfers.Partial partial) {
      acknowledgeChunks(peer, chunk, partial.received(), fx);
      return;
    }
    if (!(outcome instanceof IncomingTransfers.Complete complete)) {
      return; // dropped
    }
    byte[] bytes = complete.bytes();
    boolean changed;
    try {
      changed =
          slot.prepareMerge(
                  bytes,
                  decoded ->
                      admission.check(
                          decoded,
                          null,
                          () -> "full state of key " + slot.key.name() + " from " + peer.id))
              .getAsBoolean();
    } catch (WireException e) {
      if (e.reason() == WireException.Reason.MALFORMED || !refusesOneFullState(e.reason())) {
        throw e;
      }
      if (e.reason() == WireException.Reason.OVERSIZED) {
        noteOversized(slot.key.name()); // over the key codec's own limits
      }
      refuseTransfer(peer, chunk, e, e.reason() == WireException.Reason.CLOCK_OFFSET, fx);
      return;
    }
    if (changed) {
      fx.persist(() -> new StoredRecord(slot.key.name(), slot.key.typeName(), bytes));
    }
    fullStatesReceived++;
    peer.meters.fullStatesReceived().increment();
    oversizedKeys.remove(slot.key.name());
    dirty.add(slot.key.name());
    acknowledgeChunks(peer, chunk, complete.count(), fx);
    if (changed) {
      notifyLater(fx, slot);
    }
  }

  private void acknowledgeChunks(Peer peer, FullStateChunk chunk, int received, Effects fx) {
    fx.send(
        peer.id,
        FullStateAck.newBuilder()
            .setKey(chunk.getKey())
            .setTransfer(chunk.getTransfer())
            .setReceivedChunks(received)
            .build());
  }

  /**
   * Refuses a peer's full-state transfer alone: counted as refused (like a {@code Reject}, which is
   * not sent), and answered with a {@code FullStateAck} that stops it.
   */
  private void refuseTransfer(
      Peer peer, FullStateChunk chunk, WireException e, boolean retryLater, Effects fx) {
    rejected.merge(e.reason(), 1L, Long::sum);
    meters.rejectedReceived(e.reason());
    fx.send(
        peer.id,
        FullStateAck.newBuilder()
            .setKey(chunk.getKey())
            .setTransfer(chunk.getTransfer())
            .setRefused(e.reason().toWire())
            .setDetail(e.detail())
            .setRetryLater(retryLater)
            .build());
  }

  /** Finds (or makes) the slot for a key received from a peer; TYPE_MISMATCH if not declared so. */
  private Slot<?> remoteSlot(String name, String type) {
    Key<?> declaration =
        name.isEmpty() || name.length() > Key.MAX_NAME_LENGTH ? null : resolve(name);
    if (declaration == null) {
      throw new WireException(
          WireException.Reason.TYPE_MISMATCH, "key " + name + " is not declared on " + self);
    }
    if (!declaration.typeName().equals(type)) {
      throw new WireException(
          WireException.Reason.TYPE_MISMATCH,
          "key " + name + " is declared as " + declaration.typeName() + ", not " + type);
    }
    return slots.computeIfAbsent(name, n -> Slot.of(declaration));
  }

  // -----------------------------------------------------------------------------------------
  // Transport callbacks
  // -----------------------------------------------------------------------------------------

  @Override
  public void onPeerUp(ReplicaId id) {
    Effects fx = new Effects();
    synchronized (lock) {
      if (closed) {
        return;
      }
      Peer peer = peer(id);
      peer.connected = true;
      peer.handshake = null;
      peer.handshakeResent = false;
      peer.connected();
      fx.send(id, handshake());
      sendMore(peer, fx);
    }
    fx.run();
  }

  private Handshake handshake() {
    return Handshake.newBuilder()
        .setMinProtocolVersion(PROTOCOL_VERSION)
        .setMaxProtocolVersion(PROTOCOL_VERSION)
        .setReplica(selfWire)
        .setIncarnation(incarnation)
        .build();
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
    Effects fx = new Effects();
    Envelope.BodyCase body = message.getBodyCase();
    if (body == Envelope.BodyCase.DIGEST_REQUEST || body == Envelope.BodyCase.DIGEST_RESPONSE) {
      // Digests of the keys changed since the last round, hashed before the lock is taken: under
      // it only those changed meanwhile are (every key of a busy replica can change in a round, and
      // hashing them all under the lock stalled every write and delta behind it).
      refreshDigestsOutsideLock();
    }
    synchronized (lock) {
      if (closed) {
        return;
      }
      Peer peer = peer(from);
      peer.meters.bytesReceived().increment(message.getSerializedSize());
      try {
        receive(peer, message, fx);
      } catch (WireException e) {
        refuse(peer, message, e, fx);
      } catch (ClockOffsetException e) {
        fence.refusedTheirs(peer.id);
        refuse(
            peer,
            message,
            new WireException(WireException.Reason.CLOCK_OFFSET, e.getMessage(), e),
            fx);
      }
    }
    fx.run();
  }

  private void refuse(Peer peer, Envelope message, WireException e, Effects fx) {
    rejected.merge(e.reason(), 1L, Long::sum);
    meters.rejectedReceived(e.reason());
    if (message.getBodyCase() != Envelope.BodyCase.REJECT) {
      fx.send(peer.id, e.toReject());
    }
    if (closesConnection(e.reason())) {
      fx.disconnect(peer.id, e);
    }
  }

  /**
   * Whether a refusal for {@code reason} also ends the connection: a message that does not decode,
   * is too large, speaks an unknown protocol version or comes from another sender than the
   * connection's peer says the peer is broken or hostile, and the stream is closed (the peer may
   * reconnect, with backoff). A timestamp beyond the clock offset or a key of the wrong type is
   * refused alone: the peer's other messages are fine.
   */
  static boolean closesConnection(WireException.Reason reason) {
    return switch (reason) {
      case MALFORMED, OVERSIZED, UNKNOWN_VERSION, UNTRUSTED_PEER -> true;
      case CLOCK_OFFSET, TYPE_MISMATCH, COUNTER_RANGE, FORGED_EVENT, REPEATED_HANDSHAKE -> false;
      case NO_HANDSHAKE,
          STALE_INCARNATION,
          WRONG_DIALLER,
          DUPLICATE_STREAM,
          CONNECTION_LIMIT,
          HANDSHAKE_TIMEOUT ->
          true;
    };
  }

  /**
   * Whether a delta refused for {@code reason} is refused alone, its sequence consumed (answered
   * with a {@code Reject} naming it) so that the sender's later deltas still apply: the key is not
   * declared so, or the delta's meaning is refused (a timestamp inside it beyond the offset, a
   * counter out of range, another replica's event). Resending it would be refused again, and
   * waiting for it would stall every later delta of the link. A delta that does not decode refuses
   * the whole batch and ends the connection instead.
   */
  static boolean refusesOneDelta(WireException.Reason reason) {
    return switch (reason) {
      case TYPE_MISMATCH, CLOCK_OFFSET, COUNTER_RANGE, FORGED_EVENT -> true;
      case MALFORMED,
          OVERSIZED,
          UNKNOWN_VERSION,
          UNTRUSTED_PEER,
          NO_HANDSHAKE,
          REPEATED_HANDSHAKE,
          STALE_INCARNATION,
          WRONG_DIALLER,
          DUPLICATE_STREAM,
          CONNECTION_LIMIT,
          HANDSHAKE_TIMEOUT ->
          false;
    };
  }

  /**
   * Whether a full state refused for {@code reason} is refused alone, with a {@code FullStateAck}
   * that stops its transfer while the link goes on: over a size limit, a key not declared so, or a
   * value whose meaning is refused (as for one delta). A state that does not decode ends the
   * connection instead.
   */
  static boolean refusesOneFullState(WireException.Reason reason) {
    return reason == WireException.Reason.OVERSIZED || refusesOneDelta(reason);
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

  private void receive(Peer peer, Envelope message, Effects fx) {
    if (!message.getSender().equals(Clocks.toWire(peer.id))) {
      throw new WireException(
          WireException.Reason.UNTRUSTED_PEER,
          "sender " + message.getSender() + " is not the connection's peer " + peer.id);
    }
    if (message.getProtocolVersion() != PROTOCOL_VERSION) {
      throw new WireException(
          WireException.Reason.UNKNOWN_VERSION,
          "protocol version " + message.getProtocolVersion() + ", expected " + PROTOCOL_VERSION);
    }
    if (!message.hasSentAt()) {
      throw new WireException(WireException.Reason.MALFORMED, "envelope without sent_at");
    }
    HlcTimestamp sentAt = Clocks.fromWire(message.getSentAt());
    HlcTimestamp received = clock.update(sentAt);
    fence.acceptedTheirs(peer.id);
    peer.lastContact = received.physical();
    switch (message.getBodyCase()) {
      case HANDSHAKE -> onHandshake(peer, message.getHandshake(), sentAt, fx);
      case DELTAS -> onDeltas(peer, message.getDeltas(), received.physical(), fx);
      case ACK -> {
        fence.theyAcceptedOurs(peer.id);
        if (message.getAck().getIncarnation() != incarnation) {
          peerLacksHandshake(peer, fx);
          return;
        }
        long upTo = Math.min(message.getAck().getUpToSequence(), nextSequence - 1);
        long before = peer.acked;
        peer.acknowledged(upTo, scheduler.ticker().read());
        trimLog();
        waiters.acknowledged(peer.id, before, peer.acked, peer::holds, fx.after);
        sendMore(peer, fx); // Acks clock out the deltas the window held back
      }
      case DIGEST_REQUEST -> {
        refreshDigests();
        fx.send(peer.id, reconciler.respond(tree, message.getDigestRequest()));
      }
      case DIGEST_RESPONSE -> {
        fence.theyAcceptedOurs(peer.id);
        onDigestResponse(peer, message.getDigestResponse(), fx);
      }
      case FULL_STATE -> onFullState(peer, message.getFullState(), fx);
      case FULL_STATE_ACK -> onFullStateAck(peer, message.getFullStateAck(), fx);
      case REJECT -> {
        WireException.Reason reason =
            WireException.Reason.fromWire(message.getReject().getReason());
        if (reason == WireException.Reason.CLOCK_OFFSET) {
          fence.theyRefusedOurs(peer.id);
        }
        if (refusesOneDelta(reason) && message.getReject().getSequence() > 0) {
          peer.refused(message.getReject().getSequence());
          waiters.refused(peer.id, message.getReject().getSequence());
        }
        rejectsReceived.merge(reason, 1L, Long::sum);
        meters.rejectedSent(reason);
      }
      case BODY_NOT_SET ->
          throw new WireException(WireException.Reason.MALFORMED, "envelope without a body");
    }
  }

  /**
   * An Ack that names another incarnation of this replica than its own (or none): the peer counts
   * this replica's sequence numbers in another incarnation, because it did not get the handshake of
   * this one (a handshake may be lost), so what it acknowledges says nothing of what it applied and
   * is not counted. The handshake goes again, at most once per resend interval, and the deltas
   * after it: the peer ignores the repeat if it had the first after all.
   */
  private void peerLacksHandshake(Peer peer, Effects fx) {
    if (peer.handshakeResent) {
      return;
    }
    peer.handshakeResent = true;
    fx.send(peer.id, handshake());
    peer.connected(); // what it took for duplicates goes again, after the handshake
    sendMore(peer, fx);
  }

  /**
   * Accepts a handshake once per connection, and an incarnation only if it is not older than one
   * seen before (see {@code Replication.Exchange} in {@code replication.proto}): nothing a peer
   * sends after its handshake, and no handshake of an impostor or of a stale process, can reset a
   * healthy session. A newer incarnation means the peer restarted without its state.
   */
  private void onHandshake(Peer peer, Handshake handshake, HlcTimestamp sentAt, Effects fx) {
    if (handshake.getMinProtocolVersion() > PROTOCOL_VERSION
        || handshake.getMaxProtocolVersion() < PROTOCOL_VERSION) {
      throw new WireException(
          WireException.Reason.UNKNOWN_VERSION,
          "peer speaks protocol versions "
              + handshake.getMinProtocolVersion()
              + ".."
              + handshake.getMaxProtocolVersion());
    }
    long incarnation = handshake.getIncarnation();
    if (peer.handshake != null) {
      if (peer.handshake == incarnation) {
        return; // a duplicate of this connection's handshake: nothing new
      }
      throw new WireException(
          WireException.Reason.REPEATED_HANDSHAKE,
          "second handshake on one connection: incarnation "
              + Long.toUnsignedString(incarnation)
              + " after "
              + Long.toUnsignedString(peer.handshake));
    }
    if (Long.compareUnsigned(incarnation, sentAt.packed()) > 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "incarnation "
              + Long.toUnsignedString(incarnation)
              + " is after the envelope's sent_at "
              + sentAt.packed());
    }
    if (peer.incarnation != null && Long.compareUnsigned(incarnation, peer.incarnation) < 0) {
      throw new WireException(
          WireException.Reason.STALE_INCARNATION,
          "incarnation "
              + Long.toUnsignedString(incarnation)
              + " is older than "
              + Long.toUnsignedString(peer.incarnation)
              + ", already seen from "
              + peer.id);
    }
    peer.handshake = incarnation;
    if (peer.incarnation == null && peer.expected > 1) {
      // Its deltas came before any handshake of it (that one was lost): they may be of an older
      // incarnation than this one, so its sequence restarts here too (applying one twice is
      // harmless; taking a new one for a duplicate is not).
      peer.expected = 1;
    }
    if (peer.incarnation != null && peer.incarnation != incarnation) {
      // The peer restarted without its state: its sequence restarts, and it needs all we hold.
      peer.expected = 1;
      peer.acked = 0;
      waiters.reset(peer.id);
      peer.sent = 0;
      peer.incoming.clear();
      for (Slot<?> slot : slots.values()) {
        if (slot.held != null) {
          slot.held.forget(peer.index); // what it held may be gone
        }
      }
      startsFromTheLog(peer);
      sendMore(peer, fx);
    }
    peer.incarnation = incarnation;
    if (doubtfulFor(peer)) {
      ReplicaId id = peer.id;
      fx.after.add(
          () -> {
            try {
              scheduler.schedule(Duration.ZERO, () -> sessionNow(id));
            } catch (RejectedExecutionException stopped) {
              // The replica is closing: the next start's handshakes try again.
            }
          });
    }
  }

  /**
   * Applies a batch of deltas; {@code appliedAt} is the physical part of this replica's clock at
   * receipt, from which the replication lag of each applied delta is measured.
   */
  private void onDeltas(Peer peer, DeltaBatch batch, long appliedAt, Effects fx) {
    long sequence = batch.getFirstSequence();
    if (sequence < 1) {
      throw new WireException(WireException.Reason.MALFORMED, "first_sequence 0");
    }
    if (batch.getDeltasCount() == 0) {
      // The sender dropped what we had not acknowledged: skip ahead; anti-entropy fills the gap.
      peer.expected = Math.max(peer.expected, sequence);
    } else {
      // Decode first, apply after: a malformed delta leaves everything untouched.
      long expected = peer.expected;
      List<Slot<?>> targets = new ArrayList<>();
      List<KeyedDelta> applied = new ArrayList<>();
      List<String> appliedTypes = new ArrayList<>();
      List<HlcTimestamp> origins = new ArrayList<>();
      List<BooleanSupplier> merges = new ArrayList<>();
      List<WireException> mismatches = new ArrayList<>();
      List<Long> mismatched = new ArrayList<>();
      List<Long> appliedSequences = new ArrayList<>();
      for (KeyedDelta delta : batch.getDeltasList()) {
        if (sequence == expected) {
          try {
            String type = DeltaBatches.type(batch, delta, sequence);
            HlcTimestamp origin = DeltaBatches.origin(batch, delta, sequence);
            Slot<?> slot = remoteSlot(delta.getKey(), type);
            long at = sequence;
            Supplier<String> where =
                () -> "delta " + at + " of key " + delta.getKey() + " from " + peer.id;
            if (origin != null) {
              admission.checkTimestamp(origin, where);
            }
            merges.add(
                slot.prepareMerge(
                    delta.getPayload().toByteArray(),
                    decoded -> admission.check(decoded, peer.id, where)));
            targets.add(slot);
            applied.add(delta);
            appliedTypes.add(type);
            origins.add(origin);
            appliedSequences.add(sequence);
          } catch (WireException e) {
            if (!refusesOneDelta(e.reason())) {
              throw e;
            }
            mismatches.add(e);
            mismatched.add(sequence);
          }
          expected++;
        } else if (sequence > expected) {
          break; // beyond a gap: it will be resent
        }
        sequence++;
      }
      for (int i = 0; i < targets.size(); i++) {
        Slot<?> slot = targets.get(i);
        boolean merged;
        try {
          merged = merges.get(i).getAsBoolean();
        } catch (WireException e) {
          // It contradicts the value held (or one applied just before it in this batch): refused
          // alone, like a delta whose meaning is refused.
          mismatches.add(e);
          mismatched.add(appliedSequences.get(i));
          continue;
        }
        if (merged) {
          notifyLater(fx, slot);
          KeyedDelta changed = applied.get(i);
          String type = appliedTypes.get(i);
          fx.persist(
              () -> new StoredRecord(changed.getKey(), type, changed.getPayload().toByteArray()));
        }
        dirty.add(slot.key.name());
        deltasReceived++;
        peer.meters.deltasReceived().increment();
        long origin = origins.get(i) == null ? -1 : origins.get(i).physical();
        if (origin >= startedAt) {
          long lag = Math.max(0, appliedAt - origin);
          peer.lagMillis = lag;
          peer.meters.lag(lag);
        }
      }
      peer.expected = expected;
      for (int i = 0; i < mismatches.size(); i++) {
        WireException e = mismatches.get(i);
        rejected.merge(e.reason(), 1L, Long::sum);
        meters.rejectedReceived(e.reason());
        fx.send(peer.id, e.toReject().toBuilder().setSequence(mismatched.get(i)).build());
      }
    }
    fx.send(
        peer.id,
        Ack.newBuilder()
            .setUpToSequence(peer.expected - 1)
            .setIncarnation(peer.incarnation == null ? 0 : peer.incarnation)
            .build());
  }

  // -----------------------------------------------------------------------------------------
  // Helpers
  // -----------------------------------------------------------------------------------------

  private Envelope envelope(Object body) {
    Envelope.Builder envelope =
        Envelope.newBuilder()
            .setProtocolVersion(PROTOCOL_VERSION)
            .setSender(selfWire)
            .setSentAt(Clocks.toWire(clock.now()));
    if (body instanceof Handshake b) {
      envelope.setHandshake(b);
    } else if (body instanceof DeltaBatch b) {
      envelope.setDeltas(b);
    } else if (body instanceof Ack b) {
      envelope.setAck(b);
    } else if (body instanceof DigestRequest b) {
      envelope.setDigestRequest(b);
    } else if (body instanceof DigestResponse b) {
      envelope.setDigestResponse(b);
    } else if (body instanceof FullStateChunk b) {
      envelope.setFullState(b);
    } else if (body instanceof FullStateAck b) {
      envelope.setFullStateAck(b);
    } else if (body instanceof Reject b) {
      envelope.setReject(b);
    } else {
      throw new IllegalArgumentException("not an envelope body: " + body);
    }
    return envelope.build();
  }

  /** A new SHA-256 digest, for one refresh of many keys (not shared between threads). */
  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * An envelope for {@code peer} (or, with {@code disconnect} set, the end of its connection) in
   * the {@link #outbox}; {@code ticket} is the last store ticket issued when it was made: it leaves
   * once that one is durable.
   */
  private record Outgoing(
      ReplicaId peer, Envelope envelope, WireException disconnect, long ticket) {}

  /**
   * Hands the {@link #outbox} to the transport, in order, up to the first envelope that must still
   * wait for a change to be durable; first records that every ticket up to {@code durable} is. If
   * another thread is at it, leaves the work to that thread, which sends what is ready before it
   * stops (so nothing is left behind). Deltas the transport refused are sent again by the next
   * write, Ack or resend tick. Not under {@link #lock}.
   */
  private void flush(long durable) {
    synchronized (outbox) {
      durableTicket = Math.max(durableTicket, durable);
      if (flushing) {
        return;
      }
      flushing = true;
    }
    List<Outgoing> refused = null;
    boolean done = false;
    try {
      while (true) {
        Outgoing next;
        synchronized (outbox) {
          next = outbox.peekFirst();
          if (next == null || next.ticket() > durableTicket) {
            flushing = false;
            done = true;
            break;
          }
          outbox.pollFirst();
        }
        if (next.disconnect() != null) {
          WireException e = next.disconnect();
          transport.disconnect(next.peer(), e.reason().toWire(), e.detail());
        } else if (!transport.send(next.peer(), next.envelope())
            && (next.envelope().getDeltas().getDeltasCount() > 0
                || next.envelope().hasFullState())) {
          if (refused == null) {
            refused = new ArrayList<>();
          }
          refused.add(next);
        }
      }
    } finally {
      if (!done) {
        synchronized (outbox) {
          flushing = false;
        }
      }
    }
    if (refused != null) {
      // Not accepted (the peer's buffer is full, or it went down): those deltas were not sent,
      // so the next Ack or resend tick sends them again rather than what would follow a gap.
      synchronized (lock) {
        for (Outgoing o : refused) {
          Peer peer = peers.get(o.peer());
          if (peer != null && o.envelope().hasFullState()) {
            // The chunk goes again, when the budget next allows (an ack, the resend timer).
            FullStateChunk c = o.envelope().getFullState();
            peer.outgoing.rewind(c.getKey(), c.getTransfer(), c.getChunkIndex());
          } else if (peer != null) {
            peer.sendRefused(o.envelope().getDeltas().getFirstSequence());
          }
        }
      }
    }
  }

  /**
   * What to do once the lock is released: sends (queued in the {@link #outbox} as they are
   * decided), then notifications, then what the {@link Waiters} left to do (complete futures, arm
   * timers), which runs even if the rest failed.
   */
  private final class Effects {
    private final List<Subscribers.Notification> notifications = new ArrayList<>();
    final List<Runnable> after = new ArrayList<>();
    private long ticket;

    /** The last store ticket issued when this effect queued its last envelope. */
    private long queuedAfter;

    /**
     * Logs a change already merged into the state (call under the lock); {@link #run} then waits
     * until it is durable before it sends anything (acks included) or notifies anyone.
     */
    void persist(Supplier<StoredRecord> record) {
      if (store == null) {
        return; // in memory: no record is built, so no payload is copied
      }
      long t;
      try {
        t = ReplicationEngine.this.persist(List.of(record.get()));
      } catch (RuntimeException e) {
        notifications.forEach(Subscribers.Notification::skip); // run() will not be called
        throw e;
      }
      ticket = Math.max(ticket, t);
    }

    /** Waits until the changes this effect logged are durable; false if interrupted. */
    boolean awaitDurable() {
      if (ticket == 0) {
        return true;
      }
      synchronized (outbox) {
        if (ticket <= durableTicket) {
          return true; // known durable already: no need to ask the store
        }
      }
      try {
        store.awaitDurable(ticket);
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    /** Ends the connection to {@code peer} after the messages queued before. Under the lock. */
    void disconnect(ReplicaId peer, WireException e) {
      queue(new Outgoing(peer, null, e, lastTicket));
    }

    void send(ReplicaId peer, Object body) {
      send(peer, body, 0);
    }

    /** Queues an envelope for {@code peer} behind those queued before. Under the lock. */
    void send(ReplicaId peer, Object body, int deltas) {
      Envelope envelope = envelope(body);
      queue(new Outgoing(peer, envelope, null, lastTicket));
      deltasSent += deltas;
      EngineMeters.PeerMeters counters = peer(peer).meters;
      counters.deltasSent().increment(deltas);
      counters.bytesSent().increment(envelope.getSerializedSize());
    }

    private void queue(Outgoing outgoing) {
      synchronized (outbox) {
        outbox.addLast(outgoing);
      }
      queuedAfter = Math.max(queuedAfter, outgoing.ticket());
    }

    /**
     * After the lock is released: waits until this effect's changes, and those logged before its
     * envelopes, are durable; then flushes the outbox (this effect's envelopes leave in their
     * place, maybe on another thread that is flushing), then notifies subscribers.
     */
    void run() {
      try {
        ticket = Math.max(ticket, queuedAfter);
        boolean durable;
        try {
          durable = awaitDurable();
        } catch (RuntimeException e) {
          flush(0); // what is ready goes; the rest waits for a later change to be durable
          throw e;
        }
        flush(durable ? ticket : 0);
        if (!durable) {
          throw new IllegalStateException(
              "interrupted before the change was durable on "
                  + self
                  + ": it is applied in memory and may be lost in a crash");
        }
        for (Subscribers.Notification notification : notifications) {
          notification.deliver();
        }
      } finally {
        notifications.forEach(Subscribers.Notification::skip); // those not delivered
        for (Runnable action : after) {
          action.run();
        }
      }
    }
  }

  /** One key's value, with the key it was declared with. */
  private static final class Slot<T extends DeltaCrdt<T>> {
    final Key<T> key;
    T state;

    /**
     * The sequence of this replica's last write to the key, if it was sent as a delta; 0 if none or
     * if the last one was too large for a delta.
     */
    long lastSequence;

    /** The sequence of this replica's first write to the key sent as a delta; 0 if none. */
    long firstSequence;

    /**
     * This replica's own writes to the key: what a restart recovered counts as one (it may hold
     * writes of earlier incarnations), then one per write. Numbers them for {@link #held}.
     */
    long writes;

    /** {@link ReplicationEngine#ownWrites} at the last of them (0: none since the start). */
    long lastWriteStamp;

    /**
     * What is known beyond Acks of which peers hold those writes; null while every one is a delta
     * of this incarnation that no peer skipped.
     */
    HeldWrites held;

    HeldWrites held() {
      if (held == null) {
        held = new HeldWrites();
      }
      return held;
    }

    Slot(Key<T> key, T state) {
      this.key = key;
      this.state = state;
    }

    static <T extends DeltaCrdt<T>> Slot<T> of(Key<T> key) {
      return new Slot<>(key, key.zero());
    }

    byte[] encodeState() {
      return key.codec().encode(state.resetDelta());
    }

    /** Encodes a state of this slot read before (under the lock); thread-safe. */
    byte[] encode(Object snapshot) {
      @SuppressWarnings("unchecked")
      T typed = (T) snapshot;
      return key.codec().encode(typed.resetDelta());
    }

    /**
     * Decodes now and checks the value with {@code check} unless it is null (either may throw),
     * merges when the returned action runs; the action tells whether the value changed.
     */
    BooleanSupplier prepareMerge(byte[] bytes, Consumer<Object> check) {
      T decoded = key.codec().decode(bytes);
      if (check != null) {
        check.accept(decoded);
      }
      return () -> {
        T before = state;
        T merged;
        try {
          merged = before.merge(decoded).resetDelta();
        } catch (IllegalStateException contradiction) {
          // The value contradicts one held here (two different last-writer-wins values with the
          // same timestamp and writer: a stamp is issued once, so one of them is forged). The state
          // is untouched.
          throw new WireException(
              WireException.Reason.FORGED_EVENT,
              "key " + key.name() + ": " + contradiction.getMessage(),
              contradiction);
        }
        state = merged;
        return merged != before && !merged.equals(before);
      };
    }
  }

  /**
   * What this replica knows of one peer: its delta link ({@link PeerSession}), its connection and
   * handshake, and the anti-entropy exchanges with it.
   */
  private static final class Peer extends PeerSession {
    final EngineMeters.PeerMeters meters;

    /** This peer's place among the peers met, in order: names it in {@link HeldWrites}. */
    final int index;

    /** {@link ReplicationEngine#ownWrites} when {@link #session} started. */
    long sessionStamp;

    long lagMillis = -1;
    boolean connected;
    Long lastContact;
    Long incarnation;

    /** The incarnation of the handshake accepted on the current connection; null before it. */
    Long handshake;

    /**
     * Whether this replica sent its handshake again since the last resend tick, for an Ack that
     * named another incarnation (see {@code peerLacksHandshake}).
     */
    boolean handshakeResent;

    ReconciliationSession session;

    /** The anti-entropy tick at which {@link #session} last sent a request. */
    long sessionTick;

    long awaitedRound;

    /** The peer's full states being reassembled here. */
    final IncomingTransfers incoming;

    /** This replica's full states on their way to the peer. */
    final OutgoingTransfers outgoing = new OutgoingTransfers();

    Peer(ReplicaId id, int index, EngineMeters.PeerMeters meters, long maxKeyBytes) {
      super(id);
      this.index = index;
      this.meters = meters;
      this.incoming = new IncomingTransfers(MAX_ASSEMBLIES_PER_PEER, maxKeyBytes);
    }
  }
}
