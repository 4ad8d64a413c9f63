/**
 * The embedded replica: {@link io.converge.replication.Replica}, made by its builder, with its
 * keys, consistency levels, causal tokens, statistics and health.
 *
 * <h2>Threads</h2>
 *
 * <p>Every method of {@link io.converge.replication.Replica} is thread-safe. The engine behind it
 * holds one lock while it changes state and never calls out under it: not the transport, not the
 * scheduler, not a listener, and no code chained to a future.
 *
 * <ul>
 *   <li><b>Writes</b> ({@code update}, {@code write}, {@code writeAsync}) apply the change on the
 *       calling thread before they return (the async twin included). With a data directory the
 *       change is queued for the store's own thread ({@code converge-store-<replica>}), which
 *       commits the changes of every thread together (one append and one fsync per group); {@code
 *       update} and {@code write} wait for that commit, {@code writeAsync}'s future completes after
 *       it. A change, local or received, is sent or acknowledged to a peer only once committed.
 *   <li><b>Futures</b> of the async API ({@code writeAsync}, {@code getAsync}, {@code drainAsync})
 *       complete on the thread that made the progress they waited for, once the engine's lock is
 *       released: the transport's thread that delivered the acknowledgement or the delta that
 *       completed them; the {@linkplain io.converge.replication.EngineScheduler scheduler}'s thread
 *       when they time out; the thread that closes the replica when it closes; or the calling
 *       thread, before the method returns, when nothing had to be waited for; the store's thread
 *       once a durable write is committed. Code chained with {@code thenApply} and the like runs
 *       there too: keep it short, or chain it with an executor ({@code thenApplyAsync(fn,
 *       executor)}) so that it does not hold up the transport. The blocking methods ({@code write},
 *       {@code get(key, token, timeout)}, {@code drain}) wait for the same futures.
 *   <li><b>Timeouts and timers</b> run on the {@link io.converge.replication.EngineScheduler} and
 *       read one clock, its {@link io.converge.replication.Ticker} (or the builder's): the system's
 *       monotonic clock in production, the in-memory network's virtual time in a simulation ({@link
 *       io.converge.replication.EngineScheduler#virtual}), where a wait therefore ends at a virtual
 *       time that depends on the seed alone.
 *   <li><b>Listeners</b> ({@code subscribe}) run, by default, on the thread that made the change,
 *       after the lock is released and the change is committed: the writer's (before {@code update}
 *       returns) or the transport's, or, for a durable replica, the store's thread once the change
 *       is committed (a listener there may write, and wait for its write: the store's thread
 *       commits it at once). With {@link io.converge.replication.Replica.Builder#listenerExecutor}
 *       they run on that executor, one change at a time per key, in the order the replica applied
 *       the key's changes, different keys in parallel, and the writer never waits for them. Either
 *       way a listener that throws is caught, counted and logged.
 * </ul>
 *
 * <h2>Protocol</h2>
 *
 * <ol>
 *   <li><b>Deltas.</b> Each local update yields a delta, numbered by a per-replica sequence (1, 2,
 *       ...) and appended to the outbound log. It is sent at once to every connected peer in a
 *       {@code DeltaBatch}. A receiver keeps, per sender, the next sequence it expects; it applies
 *       only that one (and the contiguous ones after it in the batch), skips those already applied
 *       (duplicates) and ignores those beyond a gap (they will be resent), so a sender's deltas
 *       apply exactly once and in order. It answers every batch with {@code Ack(up_to_sequence)},
 *       the highest contiguous sequence it applied.
 *   <li><b>Flow and resends</b> ({@code PeerSession}, one per peer). At most {@code
 *       PeerSession.WINDOW} deltas are in flight to a peer (sent and not acknowledged); each Ack
 *       sends the next ones, in batches, so a fast writer is paced by its slowest connected peer's
 *       acknowledgements instead of overflowing the transport's buffer (and the log, bounded below,
 *       bounds what waits). A write sends its delta at once when no batch is in flight to the peer;
 *       while one that was not full is (at most {@code PeerSession.MAX_PARTIAL_BATCHES_IN_FLIGHT}),
 *       the write waits for its Ack, and the writes made meanwhile leave together in one batch
 *       (Nagle's rule, clocked by Acks rather than a timer): an idle link adds no delay, a busy one
 *       carries one message per round trip instead of one per write (measured at 5 000 updates/s
 *       over gRPC on two cores: the CPU saturated and the median lag was 250-350 ms with one
 *       message per write, 2 ms with this rule). A batch that is full goes at once whatever is in
 *       flight. Once the window is full and more deltas wait, an Ack sends nothing until at least
 *       {@code PeerSession.MIN_WINDOW_OPENING} deltas fit (avoiding the <i>silly window</i>): the
 *       receiver acknowledges every batch, so if each Ack that opened one slot sent one delta, the
 *       window would stay full of one-delta batches, each acknowledged alone, and under overload
 *       the link would carry one delta per message pair, at a fraction of the rate the same
 *       replicas sustain with full batches (measured: 1 000 updates/s applied at 20 000/s on three
 *       replicas, against 20 000/s with this rule). Waiting for a sixteenth of the window adds at
 *       most a sixteenth of a round trip, and only to a link that is already window-limited. A
 *       delta the transport did not accept is sent again by the next write, Ack or tick. A peer
 *       that acknowledged nothing for a resend interval while deltas were in flight is sent again
 *       everything from {@code acked + 1} (one was lost, and the receiver ignores what follows a
 *       gap); the wait doubles after each such resend (up to {@code MAX_STALL_TICKS} intervals), so
 *       a round trip longer than the interval is learned rather than answered with duplicates
 *       forever, but it never exceeds four smoothed round trips (measured from each batch to its
 *       Ack): a link that works again after a loss (a clock fixed, say) is answered within an
 *       interval or so, not after sixteen. A peer whose connection comes up (after the {@code
 *       Handshake}) is sent everything from {@code acked + 1} too. A handshake carries the
 *       replica's incarnation (its clock at start); a peer whose incarnation grew restarted with no
 *       state, so the receiver expects its sequence 1 again and the sender resends it everything it
 *       still holds. A handshake is accepted once per connection (an identical repeat is ignored,
 *       one with another incarnation refused with {@code REPEATED_HANDSHAKE}), and an incarnation
 *       older than one already seen is refused ({@code STALE_INCARNATION}, the connection closed):
 *       in neither case is anything reset, so no hello can stall a healthy session. A handshake may
 *       be lost (the transport contract allows it): a peer that missed the one of a restarted
 *       replica would take its new deltas, numbered from 1 again, for duplicates of the old
 *       incarnation's and acknowledge them unapplied. So every {@code Ack} names the incarnation
 *       its receiver counts the sender's sequences in (the last handshake it accepted from it), and
 *       an Ack naming another incarnation is not counted: its sender sends the handshake again (at
 *       most once per resend interval) and the deltas after it. The first handshake accepted from a
 *       peer whose deltas came before any also restarts the sequence expected from it.
 *   <li><b>Bounded log.</b> Entries acknowledged by every peer this replica has seen are dropped.
 *       The log holds at most {@code maxLogEntries}; beyond that the oldest entries are dropped
 *       even if a lagging (partitioned, slow) peer has not acknowledged them. Such a peer is then
 *       sent an empty {@code DeltaBatch} whose {@code first_sequence} is the oldest sequence still
 *       held: it tells the receiver to skip ahead. What it missed reaches it through anti-entropy,
 *       which sends the full state of every key that differs. The skip goes once the deltas in
 *       flight to that peer are acknowledged (while they are, the receiver needs no skip yet, and
 *       every write would otherwise trim the log by one and send another skip: a storm of empty
 *       batches that filled the transport's buffer, crowded out Acks and carried no delta); the
 *       window then counts from the skip, since the sequences skipped were never sent, and the held
 *       deltas after it go at once.
 *   <li><b>What a peer holds.</b> A {@code QUORUM} or {@code ALL} write waits until enough peers
 *       acknowledged its delta. One that changes nothing waits until enough peers hold every
 *       earlier write of this replica to the key, which it observed ({@code
 *       WriteProofs.holdsOwnWrites}). An Ack of the key's last delta proves that a peer holds the
 *       earlier deltas of this incarnation too: it applies them in order. What no Ack can prove
 *       ({@code HeldWrites}): what a durable replica recovered at a restart (the earlier
 *       incarnation's Acks are gone, and its sequences restarted), a write too large for a delta,
 *       and, for one peer, the writes of a key whose delta the bounded log dropped before that peer
 *       acknowledged it (it is told to skip it, and its Ack then covers a sequence it never
 *       applied), or before it met the peer (in this incarnation of either). A peer is proven to
 *       hold those by anti-entropy: a full state of the key it acknowledged whole (it merged and
 *       committed it first), or a reconciliation that found its state of the key equal to this
 *       replica's, at some point after the exchange started, so after those writes. While some key
 *       waits for such proof, a peer's handshake starts a reconciliation with it at once rather
 *       than at the next interval. A peer that shows a new incarnation may have restarted without
 *       its state: what was proven of it is forgotten.
 *   <li><b>Anti-entropy.</b> Every anti-entropy interval, the engine runs a {@code
 *       ReconciliationSession} with each connected peer over {@code DigestRequest} / {@code
 *       DigestResponse}, on a {@link io.converge.replication.antientropy.KeyDigestTree} of (key,
 *       type, SHA-256 of the encoded state); for each key that differs, or exists only here, it
 *       sends its full state in {@code FullStateChunk}s, each under the transport's message size.
 *       The receiver reassembles, decodes and merges. Each side pushes its own state, so two
 *       sessions (one from each side) settle a difference. Digests hash the state as held (with no
 *       pending delta); equal contents with different closed flags (see {@code ORSet}) differ once,
 *       and the merge of the closed state settles it. A session that is still exchanging digests
 *       when the next interval comes is left to finish (reconciling a million keys can take longer
 *       than an interval); one whose response was lost (no request for two intervals) is abandoned.
 *       Digests of changed keys are recomputed outside the lock before each round. A local delta
 *       too large for one message of the transport gets no sequence number and is not sent as a
 *       delta: anti-entropy ships its key's full state, in chunks, at the next round.
 *   <li><b>Full states of any size.</b> Each full state sent is an {@code OutgoingTransfer} of one
 *       version of a key to one peer, paced by that peer's {@code OutgoingTransfers}: chunks of at
 *       most {@code FullStateExchange.FULL_STATE_CHUNK_BYTES}, at most {@code
 *       FullStateExchange.FULL_STATE_BUDGET_BYTES} of them in flight (sent, not acknowledged) per
 *       peer whatever the number of keys, each transfer sent whole before the next; the receiver
 *       answers each chunk with a {@code FullStateAck} of the chunks it holds, which releases
 *       budget and sends more. So a large state never fills the transport's buffer for the peer,
 *       and deltas keep flowing beside it. A chunk the transport refuses is sent again (on the next
 *       ack or resend tick); a transfer with no acknowledgement for two anti-entropy rounds sends
 *       again what is not acknowledged, and after three is given up (the next round starts a new
 *       one if the key still differs); a connection that goes down ends every transfer on both
 *       sides. The state is encoded outside the lock when it is not in {@code EncodedStates}, which
 *       keeps the encoding of a version for its digest, its transfers to every peer and the
 *       checkpoint. The receiver ({@code IncomingTransfers}) reassembles per peer, key and transfer
 *       number, so chunks of two transfers are never combined even when reordered; it reserves a
 *       transfer's announced size ({@code total_bytes}) when it starts, and refuses, with a {@code
 *       FullStateAck} that stops it and without closing the link: a state over {@code
 *       FullStateExchange.maxKeyBytes} for good (counted and reported in {@link
 *       io.converge.replication.Stats#oversizedKeys()}; the sender does not send that version again
 *       until the key changes or the link comes up again), and a transfer beyond {@code
 *       FullStateExchange.MAX_ASSEMBLIES_PER_PEER} partial states or {@code maxKeyBytes} of them
 *       from one peer for now (the sender tries again in a later round). A state whose meaning is
 *       refused ({@code TYPE_MISMATCH}, {@code CLOCK_OFFSET}, ...) is refused the same way. Partial
 *       states that receive no chunk for {@code IncomingTransfers.EXPIRE_TICKS} rounds are dropped.
 *   <li><b>Clocks and bad input.</b> Every envelope carries the sender and {@code sent_at}, a
 *       timestamp of the sender's hybrid logical clock. The receiver checks that the sender is the
 *       peer of the connection and the protocol version, then updates its clock; a timestamp beyond
 *       the maximum offset is refused with {@code Reject(CLOCK_OFFSET)}, and nothing of the message
 *       is applied. A message that does not decode is refused with the reason of its {@code
 *       WireException}, and nothing of it is applied; a malformed or oversized message, an unknown
 *       protocol version or a sender that is not the connection's peer also ends the connection
 *       ({@link io.converge.replication.transport.Transport#disconnect Transport.disconnect}: over
 *       gRPC the peer's stream closes with a status), while other peers carry on. A delta or full
 *       state for a key with no declaration, or with another type than the declared one, is refused
 *       with {@code Reject(TYPE_MISMATCH)}: that key's state is untouched, and the delta's sequence
 *       is consumed, so that one misconfigured key does not stall the sender's other keys. Every
 *       refusal is counted; a {@code Reject} is never answered with one.
 * </ol>
 */
package io.converge.replication;
