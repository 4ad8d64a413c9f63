package io.converge.replication;

import static io.converge.replication.Refusals.closesConnection;
import static io.converge.replication.Refusals.refusesOneDelta;
import static io.converge.replication.ReplicationEngine.PROTOCOL_VERSION;

import io.converge.clocks.ClockOffsetException;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.replication.antientropy.Reconciler;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.WireException;
import io.converge.replication.store.StoredRecord;
import io.converge.replication.wire.v1.Ack;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.KeyedDelta;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The inbound side of a {@link ReplicationEngine}: every message a peer sends, checked (its sender,
 * protocol version and clock) and dispatched: handshakes, which accept a peer's incarnation once
 * per connection; batches of deltas, applied exactly once and in order, and acknowledged; Acks, for
 * the {@link DeltaLink}; digests and full states, for the {@link AntiEntropyRounds} and the {@link
 * FullStateExchange}; refusals, counted. A message refused is answered with a {@code Reject}, and
 * nothing of it is applied. The protocol is described in the package javadoc.
 *
 * <p>Its state is guarded by the engine's lock, like the engine's: {@link #onMessage} (the engine's
 * transport callback) takes it, after hashing stale digests outside it; the rest is called under
 * it. No method does I/O: what is to be sent joins an {@link Effects}, which runs after the lock is
 * released.
 */
final class Inbound {

  private final ReplicationEngine engine;
  private final Object lock;
  private final String selfWire;
  private final DeltaLink link;
  private final Waiters waiters;
  private final ClockFence fence;
  private final Admission admission;
  private final Reconciler reconciler;
  private final EngineScheduler scheduler;

  /** This replica's incarnation, which its handshakes carry and its peers' Acks must name. */
  private final long incarnation;

  /**
   * The physical time at which the engine was made: a delta whose origin time is older was written
   * before this replica ran, and its age is not a replication lag of this replica (a peer could
   * otherwise report one of 56 years with an origin time of 0).
   */
  private final long startedAt;

  private long deltasReceived;

  Inbound(
      ReplicationEngine engine,
      Object lock,
      DeltaLink link,
      Waiters waiters,
      ClockFence fence,
      Admission admission,
      Reconciler reconciler,
      EngineScheduler scheduler,
      long incarnation,
      long startedAt) {
    this.engine = engine;
    this.lock = lock;
    this.selfWire = Clocks.toWire(engine.self());
    this.link = link;
    this.waiters = waiters;
    this.fence = fence;
    this.admission = admission;
    this.reconciler = reconciler;
    this.scheduler = scheduler;
    this.incarnation = incarnation;
    this.startedAt = startedAt;
  }

  /** Deltas applied (or refused alone) so far, from every peer; under the lock. */
  long deltasReceived() {
    return deltasReceived;
  }

  /**
   * A message from a peer: checked, then handled under the lock (see the class javadoc); a message
   * refused is counted and answered with a {@code Reject}, and the link closed if the refusal ends
   * it. Takes the lock; its effects run after it.
   */
  void onMessage(ReplicaId from, Envelope message) {
    Effects fx = engine.newEffects();
    Envelope.BodyCase body = message.getBodyCase();
    if (body == Envelope.BodyCase.DIGEST_REQUEST || body == Envelope.BodyCase.DIGEST_RESPONSE) {
      // Digests of the keys changed since the last round, hashed before the lock is taken: under
      // it only those changed meanwhile are (every key of a busy replica can change in a round, and
      // hashing them all under the lock stalled every write and delta behind it).
      engine.antiEntropy().refreshDigestsOutsideLock();
    }
    synchronized (lock) {
      if (engine.closed()) {
        return;
      }
      Peer peer = engine.peer(from);
      peer.meters.bytesReceived().increment(message.getSerializedSize());
      try {
        receive(peer, message, fx);
      } catch (WireException e) {
        refuse(peer, message, e, fx);
      } catch (ClockOffsetException e) {
        fence.refusedTheirs(peer.id);
        refuse(
            peer,
            message,
            new WireException(WireException.Reason.CLOCK_OFFSET, e.getMessage(), e),
            fx);
      }
    }
    fx.run();
  }

  /**
   * The handshake this replica sends when a connection comes up, or again to a peer that lacks it.
   */
  Handshake handshake() {
    return Handshake.newBuilder()
        .setMinProtocolVersion(PROTOCOL_VERSION)
        .setMaxProtocolVersion(PROTOCOL_VERSION)
        .setReplica(selfWire)
        .setIncarnation(incarnation)
        .build();
  }

  private void refuse(Peer peer, Envelope message, WireException e, Effects fx) {
    engine.countRefused(e.reason());
    if (message.getBodyCase() != Envelope.BodyCase.REJECT) {
      fx.send(peer.id, e.toReject());
    }
    if (closesConnection(e.reason())) {
      fx.disconnect(peer.id, e);
    }
  }

