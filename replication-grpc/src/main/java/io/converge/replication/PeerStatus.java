package io.converge.replication;

import java.util.Optional;

/**
 * What one replica knows of a peer at one moment. An immutable snapshot.
 *
 * @param connected whether the transport has a connection to the peer now
 * @param lastContactMillis the local wall-clock time (milliseconds since the epoch, from the
 *     replica's clock) at which the last message of the peer arrived, if any did
 * @param ackedSequence the highest sequence number of this replica's deltas the peer acknowledged
 * @param pendingDeltas how many of this replica's deltas the peer has not acknowledged yet and the
 *     replica still holds for it
 * @param lagMillis the replication lag of the last delta applied from the peer, in milliseconds:
 *     this replica's clock when it applied the delta minus the physical time of the delta's origin
 *     timestamp, at least 0; or -1 if no delta of the peer was applied yet
 */
public record PeerStatus(
    boolean connected,
    Optional<Long> lastContactMillis,
    long ackedSequence,
    long pendingDeltas,
    long lagMillis) {

  /**
   * A status with no replication lag observed yet ({@code lagMillis} -1).
   *
   * @param connected whether the transport has a connection to the peer now
   * @param lastContactMillis when the last message of the peer arrived, if any did
   * @param ackedSequence the highest sequence number the peer acknowledged
   * @param pendingDeltas how many deltas the peer has not acknowledged yet
   */
  public PeerStatus(
      boolean connected, Optional<Long> lastContactMillis, long ackedSequence, long pendingDeltas) {
    this(connected, lastContactMillis, ackedSequence, pendingDeltas, -1);
  }
}
