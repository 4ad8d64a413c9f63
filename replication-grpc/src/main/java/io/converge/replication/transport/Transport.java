package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Reject;
import java.util.Set;

/**
 * How the replication engine exchanges {@link Envelope}s with its peers: the one thing it knows of
 * the network. The gRPC transport (one bidirectional stream per pair of peers) and the {@link
 * InMemoryNetwork} for deterministic tests are two implementations of this contract, and the engine
 * must be correct over both.
 *
 * <h2>Lifecycle</h2>
 *
 * A transport belongs to one replica. The engine calls {@link #start} once, with the replica's id
 * and the {@link Listener} that receives everything from then on; it then {@link #send}s until it
 * calls {@link #close}. A transport is not restartable: a replica that restarts (after a crash,
 * say) makes a new one.
 *
 * <h2>Connections and peer events</h2>
 *
 * The transport keeps a connection to each peer it can reach (which peers exist is the
 * implementation's configuration: the gRPC transport's peer list, every other replica of an {@code
 * InMemoryNetwork}). A replica is never its own peer. For each peer the listener sees {@link
 * Listener#onPeerUp} when a connection is established and {@link Listener#onPeerDown} when it is
 * lost (a failed or closed stream, a partition, the peer crashing or closing), strictly alternating
 * and starting with up: up, down, up, down, and so on. Every message the listener receives from a
 * peer arrives between an up and the following down of that peer, on the connection that up opened;
 * no message of a connection is received after that connection's down.
 *
 * <p>A down is the engine's signal that whatever it sent to that peer and has not seen acknowledged
 * may be lost; an up is its signal to (re)start the session: handshake, then resend what is not
 * acknowledged and let anti-entropy find the rest.
 *
 * <h2>Delivery</h2>
 *
 * {@link #send} is best-effort and never blocks. {@code true} means only that the transport
 * accepted the message for a current connection, not that the peer will receive it. The engine must
 * therefore tolerate every one of the following, and rely on sequence numbers, acknowledgements,
 * resends and idempotent merges instead:
 *
 * <ul>
 *   <li><b>Loss.</b> Messages in flight when a connection fails are lost. The gRPC transport loses
 *       nothing else; the in-memory network also loses messages at random when configured to.
 *   <li><b>Order.</b> On one healthy connection the gRPC transport delivers in the order of {@code
 *       send} (FIFO, as its one stream does); across a reconnection there is no order, since the
 *       old connection's messages are lost or already received. The in-memory network is FIFO per
 *       connection too, unless configured to reorder.
 *   <li><b>Duplication.</b> The gRPC transport never duplicates a message on its own, but the
 *       engine's resends do; the in-memory network also duplicates at random when configured to.
 *       Receivers must apply each delta once (by its sequence number) or idempotently.
 * </ul>
 *
 * <p>The {@code from} a listener receives is the peer the transport knows it is connected to (for
 * gRPC, the peer it dialled or authenticated); the engine should check that {@link
 * Envelope#getSender()} agrees with it.
 *
 * <h2>Protocol violations</h2>
 *
 * A peer that sends what cannot be accepted at all (bytes that are not an {@link Envelope}, an
 * envelope over {@link #maxMessageBytes()}, an unknown protocol version, another sender than the
 * connection's peer) loses its connection: the transport refuses such bytes itself and reports them
 * with {@link Listener#onRefused} before the {@code onPeerDown} of that connection; the engine,
 * which finds the rest, calls {@link #disconnect}. The gRPC transport ends the stream with a status
 * the peer sees ({@code INVALID_ARGUMENT}, {@code RESOURCE_EXHAUSTED}, {@code FAILED_PRECONDITION}
 * or {@code PERMISSION_DENIED}); nothing of the refused message reaches the listener. Connections
 * to other peers are not affected, and the peer may reconnect (the gRPC dialler backs off further
 * after each refusal, so a peer that keeps sending bad input is not retried in a tight loop).
 *
 * <h2>Threading</h2>
 *
 * {@link #send} and {@link #close} are thread-safe. Listener callbacks concerning one peer ({@code
 * onPeerUp}, {@code onMessage}, {@code onPeerDown} of that peer) are never concurrent with each
 * other and happen in the order above; callbacks concerning different peers may be concurrent (the
 * gRPC transport) or serial (the in-memory network, which runs every callback on the thread that
 * drives it). The engine must not block in a callback: it hands work to its own executor, or does
 * little; it may call {@link #send} from inside one.
 */
public interface Transport extends AutoCloseable {

  /**
   * Starts the transport: from now on it connects to peers and calls {@code listener}. Connections
   * come up asynchronously; each is announced by {@link Listener#onPeerUp}, never from inside this
   * call.
   *
   * @param self the id of the replica this transport belongs to
   * @param listener receives messages and peer events, as the {@linkplain Transport class
   *     documentation} describes
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the transport was made for another replica than {@code
   *     self}
   * @throws IllegalStateException if the transport was already started or closed
   */
  void start(ReplicaId self, Listener listener);

  /**
   * Sends a message to a peer, best-effort and without blocking; thread-safe.
   *
   * <p>Returns {@code false}, and sends nothing, when the message cannot go now: the peer is
   * unknown, is this replica itself, or has no connection up; the message is larger than {@link
   * #maxMessageBytes()}; the transport's outbound buffer for that peer is full; or the transport is
   * closed. Returns {@code true} when it accepted the message, which may still be lost (see
   * {@linkplain Transport delivery}).
   *
   * @param peer the replica to send to
   * @param message the message; its {@code sender} should be this replica
   * @return whether the transport accepted the message
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the transport was never started
   */
  boolean send(ReplicaId peer, Envelope message);

