package io.converge.replication;

import java.util.Arrays;

/**
 * What a replica knows, beyond its peers' Acks, of which peers hold its own writes to one key. Its
 * writes to a key are numbered 1, 2, ... (the engine's {@code Slot.writes}; what a restart
 * recovered counts as one). Acks prove that a peer holds a write only for a delta of the current
 * incarnation that the peer applied: a peer applies a sender's deltas in order, so one that
 * acknowledged the key's last delta holds the earlier ones too, unless it never got one of them.
 * This records the writes no Ack can vouch for, and the proofs that replace Acks for them:
 *
 * <ul>
 *   <li><b>lacked by every peer</b>, up to a write: what a restart recovered (the earlier
 *       incarnation's Acks are gone, and its writes are no deltas of this one), a write too large
 *       for a delta;
 *   <li><b>lacked by one peer</b>, up to a write: a delta of the key it never applied (dropped from
 *       the bounded log before it acknowledged it, or before this replica met it, and skipped);
 *   <li><b>held by one peer</b>, up to a write: a full state of the key that it merged (its
 *       transfer acknowledged whole), or a digest exchange that found its state of the key equal to
 *       this replica's. Forgotten when the peer shows a new incarnation (it may have restarted
 *       without its state).
 * </ul>
 *
 * A peer whose proof reaches what it may lack ({@link #settled}) holds every write up to there; the
 * writes after are deltas, for its Acks to prove. Peers are named by the engine's small index of
 * each. Not thread-safe: the engine uses it under its lock.
 */
final class HeldWrites {

  private static final long[] NONE = {};

  private long lackedByAll;
  private long[] lacked = NONE;
  private long[] held = NONE;

  /** Every peer may lack the writes up to {@code write}. */
  void lackedByAll(long write) {
    lackedByAll = Math.max(lackedByAll, write);
  }

  /** Peer {@code peer} may lack the writes up to {@code write}. */
  void lackedBy(int peer, long write) {
    lacked = grown(lacked, peer);
    lacked[peer] = Math.max(lacked[peer], write);
  }

  /** Peer {@code peer} holds the writes up to {@code write}. */
  void heldBy(int peer, long write) {
    held = grown(held, peer);
    held[peer] = Math.max(held[peer], write);
  }

  /** Peer {@code peer} may have lost what it held (it showed a new incarnation). */
  void forget(int peer) {
    if (peer < held.length) {
      held[peer] = 0;
    }
  }

  /** The last write peer {@code peer} is known to hold: every one up to it; 0 if none. */
  long held(int peer) {
    return peer < held.length ? held[peer] : 0;
  }

  /** The last write peer {@code peer} may lack that no Ack can prove it holds; 0 if none. */
  long lacked(int peer) {
    return Math.max(lackedByAll, peer < lacked.length ? lacked[peer] : 0);
  }

  /** Whether peer {@code peer} is known to hold every write that no Ack can prove it holds. */
  boolean settled(int peer) {
    return held(peer) >= lacked(peer);
  }

  private static long[] grown(long[] values, int index) {
    if (index < 0) {
      throw new IllegalArgumentException("must be >= 0: peer=" + index);
    }
    return index < values.length ? values : Arrays.copyOf(values, index + 1);
  }

  @Override
  public String toString() {
    return "HeldWrites[lackedByAll="
        + lackedByAll
        + ", lacked="
        + Arrays.toString(lacked)
        + ", held="
        + Arrays.toString(held)
        + "]";
  }
}
