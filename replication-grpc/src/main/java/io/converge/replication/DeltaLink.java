package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.KeyedDelta;
import java.time.Duration;
import java.util.List;

/**
 * The outbound side of a {@link ReplicationEngine}'s delta links: numbers this replica's deltas and
 * keeps them in the bounded {@link OutboundLog} until every peer acknowledged them, sends each peer
 * what its {@link PeerSession} says is due (on a write, an Ack, a connection that comes up and the
 * resend timer), and trims the log (what it drops before a peer acknowledged it is recorded as
 * lacked by {@link WriteProofs}). The protocol is described in the package javadoc (<i>Deltas</i>,
 * <i>Flow and resends</i>, <i>Bounded log</i>).
 *
 * <p>Its state is guarded by the engine's lock, like the engine's: every method is called under it,
 * except {@link #resendTick} (on the engine's scheduler) and {@link #resendRefused} (by the {@link
 * Outbox}, after the lock), which take it themselves. No method does I/O: what is to be sent joins
 * an {@link Effects}, which runs after the lock is released.
 */
final class DeltaLink {

  private final ReplicationEngine engine;
  private final Object lock;
  private final Transport transport;
  private final EngineScheduler scheduler;
  private final Waiters waiters;
  private final Duration resendInterval;
  private final int maxLogEntries;

  /**
   * How many batches that are not full may be in flight to a peer: {@link
   * PeerSession#MAX_PARTIAL_BATCHES_IN_FLIGHT}, or more in tests that need each write sent alone.
   */
  private int maxPartialBatchesInFlight = PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT;

  /**
   * How long, in ticker nanoseconds, deltas that would make a batch that is not full wait for more
   * writes before they go (0: they never wait); see {@code Replica.Builder#batchLinger}.
   */
  private long lingerNanos;

  private final OutboundLog log = new OutboundLog();
  private long nextSequence = 1;

  DeltaLink(
      ReplicationEngine engine,
      Object lock,
      Transport transport,
      EngineScheduler scheduler,
      Waiters waiters,
      Duration resendInterval,
      int maxLogEntries) {
    this.engine = engine;
    this.lock = lock;
    this.transport = transport;
    this.scheduler = scheduler;
    this.waiters = waiters;
    this.resendInterval = resendInterval;
    this.maxLogEntries = maxLogEntries;
  }

  /** Schedules the first resend tick, an interval from now; when the engine starts. */
  void start() {
    scheduler.schedule(resendInterval, this::resendTick);
  }

  /**
   * Numbers a local delta of a slot's key, logs it and sends it to every connected peer within its
   * window (beyond it, the peer's next Ack sends it); returns its sequence.
   */
  long append(Slot<?> slot, KeyedDelta keyed, Effects fx) {
    long sequence = nextSequence++;
    slot.lastSequence = sequence;
    if (slot.firstSequence == 0) {
      slot.firstSequence = sequence;
    }
    log.addLast(sequence, keyed);
    for (Peer peer : engine.knownPeers()) {
      // Sends this delta, with any that a refused send left behind, within the window; beyond it,
      // the peer's next Ack sends it.
      sendMore(peer, fx);
    }
    trimLog();
    return sequence;
  }

  /** Delta {@code sequence} while the log holds it, else null. */
  KeyedDelta logged(long sequence) {
    return sequence >= firstSequence() && sequence < nextSequence ? log.get(sequence) : null;
  }

  /** The last sequence given to a delta (0: none yet). */
  long lastSequence() {
    return nextSequence - 1;
  }

  /** The oldest sequence the log holds (the next one if it is empty). */
  long firstSequence() {
    return log.firstSequence(nextSequence);
  }

  /** How many deltas the log holds. */
  int size() {
    return log.size();
  }

  /** How many of this replica's deltas a peer has not acknowledged and the log still holds. */
  long pending(Peer peer) {
    return Math.max(0, nextSequence - 1 - Math.max(peer.acked, firstSequence() - 1));
  }

  /**
   * A peer acknowledged this replica's deltas up to {@code upTo} (in this incarnation): the log
   * drops what every peer holds, the writes waiting for it hear of it, and the deltas its window
   * held back go.
   */
  void acknowledged(Peer peer, long upTo, Effects fx) {
    long before = peer.acked;
    peer.acknowledged(Math.min(upTo, nextSequence - 1), scheduler.ticker().read());
    trimLog();
    waiters.acknowledged(peer.id, before, peer.acked, peer::holds, fx.after);
    sendMore(peer, fx); // Acks clock out the deltas the window held back
  }

