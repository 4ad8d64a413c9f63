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
 */
public record PeerStatus(
    boolean connected, Optional<Long> lastContactMillis, long ackedSequence, long pendingDeltas) {}
