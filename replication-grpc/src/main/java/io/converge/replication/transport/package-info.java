/**
 * How replicas exchange messages: the {@link io.converge.replication.transport.Transport} service
 * provider interface of the replication engine, and {@link
 * io.converge.replication.transport.InMemoryNetwork}, a deterministic simulated network with
 * virtual time and fault injection for tests and simulations, and {@link
 * io.converge.replication.transport.GrpcTransport}, the production transport over gRPC
 * bidirectional streams with mutual TLS.
 *
 * <p>The engine knows nothing of gRPC: it sends {@link io.converge.replication.wire.v1.Envelope}s
 * through a {@code Transport} and receives them, with peer up and down events, through its {@link
 * io.converge.replication.transport.Transport.Listener}. A transport is best-effort (messages may
 * be lost, and, depending on the implementation, duplicated or reordered), so the engine's
 * correctness rests on sequence numbers, acknowledgements, resends, anti-entropy and idempotent
 * merges, never on the network. The in-memory network makes every such fault happen on purpose,
 * replayably from a seed.
 *
 * <h2>The gRPC transport: connections and session rules</h2>
 *
 * Each replica runs a server; of each pair of replicas only the one with the smaller id (in {@link
 * io.converge.clocks.ReplicaId} order) dials the other, so a pair never has two streams. The
 * dialler names itself in the {@code converge-replica} request header; the server accepts the
 * stream only from a configured peer (with TLS, only if the client certificate's subject CN or a
 * DNS subject alternative name equals that id: {@code PERMISSION_DENIED} otherwise) and answers
 * with a transport-level hello (an envelope with only its {@code sender} set) that the dialler
 * checks and never passes to the engine. A peer is up on the server when it accepts the stream and
 * on the dialler when the hello arrives; it is down when the stream fails or ends. A dialler
 * retries a failed or lost stream with exponential backoff and jitter, forever, so peers may start
 * in any order.
 *
 * <p>Refused, counted (through {@code onConnectionRefused} or {@code onRefused}) and answered with
 * a status, without touching the peer's live session:
 *
 * <ul>
 *   <li>a stream from a peer that does not dial this replica by the rule above ({@code
 *       WRONG_DIALLER}, {@code PERMISSION_DENIED});
 *   <li>a second stream from a peer whose stream is live, over another connection ({@code
 *       DUPLICATE_STREAM}, {@code ALREADY_EXISTS}). Over the same connection it replaces the live
 *       one: the dialler gave that up (its cancellation can be processed after the new stream
 *       arrives). A restarted dialler's new connection is accepted once the old one is known dead:
 *       at once when the peer's operating system closed it, within the keepalive time and timeout
 *       when the peer's host vanished; the dialler retries until then;
 *   <li>a stream whose first envelope (after the hello) is not a {@code Handshake} ({@code
 *       NO_HANDSHAKE}, {@code INVALID_ARGUMENT}), or that sends none within the handshake timeout
 *       ({@code HANDSHAKE_TIMEOUT}, {@code DEADLINE_EXCEEDED}); both sides apply this. {@code send}
 *       accordingly sends nothing but a handshake first on each stream (it returns {@code false}).
 * </ul>
 *
 * The engine adds the rules on the handshake's content (one per connection; incarnations only
 * grow).
 *
 * <h2>The gRPC transport: threads</h2>
 *
 * <ul>
 *   <li><b>Netty event loops</b> (the server's own: one acceptor thread and max(2, cores) I/O
 *       threads; the channels' are gRPC's shared ones) run sockets, TLS, HTTP/2 framing and HTTP/2
 *       flow control, and the connection bound. Nothing of Converge's that can wait runs there.
 *   <li><b>gRPC's call executor</b> (its shared cached pool, serialized per call) parses each
 *       inbound message (untrusted: a message over the limit or not an envelope is refused before
 *       it becomes one), admits streams, and hands each message to its connection, which only
 *       queues it for the listener and returns.
 *   <li><b>The transport's pool</b> ({@code converge-grpc-<id>-callbacks}, cached) runs serial
 *       executors: one per peer, on which <b>the listener</b> is called ({@code onPeerUp}, {@code
 *       onMessage}, {@code onRefused}, {@code onPeerDown} of that peer, one at a time, in order),
 *       and one per connection, which hands queued envelopes to gRPC. The listener may take its
 *       time: it delays only its own peer, whose stream is not read meanwhile (below). Refusals
 *       that belong to no peer are reported on one more serial executor.
 *   <li><b>The transport's timer</b> ({@code converge-grpc-<id>-timer}) dials, redials after a
 *       backoff and enforces handshake timeouts.
 *   <li>{@code send} and {@code disconnect} run on the caller's thread and never block: they only
 *       queue.
 * </ul>
 *
 * <h2>The gRPC transport: back-pressure</h2>
 *
 * <p><b>Inbound flow control.</b> gRPC's automatic inbound flow control is off on both sides of a
 * stream: a connection asks gRPC for one message at a time, and asks for the next only while the
 * messages it received and the listener has not yet processed ({@code onMessage} has not returned)
 * are fewer than 256 and hold less than 1 MiB; beyond, it asks again when the listener has
 * processed one. A listener that keeps up therefore reads as fast as gRPC delivers (the replication
 * stream carries small envelopes, about one per update, and would crawl if each waited for the
 * listener), and one that falls behind holds at most those bounds plus one message, whatever the
 * peer sends: the rest waits unread in gRPC's buffers, inside the HTTP/2 flow-control window that
 * this side reopens only as it reads (gRPC's BDP tuning grows it to 8 MiB at most), and once that
 * window is full the peer's stream is no longer ready and its writes stall.
 *
 * <p><b>Outbound queues bounded in bytes.</b> Each connection (one per peer) queues what {@code
 * send} accepts and writes it to gRPC while the stream is ready. The queue is bounded by {@code
 * outboundBufferBytes} (default 8 MiB of serialized envelopes) and {@code outboundBufferMessages}
 * (default 1024, which bounds the per-envelope heap overhead of many small envelopes): {@code send}
 * returns {@code false} for an envelope that would exceed either (the engine resends a refused
 * delta later). One envelope larger than the byte bound (up to {@code maxMessageBytes}) is accepted
 * when the queue is empty, so a maximum-size message is never starved. A slow or stalled peer
 * therefore fills its own queue and is refused; sends to other peers go on, and no thread waits for
 * it.
 */
package io.converge.replication.transport;