  private void receive(Peer peer, Envelope message, Effects fx) {
    if (!message.getSender().equals(Clocks.toWire(peer.id))) {
      throw new WireException(
          WireException.Reason.UNTRUSTED_PEER,
          "sender " + message.getSender() + " is not the connection's peer " + peer.id);
    }
    if (message.getProtocolVersion() != PROTOCOL_VERSION) {
      throw new WireException(
          WireException.Reason.UNKNOWN_VERSION,
          "protocol version " + message.getProtocolVersion() + ", expected " + PROTOCOL_VERSION);
    }
    if (!message.hasSentAt()) {
      throw new WireException(WireException.Reason.MALFORMED, "envelope without sent_at");
    }
    HlcTimestamp sentAt = Clocks.fromWire(message.getSentAt());
    HlcTimestamp received = engine.clock().update(sentAt);
    fence.acceptedTheirs(peer.id);
    peer.lastContact = received.physical();
    switch (message.getBodyCase()) {
      case HANDSHAKE -> onHandshake(peer, message.getHandshake(), sentAt, fx);
      case DELTAS -> onDeltas(peer, message.getDeltas(), received.physical(), fx);
      case ACK -> {
        fence.theyAcceptedOurs(peer.id);
        if (message.getAck().getIncarnation() != incarnation) {
          peerLacksHandshake(peer, fx);
          return;
        }
        link.acknowledged(peer, message.getAck().getUpToSequence(), fx);
      }
      case DIGEST_REQUEST -> {
        engine.antiEntropy().refreshDigests();
        fx.send(
            peer.id, reconciler.respond(engine.antiEntropy().tree(), message.getDigestRequest()));
      }
      case DIGEST_RESPONSE -> {
        fence.theyAcceptedOurs(peer.id);
        engine.antiEntropy().onDigestResponse(peer, message.getDigestResponse(), fx);
      }
      case FULL_STATE -> engine.fullStates().onFullState(peer, message.getFullState(), fx);
      case FULL_STATE_ACK ->
          engine.fullStates().onFullStateAck(peer, message.getFullStateAck(), fx);
      case REJECT -> {
        WireException.Reason reason =
            WireException.Reason.fromWire(message.getReject().getReason());
        if (reason == WireException.Reason.CLOCK_OFFSET) {
          fence.theyRefusedOurs(peer.id);
        }
        if (refusesOneDelta(reason) && message.getReject().getSequence() > 0) {
          peer.refused(message.getReject().getSequence());
          waiters.refused(peer.id, message.getReject().getSequence());
        }
        engine.countRefusedByPeer(reason);
      }
      case BODY_NOT_SET ->
          throw new WireException(WireException.Reason.MALFORMED, "envelope without a body");
    }
  }

  /**
   * An Ack that names another incarnation of this replica than its own (or none): the peer counts
   * this replica's sequence numbers in another incarnation, because it did not get the handshake of
   * this one (a handshake may be lost), so what it acknowledges says nothing of what it applied and
   * is not counted. The handshake goes again, at most once per resend interval, and the deltas
   * after it: the peer ignores the repeat if it had the first after all.
   */
  private void peerLacksHandshake(Peer peer, Effects fx) {
    if (peer.handshakeResent) {
      return;
    }
    peer.handshakeResent = true;
    fx.send(peer.id, handshake());
    peer.connected(); // what it took for duplicates goes again, after the handshake
    link.sendMore(peer, fx);
  }

