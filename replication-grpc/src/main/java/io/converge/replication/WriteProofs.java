package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The proof of which peers hold this replica's own writes, for a {@link ReplicationEngine}: an Ack
 * of a key's last delta proves a peer holds the key's earlier deltas of this incarnation; what no
 * Ack can prove ({@link HeldWrites}: writes recovered at a restart, a write too large for a delta,
 * the writes of a key whose delta the bounded log dropped before a peer acknowledged it or met it)
 * waits for anti-entropy to prove it, and its key is {@linkplain #doubtful doubtful} meanwhile. A
 * {@code QUORUM} or {@code ALL} write that changes nothing waits on {@link #holdsOwnWrites}. The
 * protocol is described in the package javadoc (<i>What a peer holds</i>).
 *
 * <p>Its state is guarded by the engine's lock, like the engine's: every method is called under it
 * (by the engine, its {@link AntiEntropyRounds} and its {@link FullStateExchange}). No method does
 * I/O: the waiters it wakes complete their futures in an {@link Effects}, after the lock.
 */
final class WriteProofs {

  private final ReplicationEngine engine;
  private final Slots slots;
  private final Waiters waiters;

  /**
   * This replica's own writes so far, to every key: stamps them for {@link Slot#lastWriteStamp}.
   */
  private long ownWrites;

  /**
   * The keys whose {@link Slot#held} names writes that a known peer may lack and no Ack can prove
   * it holds: what anti-entropy exchanges look at to prove it ({@link #provenByExchange}).
   */
  private final Set<String> doubtful = new LinkedHashSet<>();

  WriteProofs(ReplicationEngine engine, Slots slots, Waiters waiters) {
    this.engine = engine;
    this.slots = slots;
    this.waiters = waiters;
  }

  /** This replica's own writes so far, to every key (see {@link Slot#lastWriteStamp}). */
  long ownWrites() {
    return ownWrites;
  }

  /** Counts a new own write; returns its stamp, for {@link Slot#lastWriteStamp}. */
  long stamp() {
    return ++ownWrites;
  }

  /**
   * A key recovered from the store: it may hold writes of this replica's earlier incarnations,
   * which no peer's Ack can prove it holds now: write 1, until an exchange proves it (see {@link
   * HeldWrites}).
   */
  void recovered(Slot<?> slot) {
    slot.writes = 1;
    slot.held().lackedByAll(1);
    doubtful.add(slot.key.name());
  }

  /**
   * A write too large for one message: no sequence; anti-entropy ships the key's state in chunks,
   * and only that can prove a peer holds it.
   */
  void oversized(Slot<?> slot) {
    slot.held().lackedByAll(slot.writes);
    doubtful.add(slot.key.name());
  }

  /**
   * Whether peer {@code id} holds this replica's own writes to a key up to write {@code through}
   * (see {@link Slot#writes}), the last of which that was a delta of this incarnation being {@code
   * last} (0 if none). Either a proof from anti-entropy covers them all ({@link HeldWrites#held}),
   * or it covers those no Ack can prove the peer holds ({@link HeldWrites#lacked}) and the peer
   * acknowledged {@code last}: it applies this replica's deltas in order, so it applied the key's
   * deltas before that one too (none of which it refused, and none of which it skipped: those are
   * recorded as lacked). A peer this replica has not met since it started holds nothing it can
   * vouch for.
   */
  boolean holdsOwnWrites(Slot<?> slot, long through, long last, ReplicaId id) {
    if (through == 0) {
      return true;
    }
    Peer peer = engine.knownPeer(id);
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
   * proves more than Acks do; the writes that changed nothing and wait for it ask again.
   */
  void provenHeld(Peer peer, Slot<?> slot, long write, Effects fx) {
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
    for (Peer peer : engine.knownPeers()) {
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
   * point after the start, so with every own write made before.
   */
  void provenByExchange(Peer peer, Set<String> differ, Effects fx) {
    AntiEntropyRounds antiEntropy = engine.antiEntropy();
    for (String name : new ArrayList<>(doubtful)) {
      Slot<?> slot = slots.get(name);
      if (slot == null
          || (slot.held != null && slot.held.held(peer.index) >= slot.writes)
          || differ.contains(name)
          || antiEntropy.unencodable(name)
          || antiEntropy.tree().get(name) == null
          || slot.lastWriteStamp > peer.sessionStamp) {
        continue;
      }
      provenHeld(peer, slot, slot.writes, fx);
    }
  }

  /**
   * A peer that shows a new incarnation may have restarted without its state: what was proven of it
   * is forgotten, and it starts from the log ({@link #startsFromTheLog}).
   */
  void forget(Peer peer, long firstSequence) {
    for (Slot<?> slot : slots.all()) {
      if (slot.held != null) {
        slot.held.forget(peer.index); // what it held may be gone
      }
    }
    startsFromTheLog(peer, firstSequence);
  }

  /**
   * Marks {@linkplain #doubtful doubtful} again every key with writes that no Ack can prove {@code
   * peer} holds and nothing else proved: for a peer met for the first time, or that lost what was
   * proven of it.
   */
  private void doubtAgain(Peer peer) {
    for (Slot<?> slot : slots.all()) {
      if (slot.held != null && !slot.held.settled(peer.index)) {
        doubtful.add(slot.key.name());
      }
    }
  }

  /** Whether some key waits for an anti-entropy exchange to prove what {@code peer} holds of it. */
  boolean doubtfulFor(Peer peer) {
    for (String name : doubtful) {
      Slot<?> slot = slots.get(name);
      if (slot != null && slot.held != null && !slot.held.settled(peer.index)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Delta {@code sequence}, of key {@code name}, leaves the log before every peer acknowledged it:
   * those that did not are told to skip it, and no Ack of theirs can prove they hold its key's
   * writes until anti-entropy does (see {@link HeldWrites}). Before the log drops it.
   */
  void lostTo(String name, long sequence) {
    Slot<?> slot = slots.get(name);
    if (slot == null) {
      return;
    }
    for (Peer peer : engine.knownPeers()) {
      if (peer.acked < sequence) {
        slot.held().lackedBy(peer.index, slot.writes);
        doubtful.add(slot.key.name());
      }
    }
  }

  /**
   * A peer whose count of this replica's sequences starts at 0 (met for the first time, or in a new
   * incarnation) is told to skip what the log no longer holds (it starts at {@code firstSequence}):
   * no Ack of its can prove that it holds the writes of those deltas, nor, since its Ack of a key's
   * last delta proves the earlier ones only if it got them all, of any key with a delta among them.
   */
  void startsFromTheLog(Peer peer, long firstSequence) {
    if (firstSequence > 1) {
      for (Slot<?> slot : slots.all()) {
        if (slot.firstSequence > 0 && slot.firstSequence < firstSequence) {
          slot.held().lackedBy(peer.index, slot.writes);
        }
      }
    }
    doubtAgain(peer);
  }
}
