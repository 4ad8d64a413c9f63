package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides whether this replica's clock disagrees with a majority of its cluster (see {@link
 * ClockHealth} for the rule). A plain state machine fed with evidence by the engine; it reads no
 * clock of its own, so a simulated run is a function of its messages.
 *
 * <p>Evidence is ordered by a counter of observations rather than by time: for each peer and each
 * direction, the latest observation wins. {@code this replica refused the peer's envelope
 * timestamp} is overturned by a later envelope of the peer that passed; {@code the peer refused
 * this replica's timestamp} by a later acknowledgement or digest response of the peer, which it
 * sends only for a message of this replica that it accepted.
 *
 * <p>Not thread-safe: the engine calls it under its lock.
 */
final class ClockFence {

  private final ClockSkewPolicy policy;
  private final Duration maxOffset;
  private final Map<ReplicaId, Evidence> evidence = new HashMap<>();
  private long observations;

  /**
   * Whether some peer disagrees now; written under the engine's lock, read without it so that a
   * write need not read the configured peers (a copy) while every clock agrees.
   */
  private volatile boolean anyDisagreement;

  ClockFence(ClockSkewPolicy policy, Duration maxOffset) {
    this.policy = policy;
    this.maxOffset = maxOffset;
  }

  /** The latest observations about one peer, numbered by {@link #observations}. */
  private static final class Evidence {
    long refusedTheirs;
    long acceptedTheirs;
    long theyRefusedOurs;
    long theyAcceptedOurs;

    boolean disagrees() {
      return refusedTheirs > acceptedTheirs || theyRefusedOurs > theyAcceptedOurs;
    }
  }

  private Evidence of(ReplicaId peer) {
    return evidence.computeIfAbsent(peer, p -> new Evidence());
  }

  /** Recomputes {@link #anyDisagreement} after new evidence. */
  private void observed() {
    boolean any = false;
    for (Evidence e : evidence.values()) {
      any |= e.disagrees();
    }
    anyDisagreement = any;
  }

  /**
   * Whether some peer's clock disagrees with this replica's now: if not, no write can be refused
   * and {@link #health} need not be asked. Safe to call without the engine's lock.
   */
  boolean anyDisagreement() {
    return anyDisagreement;
  }

  /** This replica refused an envelope of {@code peer} whose timestamp was beyond the offset. */
  void refusedTheirs(ReplicaId peer) {
    of(peer).refusedTheirs = ++observations;
    observed();
  }

  /** This replica accepted the timestamp of an envelope of {@code peer}. */
  void acceptedTheirs(ReplicaId peer) {
    of(peer).acceptedTheirs = ++observations;
    observed();
  }

  /** {@code peer} refused a message of this replica with {@code CLOCK_OFFSET}. */
  void theyRefusedOurs(ReplicaId peer) {
    of(peer).theyRefusedOurs = ++observations;
    observed();
  }

  /** {@code peer} answered a message of this replica (an Ack or a digest response). */
  void theyAcceptedOurs(ReplicaId peer) {
    of(peer).theyAcceptedOurs = ++observations;
    observed();
  }

  /** Forgets what is known of a peer's clock: its connection went down. */
  void forget(ReplicaId peer) {
    evidence.remove(peer);
    observed();
  }

  /**
   * Returns the clock health against {@code configured}, the peers this replica is configured with
   * (the denominator of the majority).
   */
  ClockHealth health(Set<ReplicaId> configured) {
    Set<ReplicaId> disagreeing = new TreeSet<>();
    for (Map.Entry<ReplicaId, Evidence> e : evidence.entrySet()) {
      if (e.getValue().disagrees() && configured.contains(e.getKey())) {
        disagreeing.add(e.getKey());
      }
    }
    int peers = configured.size();
    boolean fenced = peers > 0 && 2 * disagreeing.size() > peers;
    String reason =
        fenced
            ? "clock disagrees beyond the maximum offset of "
                + maxOffset.toMillis()
                + " ms with "
                + disagreeing.size()
                + " of its "
                + peers
                + " peers "
                + disagreeing
                + " (they refuse its timestamps or it refuses theirs): fenced"
                + (policy == ClockSkewPolicy.FENCE
                    ? ", refusing writes until its clock agrees with a majority again"
                    : " (policy REPORT: writes still accepted)")
            : "";
    return new ClockHealth(
        fenced, reason, disagreeing, peers, fenced && policy == ClockSkewPolicy.FENCE);
  }
}