  /**
   * Accepts a handshake once per connection, and an incarnation only if it is not older than one
   * seen before (see {@code Replication.Exchange} in {@code replication.proto}): nothing a peer
   * sends after its handshake, and no handshake of an impostor or of a stale process, can reset a
   * healthy session. A newer incarnation means the peer restarted without its state.
   */
  private void onHandshake(Peer peer, Handshake handshake, HlcTimestamp sentAt, Effects fx) {
    if (handshake.getMinProtocolVersion() > PROTOCOL_VERSION
        || handshake.getMaxProtocolVersion() < PROTOCOL_VERSION) {
      throw new WireException(
          WireException.Reason.UNKNOWN_VERSION,
          "peer speaks protocol versions "
              + handshake.getMinProtocolVersion()
              + ".."
              + handshake.getMaxProtocolVersion());
    }
    long incarnation = handshake.getIncarnation();
    if (peer.handshake != null) {
      if (peer.handshake == incarnation) {
        return; // a duplicate of this connection's handshake: nothing new
      }
      throw new WireException(
          WireException.Reason.REPEATED_HANDSHAKE,
          "second handshake on one connection: incarnation "
              + Long.toUnsignedString(incarnation)
              + " after "
              + Long.toUnsignedString(peer.handshake));
    }
    if (Long.compareUnsigned(incarnation, sentAt.packed()) > 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "incarnation "
              + Long.toUnsignedString(incarnation)
              + " is after the envelope's sent_at "
              + sentAt.packed());
    }
    if (peer.incarnation != null && Long.compareUnsigned(incarnation, peer.incarnation) < 0) {
      throw new WireException(
          WireException.Reason.STALE_INCARNATION,
          "incarnation "
              + Long.toUnsignedString(incarnation)
              + " is older than "
              + Long.toUnsignedString(peer.incarnation)
              + ", already seen from "
              + peer.id);
    }
    peer.handshake = incarnation;
    if (peer.incarnation == null && peer.expected > 1) {
      // Its deltas came before any handshake of it (that one was lost): they may be of an older
      // incarnation than this one, so its sequence restarts here too (applying one twice is
      // harmless; taking a new one for a duplicate is not).
      peer.expected = 1;
    }
    if (peer.incarnation != null && peer.incarnation != incarnation) {
      // The peer restarted without its state: its sequence restarts, and it needs all we hold.
      peer.expected = 1;
      peer.acked = 0;
      waiters.reset(peer.id);
      peer.sent = 0;
      peer.incoming.clear();
      engine.proofs().forget(peer, link.firstSequence());
      link.sendMore(peer, fx);
    }
    peer.incarnation = incarnation;
    if (engine.proofs().doubtfulFor(peer)) {
      ReplicaId id = peer.id;
      fx.after.add(
          () -> {
            try {
              scheduler.schedule(Duration.ZERO, () -> engine.antiEntropy().sessionNow(id));
            } catch (RejectedExecutionException stopped) {
              // The replica is closing: the next start's handshakes try again.
            }
          });
    }
  }

  /**
   * Applies a batch of deltas; {@code appliedAt} is the physical part of this replica's clock at
   * receipt, from which the replication lag of each applied delta is measured.
   */
  private void onDeltas(Peer peer, DeltaBatch batch, long appliedAt, Effects fx) {
    long sequence = batch.getFirstSequence();
    if (sequence < 1) {
      throw new WireException(WireException.Reason.MALFORMED, "first_sequence 0");
    }
    if (batch.getDeltasCount() == 0) {
      // The sender dropped what we had not acknowledged: skip ahead; anti-entropy fills the gap.
      peer.expected = Math.max(peer.expected, sequence);
    } else {
      // Decode first, apply after: a malformed delta leaves everything untouched.
      long expected = peer.expected;
      List<Slot<?>> targets = new ArrayList<>();
      List<KeyedDelta> applied = new ArrayList<>();
      List<String> appliedTypes = new ArrayList<>();
      List<HlcTimestamp> origins = new ArrayList<>();
      List<BooleanSupplier> merges = new ArrayList<>();
      List<WireException> mismatches = new ArrayList<>();
      List<Long> mismatched = new ArrayList<>();
      List<Long> appliedSequences = new ArrayList<>();
      for (KeyedDelta delta : batch.getDeltasList()) {
        if (sequence == expected) {
          try {
            String type = DeltaBatches.type(batch, delta, sequence);
            HlcTimestamp origin = DeltaBatches.origin(batch, delta, sequence);
            Slot<?> slot = engine.remoteSlot(delta.getKey(), type);
            long at = sequence;
            Supplier<String> where =
                () -> "delta " + at + " of key " + delta.getKey() + " from " + peer.id;
            if (origin != null) {
              admission.checkTimestamp(origin, where);
            }
            merges.add(
                slot.prepareMerge(
                    delta.getPayload().toByteArray(),
                    decoded -> admission.check(decoded, peer.id, where)));
            targets.add(slot);
            applied.add(delta);
            appliedTypes.add(type);
            origins.add(origin);
            appliedSequences.add(sequence);
          } catch (WireException e) {
            if (!refusesOneDelta(e.reason())) {
              throw e;
            }
            mismatches.add(e);
            mismatched.add(sequence);
          }
          expected++;
        } else if (sequence > expected) {
          break; // beyond a gap: it will be resent
        }
        sequence++;
      }
      for (int i = 0; i < targets.size(); i++) {
        Slot<?> slot = targets.get(i);
        boolean merged;
        try {
          merged = merges.get(i).getAsBoolean();
        } catch (WireException e) {
          // It contradicts the value held (or one applied just before it in this batch): refused
          // alone, like a delta whose meaning is refused.
          mismatches.add(e);
          mismatched.add(appliedSequences.get(i));
          continue;
        }
        if (merged) {
          engine.notifyLater(fx, slot);
          KeyedDelta changed = applied.get(i);
          String type = appliedTypes.get(i);
          fx.persist(
              () -> new StoredRecord(changed.getKey(), type, changed.getPayload().toByteArray()));
        }
        engine.antiEntropy().changed(slot.key.name());
        deltasReceived++;
        peer.meters.deltasReceived().increment();
        long origin = origins.get(i) == null ? -1 : origins.get(i).physical();
        if (origin >= startedAt) {
          long lag = Math.max(0, appliedAt - origin);
          peer.lagMillis = lag;
          peer.meters.lag(lag);
        }
      }
      peer.expected = expected;
      for (int i = 0; i < mismatches.size(); i++) {
        WireException e = mismatches.get(i);
        engine.countRefused(e.reason());
        fx.send(peer.id, e.toReject().toBuilder().setSequence(mismatched.get(i)).build());
      }
    }
    fx.send(
        peer.id,
        Ack.newBuilder()
            .setUpToSequence(peer.expected - 1)
            .setIncarnation(peer.incarnation == null ? 0 : peer.incarnation)
            .build());
  }
}
