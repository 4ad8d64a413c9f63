package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.antientropy.ReconciliationSession;

/**
 * What this replica knows of one peer: its delta link ({@link PeerSession}), its connection and
 * handshake, and the anti-entropy exchanges with it. Guarded by the engine's lock.
 */
final class Peer extends PeerSession {
  final EngineMeters.PeerMeters meters;

  /** This peer's place among the peers met, in order: names it in {@link HeldWrites}. */
  final int index;

  /** {@link WriteProofs#ownWrites} when {@link #session} started. */
  long sessionStamp;

  /**
   * With a batch linger ({@code DeltaLink.batchLinger}): the ticker time since which deltas wait
   * unsent to this peer, or -1 while none does; and whether the timer that ends the linger is
   * armed.
   */
  long lingerSince = -1;

  boolean lingerArmed;

  long lagMillis = -1;
  boolean connected;
  Long lastContact;
  Long incarnation;

  /** The incarnation of the handshake accepted on the current connection; null before it. */
  Long handshake;

  /**
   * Whether this replica sent its handshake again since the last resend tick, for an Ack that named
   * another incarnation (see {@code Inbound.peerLacksHandshake}).
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
    this.incoming = new IncomingTransfers(FullStateExchange.MAX_ASSEMBLIES_PER_PEER, maxKeyBytes);
  }
}
