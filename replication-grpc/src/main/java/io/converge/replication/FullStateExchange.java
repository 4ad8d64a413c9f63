package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.StoredRecord;
import io.converge.replication.transport.Transport;
import io.converge.replication.wire.v1.FullStateAck;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.Reject;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The full-state exchange of a {@link ReplicationEngine}: sends this replica's full states to its
 * peers in chunks on a byte budget per peer, clocked by their {@code FullStateAck}s ({@link
 * OutgoingTransfers}), and takes theirs, reassembled ({@link IncomingTransfers}), decoded, checked
 * and merged, refusing a state over {@link #maxKeyBytes} (or otherwise refused for its key alone)
 * without ending the link. The protocol is described in the package javadoc.
 *
 * <p>Its state is guarded by the engine's lock, like the engine's: every method is called by the
 * engine under that lock, except {@link #encodeTransfers}, which runs on the engine's scheduler and
 * takes the lock itself, twice, encoding states outside it. No method does I/O: what is to be sent
 * joins an {@link Effects}, which the engine runs after the lock is released.
 */
final class FullStateExchange {

  private static final System.Logger LOG = System.getLogger(ReplicationEngine.class.getName());

  /**
   * Full-state transfers a peer may have in progress at once (chunks received, not all of them). An
   * honest peer sends each key's chunks one after the other, so it has one (two while a lost one
   * expires); without a bound a peer could start a transfer for every declared key and make this
   * replica hold a chunk table for each. A transfer beyond it is refused for now, not the link.
   */
  static final int MAX_ASSEMBLIES_PER_PEER = 8;

  /**
   * Full-state bytes in flight to a peer (chunks sent and not acknowledged), at most: further
   * chunks wait for its {@code FullStateAck}s. Small enough that chunks never fill the transport's
   * buffer for the peer, so deltas keep flowing beside a large transfer; large enough to keep a
   * long link busy (2 MiB per 100 ms round trip is 20 MB/s).
   */
  static final long FULL_STATE_BUDGET_BYTES = 2L * 1024 * 1024;

  /**
   * The largest payload of one full-state chunk (less if the transport's messages are smaller):
   * several fit the budget, so the link is not idle while one is acknowledged, and a delta queued
   * behind a chunk waits for at most this many bytes.
   */
  static final int FULL_STATE_CHUNK_BYTES = 256 * 1024;

  /** The most keys {@link Stats#oversizedKeys()} names. */
  static final int MAX_OVERSIZED_KEYS_REPORTED = 100;

  private final ReplicationEngine engine;
  private final Object lock;
  private final ReplicaId self;
  private final Transport transport;
  private final EngineMeters meters;
  private final Admission admission;

  /** The largest full state of one key this replica accepts (see Replica.Builder#maxKeyBytes). */
  private long maxKeyBytes = Replica.Builder.DEFAULT_MAX_KEY_BYTES;

  /** {@link #FULL_STATE_BUDGET_BYTES}, or another budget in tests. */
  private long fullStateBudget = FULL_STATE_BUDGET_BYTES;

  /** {@link #FULL_STATE_CHUNK_BYTES}, or another size in tests. */
  private int fullStateChunkBytes = FULL_STATE_CHUNK_BYTES;

  /** The last full-state transfer number this replica used (see FullStateChunk.transfer). */
  private long lastTransfer;

  private long fullStatesSent;
  private long fullStatesReceived;

  /** Full states refused for being over {@link #maxKeyBytes} or their key's codec limits. */
  private long fullStatesOversized;

  /** The last keys whose full state was over a limit here, oldest first; see Stats. */
  private final Set<String> oversizedKeys = new LinkedHashSet<>();

  FullStateExchange(
      ReplicationEngine engine,
      Object lock,
      ReplicaId self,
      Transport transport,
      EngineMeters meters,
      Admission admission) {
    this.engine = engine;
    this.lock = lock;
    this.self = self;
    this.transport = transport;
    this.meters = meters;
    this.admission = admission;
  }

  /** See {@link ReplicationEngine#maxKeyBytes(long)}. Before the engine starts. */
  void maxKeyBytes(long bytes) {
    this.maxKeyBytes = checkMaxKeyBytes(bytes);
  }

  long maxKeyBytes() {
    return maxKeyBytes;
  }

  /** Returns {@code bytes} if it is a valid {@link #maxKeyBytes}; otherwise throws, naming it. */
  static long checkMaxKeyBytes(long bytes) {
    if (bytes < 1 || bytes > Replica.Builder.MAX_KEY_BYTES_LIMIT) {
      throw new IllegalArgumentException(
          "maxKeyBytes must be between 1 and "
              + Replica.Builder.MAX_KEY_BYTES_LIMIT
              + ": bytes="
              + bytes);
    }
    return bytes;
  }

  /** See {@link ReplicationEngine#fullStateBudget(long, int)}. Before the engine starts. */
  void fullStateBudget(long budgetBytes, int chunkBytes) {
    if (budgetBytes < 1 || chunkBytes < 1) {
      throw new IllegalArgumentException(
          "must be >= 1: budgetBytes=" + budgetBytes + ", chunkBytes=" + chunkBytes);
    }
    this.fullStateBudget = budgetBytes;
    this.fullStateChunkBytes = chunkBytes;
  }

  long fullStatesSent() {
    return fullStatesSent;
  }

  long fullStatesReceived() {
    return fullStatesReceived;
  }

  long fullStatesOversized() {
    return fullStatesOversized;
  }

  /** The last keys whose full state was over a limit here, oldest first (live; under the lock). */
  Set<String> oversizedKeys() {
    return oversizedKeys;
  }

  /** Counts and reports a full state over a limit; under the lock. */
  void noteOversized(String name) {
    fullStatesOversized++;
    meters.fullStateOversized();
    oversizedKeys.remove(name);
    oversizedKeys.add(name);
    if (oversizedKeys.size() > MAX_OVERSIZED_KEYS_REPORTED) {
      oversizedKeys.remove(oversizedKeys.iterator().next());
    }
  }

  /**
   * Starts sending a key's full state to a peer, unless one is under way or the peer refused this
   * version for good; its bytes come from the engine's encodings, or later from {@link
   * #encodeTransfers} (outside the lock). Under the lock, just after the digests were refreshed, so
   * the digest tree holds the hash of the key's current state.
   *
   * @return whether the transfer waits for its bytes
   */
  boolean startTransfer(Peer peer, Slot<?> slot) {
    String name = slot.key.name();
    KeyDigest digest = engine.antiEntropy().tree().get(name);
    byte[] hash = digest == null ? null : digest.getHash().toByteArray();
    if (peer.outgoing.refused(name, hash)) {
      return false; // refused for good: not again until the key changes or the link comes up again
    }
    int chunkSize = chunkSize(slot);
    if (chunkSize < 1) {
      return false; // the transport cannot carry even an empty chunk of this key
    }
    long ticks = engine.antiEntropy().ticks();
    OutgoingTransfer transfer =
        new OutgoingTransfer(
            name, slot.key.typeName(), lastTransfer + 1, slot.state, hash, chunkSize);
    transfer.ownWrites = slot.writes;
    if (!peer.outgoing.offer(transfer, ticks)) {
      return false; // one is under way: it finishes first, and the next round compares again
    }
    lastTransfer++;
    fullStatesSent++;
    peer.meters.fullStatesSent().increment();
    byte[] bytes = engine.antiEntropy().encodings().get(name, slot.state, ticks);
    if (bytes == null) {
      return true;
    }
    try {
      transfer.encoded(bytes);
    } catch (WireException e) {
      peer.outgoing.cancel(transfer);
      engine.antiEntropy().unencodable(slot, e);
    }
    return false;
  }

  /** The largest payload of a full-state chunk of this key that fits one transport message. */
  private int chunkSize(Slot<?> slot) {
    FullStateChunk header =
        FullStateChunk.newBuilder()
            .setKey(slot.key.name())
            .setType(slot.key.typeName())
            .setChunkIndex(Integer.MAX_VALUE)
            .setChunkCount(Integer.MAX_VALUE)
            .setTransfer(Long.MAX_VALUE)
            .setTotalBytes(Long.MAX_VALUE)
            .build();
    int overhead = engine.envelope(header).getSerializedSize() + 16;
    return Math.min(fullStateChunkBytes, transport.maxMessageBytes() - overhead);
  }

  /**
   * Hands a peer the full-state chunks its budget allows ({@link OutgoingTransfers#poll}). Called
   * when transfers start, on each {@code FullStateAck}, when bytes are ready, and by the timers
   * (after a refused send or a go-back). Under the lock.
   */
  void pumpFullStates(Peer peer, Effects fx) {
    if (!peer.connected) {
      return;
    }
    FullStateChunk chunk;
    while ((chunk = peer.outgoing.poll(fullStateBudget, engine.antiEntropy().ticks())) != null) {
      fx.send(peer.id, chunk);
    }
  }

  /**
   * Encodes the states of a peer's transfers that wait for their bytes, outside the lock (states
   * are immutable), keeps each encoding for the other uses of its version, and sends what the
   * budget allows. Runs on the scheduler, after the anti-entropy round that started them; takes the
   * lock itself.
   */
  void encodeTransfers(ReplicaId id) {
    List<OutgoingTransfer> waiting;
    List<Slot<?>> owners = new ArrayList<>();
    synchronized (lock) {
      Peer peer = engine.knownPeer(id);
      if (engine.closed() || peer == null || !peer.connected) {
        return;
      }
      waiting = peer.outgoing.waitingForBytes();
      for (OutgoingTransfer t : waiting) {
        owners.add(engine.slot(t.key));
      }
    }
    byte[][] encoded = new byte[waiting.size()][];
    RuntimeException[] failures = new RuntimeException[waiting.size()];
    for (int i = 0; i < encoded.length; i++) {
      try {
        encoded[i] = owners.get(i).encode(waiting.get(i).state);
      } catch (RuntimeException e) {
        failures[i] = e;
      }
    }
    Effects fx = engine.newEffects();
    synchronized (lock) {
      Peer peer = engine.knownPeer(id);
      if (engine.closed() || peer == null) {
        return;
      }
      for (int i = 0; i < encoded.length; i++) {
        OutgoingTransfer t = waiting.get(i);
        Slot<?> slot = owners.get(i);
        if (peer.outgoing.get(t.key) != t || t.encoded()) {
          continue; // ended meanwhile (the peer went down, refused it, ...)
        }
        try {
          if (failures[i] != null) {
            throw failures[i];
          }
          t.encoded(encoded[i]);
          if (slot.state == t.state) {
            engine
                .antiEntropy()
                .encodings()
                .put(t.key, t.state, encoded[i], engine.antiEntropy().ticks());
          }
        } catch (RuntimeException e) {
          peer.outgoing.cancel(t);
          engine.antiEntropy().unencodable(slot, e);
        }
      }
      pumpFullStates(peer, fx);
    }
    fx.run();
  }

  /**
   * An anti-entropy round's care of a peer's transfers: those whose acknowledgements stopped go
   * back or are given up ({@link OutgoingTransfers#tick}), partial states it stopped sending are
   * dropped ({@link IncomingTransfers#expire}). Under the lock.
   */
  void fullStateRound(Peer peer, Effects fx) {
    long ticks = engine.antiEntropy().ticks();
    for (OutgoingTransfer t : peer.outgoing.tick(ticks)) {
      LOG.log(
          System.Logger.Level.DEBUG,
          () -> "replica " + self + ": gave up the full state of " + t.key + " to " + peer.id);
    }
    peer.incoming.expire(ticks);
    pumpFullStates(peer, fx);
  }

  /** A peer's acknowledgement (or refusal) of a full-state transfer of this replica. */
  void onFullStateAck(Peer peer, FullStateAck ack, Effects fx) {
    long transfer = ack.getTransfer();
    if (transfer == 0 || Long.compareUnsigned(transfer, lastTransfer) > 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "full state ack of key "
              + ack.getKey()
              + " names transfer "
              + Long.toUnsignedString(transfer)
              + ", which this replica never started (the last is "
              + lastTransfer
              + ")");
    }
    if (ack.getRefused() != Reject.Reason.REASON_UNSPECIFIED) {
      WireException.Reason reason = WireException.Reason.fromWire(ack.getRefused());
      if (!Refusals.refusesOneFullState(reason)) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            "full state ack of key "
                + ack.getKey()
                + " refuses it with "
                + ack.getRefused()
                + ", which does not refuse a full state");
      }
      OutgoingTransfer ended = peer.outgoing.refuse(ack.getKey(), transfer, !ack.getRetryLater());
      if (ended != null) {
        engine.countRefusedByPeer(reason);
        LOG.log(
            System.Logger.Level.WARNING,
            "replica "
                + self
                + ": "
                + peer.id
                + " refused the full state of key "
                + ended.key
                + " ("
                + ended.totalBytes()
                + " bytes; "
                + (ack.getRetryLater() ? "tried again later" : "not sent again until it changes")
                + "): "
                + reason
                + ": "
                + ack.getDetail());
      }
    } else {
      OutgoingTransfer sending = peer.outgoing.get(ack.getKey());
      OutgoingTransfers.Acked acked =
          peer.outgoing.acknowledge(
              ack.getKey(),
              transfer,
              Integer.toUnsignedLong(ack.getReceivedChunks()),
              engine.antiEntropy().ticks());
      Slot<?> slot = engine.slot(ack.getKey());
      if (acked == OutgoingTransfers.Acked.DONE && slot != null) {
        // It merged the whole state (and made it durable before it said so).
        engine.proofs().provenHeld(peer, slot, sending.ownWrites, fx);
      }
    }
    pumpFullStates(peer, fx);
  }

  /**
   * Takes one chunk of a peer's full state: kept and acknowledged, or (the last) reassembled,
   * decoded, checked and merged. A state this replica refuses for that key alone (over {@link
   * #maxKeyBytes} or its codec's limits, a key not declared so, a value whose meaning is refused)
   * or a transfer beyond the peer's bounds is refused with a {@code FullStateAck} that stops it:
   * counted, never merged, and the link goes on. A chunk that contradicts itself or its transfer is
   * MALFORMED and ends the link.
   */
  void onFullState(Peer peer, FullStateChunk chunk, Effects fx) {
    IncomingTransfers.validate(chunk);
    if (peer.incoming.dropped(chunk)) {
      return; // of a transfer refused before: the refusal stops it
    }
    Slot<?> slot;
    try {
      slot = engine.remoteSlot(chunk.getKey(), chunk.getType());
    } catch (WireException e) {
      peer.incoming.refuse(chunk.getKey(), chunk.getTransfer());
      refuseTransfer(peer, chunk, e, false, fx);
      return;
    }
    IncomingTransfers.Outcome outcome =
        peer.incoming.accept(chunk, maxKeyBytes, engine.antiEntropy().ticks());
    if (outcome instanceof IncomingTransfers.Refused refused) {
      if (!refused.retryLater()) {
        noteOversized(slot.key.name());
      }
      refuseTransfer(peer, chunk, refused.reason(), refused.retryLater(), fx);
      return;
    }
    if (outcome instanceof IncomingTransfers.Partial partial) {
      acknowledgeChunks(peer, chunk, partial.received(), fx);
      return;
    }
    if (!(outcome instanceof IncomingTransfers.Complete complete)) {
      return; // dropped
    }
    byte[] bytes = complete.bytes();
    boolean changed;
    try {
      changed =
          slot.prepareMerge(
                  bytes,
                  decoded ->
                      admission.check(
                          decoded,
                          null,
                          () -> "full state of key " + slot.key.name() + " from " + peer.id))
              .getAsBoolean();
    } catch (WireException e) {
      if (e.reason() == WireException.Reason.MALFORMED
          || !Refusals.refusesOneFullState(e.reason())) {
        throw e;
      }
      if (e.reason() == WireException.Reason.OVERSIZED) {
        noteOversized(slot.key.name()); // over the key codec's own limits
      }
      refuseTransfer(peer, chunk, e, e.reason() == WireException.Reason.CLOCK_OFFSET, fx);
      return;
    }
    if (changed) {
      fx.persist(() -> new StoredRecord(slot.key.name(), slot.key.typeName(), bytes));
    }
    fullStatesReceived++;
    peer.meters.fullStatesReceived().increment();
    oversizedKeys.remove(slot.key.name());
    engine.antiEntropy().changed(slot.key.name());
    acknowledgeChunks(peer, chunk, complete.count(), fx);
    if (changed) {
      engine.notifyLater(fx, slot);
    }
  }

  private void acknowledgeChunks(Peer peer, FullStateChunk chunk, int received, Effects fx) {
    fx.send(
        peer.id,
        FullStateAck.newBuilder()
            .setKey(chunk.getKey())
            .setTransfer(chunk.getTransfer())
            .setReceivedChunks(received)
            .build());
  }

  /**
   * Refuses a peer's full-state transfer alone: counted as refused (like a {@code Reject}, which is
   * not sent), and answered with a {@code FullStateAck} that stops it.
   */
  private void refuseTransfer(
      Peer peer, FullStateChunk chunk, WireException e, boolean retryLater, Effects fx) {
    engine.countRefused(e.reason());
    fx.send(
        peer.id,
        FullStateAck.newBuilder()
            .setKey(chunk.getKey())
            .setTransfer(chunk.getTransfer())
            .setRefused(e.reason().toWire())
            .setDetail(e.detail())
            .setRetryLater(retryLater)
            .build());
  }
}