  /**
   * Ends the current connection to {@code peer} because it broke the protocol: the peer learns why
   * (the gRPC transport closes the stream with a status derived from {@code reason} and carrying
   * {@code detail}), messages in flight on it are lost, and this replica's listener receives {@link
   * Listener#onPeerDown}. The connection may come up again later (the gRPC dialler backs off, the
   * in-memory network waits its reconnect delay). Does nothing if no connection to {@code peer} is
   * up. Thread-safe; may be called from inside a callback.
   *
   * @param peer the peer to disconnect
   * @param reason why, as the protocol names it
   * @param detail what was wrong, naming the offending value; ends up in the peer's status
   * @throws NullPointerException if an argument is null
   * @throws IllegalStateException if the transport was never started
   */
  void disconnect(ReplicaId peer, Reject.Reason reason, String detail);

  /**
   * Returns the replicas this transport is configured to connect to, connected or not: the gRPC
   * transport's peers (dialled and accepted), every other replica made on an {@code
   * InMemoryNetwork} so far. Never this replica. The engine counts {@code QUORUM} and {@code ALL}
   * writes against this set, so a peer that is down still counts as one that must acknowledge.
   *
   * @return an immutable set
   */
  Set<ReplicaId> peers();

  /**
   * Returns the largest message this transport sends, as its {@linkplain
   * Envelope#getSerializedSize() serialized size} in bytes. The engine splits batches and full
   * states so that every envelope fits; {@link #send} refuses a larger one.
   *
   * @return the maximum message size in bytes, at least 1
   */
  int maxMessageBytes();

  /**
   * Closes every connection and releases the transport's resources. Peers see {@link
   * Listener#onPeerDown}; this replica's listener is not called any more once this method returns
   * (with the gRPC transport, a callback already running may still finish). Messages in flight may
   * be lost. Idempotent and thread-safe; a closed transport refuses every {@link #send}.
   */
  @Override
  void close();

  /**
   * Receives what a {@link Transport} delivers to its replica. See the {@linkplain Transport class
   * documentation} for the order of callbacks and their threads; implementations must not block.
   */
  interface Listener {

    /**
     * Receives a message from a connected peer.
     *
     * @param from the peer the message came from, as the transport knows it
     * @param message the message
     */
    void onMessage(ReplicaId from, Envelope message);

    /**
     * A connection to {@code peer} is up: messages sent to it from now on may arrive, and messages
     * from it will follow this call. The engine should start a session (handshake, resend what is
     * not acknowledged).
     *
     * @param peer the peer now connected
     */
    void onPeerUp(ReplicaId peer);

    /**
     * The connection to {@code peer} is lost: messages sent on it and not yet received may be lost,
     * no more messages of it will arrive, and {@link Transport#send} to that peer returns {@code
     * false} until the next {@link #onPeerUp}.
     *
     * @param peer the peer no longer connected
     * @param reason why, for logs and metrics only (for example {@code "partitioned"}, {@code
     *     "crashed"}, or a gRPC status); never parse it
     */
    void onPeerDown(ReplicaId peer, String reason);

    /**
     * The transport refused what {@code peer} sent, before it could become a message (bytes that
     * are not an {@link Envelope}, or a message over {@link Transport#maxMessageBytes()}), and ends
     * that connection: {@link #onPeerDown} follows if the connection was up. A dialled connection
     * can also be refused before it comes up (the gRPC transport's check that the server's
     * certificate names the peer fails: {@code UNTRUSTED_PEER}); then no peer event follows. The
     * gRPC transport also refuses a stream whose first envelope is not a handshake ({@code
     * NO_HANDSHAKE}) or that sends none within its handshake timeout ({@code HANDSHAKE_TIMEOUT}).
     * For counting and logs; nothing was delivered.
     *
     * @param peer the peer that sent it
     * @param reason why it was refused ({@code MALFORMED}, {@code OVERSIZED}, {@code
     *     UNTRUSTED_PEER}, {@code NO_HANDSHAKE} or {@code HANDSHAKE_TIMEOUT})
     * @param detail what was wrong, for example its size
     */
    void onRefused(ReplicaId peer, Reject.Reason reason, String detail);

    /**
     * The transport refused a connection or a stream before it belonged to a peer session: a caller
     * that is not a configured peer or whose certificate does not name it ({@code UNTRUSTED_PEER}),
     * a stream from a peer that does not dial this replica ({@code WRONG_DIALLER}), a second stream
     * from a peer whose stream is live ({@code DUPLICATE_STREAM}), a connection beyond the
     * transport's bound ({@code CONNECTION_LIMIT}), or a connection that did not finish its
     * handshake in time ({@code HANDSHAKE_TIMEOUT}). Nothing was delivered and no peer event
     * follows; the peer's live session, if any, is untouched. Such callers are not authenticated as
     * any peer, so the refusal is not attributed to one. For counting and logs. The in-memory
     * network never calls it; the default does nothing.
     *
     * @param reason why
     * @param detail what was refused, naming the claimed peer or the remote address
     */
    default void onConnectionRefused(Reject.Reason reason, String detail) {}
  }
}
