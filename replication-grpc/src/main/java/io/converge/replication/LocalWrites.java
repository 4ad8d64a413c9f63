package io.converge.replication;

import com.google.protobuf.ByteString;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.StoredRecord;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.KeyedDelta;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * The local writes of a {@link ReplicationEngine}: applies a mutation to a key on the caller's
 * thread, logs its change for the store, hands its delta to the {@link DeltaLink} (or, too large
 * for one message, leaves it to anti-entropy), and for {@code QUORUM} and {@code ALL} registers
 * what the write waits for with the {@link Waiters}: Acks of its delta, or, for a write that
 * changes nothing, proof that enough peers hold this replica's earlier writes to the key ({@link
 * WriteProofs}).
 *
 * <p>Its state (a counter) is guarded by the engine's lock, like the engine's: {@link #writeAsync}
 * (an entry point of the engine) reads the transport's peers before the lock, takes it, and runs
 * its {@link Effects} after it; the rest is called under it. No method does I/O under the lock.
 */
final class LocalWrites {

  /** A bound on what an envelope and a batch add around one delta (sender id, timestamps). */
  private static final int ENVELOPE_OVERHEAD = 256;

  private final ReplicationEngine engine;
  private final Object lock;
  private final Transport transport;
  private final HybridLogicalClock clock;
  private final ClockFence fence;
  private final Slots slots;
  private final DeltaLink link;
  private final Waiters waiters;

  /** Local deltas too large for one message, shipped by anti-entropy instead. */
  private long oversizedDeltas;

  LocalWrites(
      ReplicationEngine engine,
      Object lock,
      Transport transport,
      HybridLogicalClock clock,
      ClockFence fence,
      Slots slots,
      DeltaLink link,
      Waiters waiters) {
    this.engine = engine;
    this.lock = lock;
    this.transport = transport;
    this.clock = clock;
    this.fence = fence;
    this.slots = slots;
    this.link = link;
    this.waiters = waiters;
  }

  /** Local deltas too large for one message so far; under the lock. */
  long oversizedDeltas() {
    return oversizedDeltas;
  }

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
    Effects fx = engine.newEffects();
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
      engine.checkOpen();
      if (configured != null) {
        ClockHealth health = fence.health(configured);
        if (health.refusesWrites()) {
          throw new ClockSkewException(key.name(), health);
        }
      }
      Slot<T> slot = slots.local(key, true);
      T next = Objects.requireNonNull(function.apply(slot.state.resetDelta()), "function result");
      Optional<T> delta = next.delta();
      if (delta.isEmpty()) {
        if (consistency == Consistency.LOCAL) {
          return CompletableFuture.completedFuture(new Written<>(slot.state, CausalToken.empty()));
        }
        // A QUORUM or ALL write that changes nothing still promises that a quorum holds what it
        // observed: this replica's earlier writes to the key (a LOCAL one, or a QUORUM one that
        // timed out, or one of an earlier incarnation) may exist on this disk alone. Wait until
        // enough peers hold every one of them (see WriteProofs.holdsOwnWrites); its token names the
        // observed
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
        slot.lastWriteStamp = engine.proofs().stamp();
        engine.antiEntropy().changed(key.name());
        fx.persist(() -> new StoredRecord(key.name(), slot.key.typeName(), payload));
        token = CausalToken.of(keyed);
        if (oversized) {
          // Too large for one message: no sequence; anti-entropy ships the key's state in chunks,
          // and only that can prove a peer holds it.
          oversizedDeltas++;
          engine.proofs().oversized(slot);
        } else {
          sequence = link.append(slot, keyed, fx);
        }
        engine.notifyLater(fx, slot);
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
                id -> engine.proofs().holdsOwnWrites(observed, through, last, id),
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
                id -> engine.knownPeer(id) != null && engine.knownPeer(id).holds(s),
                new Written<>(result, token),
                fx.after);
      }
    }
    CompletableFuture<Void> durable = fx.run();
    if (durable.isDone() && !durable.isCompletedExceptionally()) {
      return acknowledged != null
          ? acknowledged
          : CompletableFuture.completedFuture(new Written<>(result, token));
    }
    // Durable later, on the store's thread: the future waits for it, then for the peers.
    CompletableFuture<Written<T>> peers = acknowledged;
    Written<T> written = new Written<>(result, token);
    return peers != null ? durable.thenCompose(v -> peers) : durable.thenApply(v -> written);
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
    KeyedDelta last = link.logged(slot.lastSequence);
    return last != null ? CausalToken.of(last) : CausalToken.empty();
  }
}