  private void trimLog() {
    long minAcked = nextSequence - 1;
    for (Peer peer : engine.knownPeers()) {
      minAcked = Math.min(minAcked, peer.acked);
    }
    if (engine.knownPeers().isEmpty()) {
      minAcked = 0;
    }
    long first = firstSequence();
    long droppedThrough = first + log.size() - maxLogEntries - 1; // beyond the bound
    for (long s = Math.max(first, minAcked + 1); s <= droppedThrough; s++) {
      engine.proofs().lostTo(log.get(s).getKey(), s);
    }
    log.trim(minAcked, maxLogEntries);
  }

  /**
   * Sends a peer what its session says is due ({@link PeerSession#nextBatches}): the deltas it has
   * not been sent, within the window, batched. Called on each write, when a connection comes up, on
   * each Ack, and by the resend timer.
   */
  void sendMore(Peer peer, Effects fx) {
    if (!peer.connected) {
      return;
    }
    int budget = Math.max(1, transport.maxMessageBytes() / 2);
    long now = scheduler.ticker().read();
    boolean partialAllowed =
        lingerNanos == 0 || (peer.lingerSince >= 0 && now - peer.lingerSince >= lingerNanos);
    for (DeltaBatch batch :
        peer.nextBatches(
            log, nextSequence, budget, maxPartialBatchesInFlight, now, partialAllowed)) {
      fx.send(peer.id, batch, batch.getDeltasCount());
    }
    if (lingerNanos > 0) {
      linger(peer, now, fx);
    }
  }

  /**
   * With a linger: notes since when deltas wait unsent to a peer, and arms one timer that sends
   * them at the linger's end (or later, if a batch in flight or the window still holds them back
   * then: its Ack sends them). Under the lock; the timer is armed after it.
   */
  private void linger(Peer peer, long now, Effects fx) {
    if (peer.sent >= nextSequence - 1) {
      peer.lingerSince = -1; // nothing waits
      return;
    }
    if (peer.lingerSince < 0) {
      peer.lingerSince = now;
    }
    if (!peer.lingerArmed) {
      peer.lingerArmed = true;
      ReplicaId id = peer.id;
      Duration delay = Duration.ofNanos(Math.max(0, peer.lingerSince + lingerNanos - now));
      fx.after.add(() -> scheduler.schedule(delay, () -> lingerEnds(id)));
    }
  }

  /** A linger's timer: sends the peer what waited for it. On the scheduler; takes the lock. */
  private void lingerEnds(ReplicaId id) {
    Effects fx = engine.newEffects();
    synchronized (lock) {
      Peer peer = engine.knownPeer(id);
      if (peer == null || engine.closed()) {
        return;
      }
      peer.lingerArmed = false;
      sendMore(peer, fx);
    }
    fx.run();
  }

  /**
   * Makes deltas that would make a batch that is not full wait up to {@code linger} for more writes
   * (see {@code Replica.Builder#batchLinger}). Before the engine starts.
   */
  void batchLinger(Duration linger) {
    this.lingerNanos = linger.toNanos();
  }

  /**
   * Lets up to {@code batches} batches that are not full be in flight to a peer (tests: {@code
   * Integer.MAX_VALUE} sends each write at once, in a batch of its own). Before the engine starts.
   */
  void maxPartialBatchesInFlight(int batches) {
    if (batches < 1) {
      throw new IllegalArgumentException("must be >= 1: batches=" + batches);
    }
    this.maxPartialBatchesInFlight = batches;
  }

  /**
   * Every resend interval, on the scheduler: sends each connected peer what is due (again, if it
   * acknowledged nothing for its stall), and the full-state chunks the transport refused. Takes the
   * lock; its effects run after it.
   */
  private void resendTick() {
    Effects fx = engine.newEffects();
    synchronized (lock) {
      if (engine.closed()) {
        return;
      }
      for (Peer peer : engine.knownPeers()) {
        if (!peer.connected) {
          continue;
        }
        peer.resendTick(resendInterval.toNanos());
        peer.handshakeResent = false;
        sendMore(peer, fx);
        engine.fullStates().pumpFullStates(peer, fx); // chunks the transport refused go again
      }
    }
    fx.run();
    scheduler.schedule(resendInterval, this::resendTick);
  }

  /**
   * Envelopes the transport did not accept (the peer's buffer is full, or it went down): their
   * deltas were not sent, so the next Ack or resend tick sends them again rather than what would
   * follow a gap; a full-state chunk goes again when the budget next allows. Not under the lock: it
   * takes it.
   */
  void resendRefused(List<Outbox.Outgoing> refused) {
    synchronized (lock) {
      for (Outbox.Outgoing o : refused) {
        Peer peer = engine.knownPeer(o.peer());
        if (peer != null && o.envelope().hasFullState()) {
          FullStateChunk c = o.envelope().getFullState();
          peer.outgoing.rewind(c.getKey(), c.getTransfer(), c.getChunkIndex());
        } else if (peer != null) {
          peer.sendRefused(o.envelope().getDeltas().getFirstSequence());
        }
      }
    }
  }
}
