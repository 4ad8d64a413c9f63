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
 */
package io.converge.replication.transport;
