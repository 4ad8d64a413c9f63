package io.converge.replication;

import io.converge.clocks.HybridLogicalClock;
import io.converge.replication.codec.Clocks;
import io.converge.replication.wire.v1.Ack;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.FullStateAck;
import io.converge.replication.wire.v1.FullStateChunk;
import io.converge.replication.wire.v1.Handshake;
import io.converge.replication.wire.v1.Reject;

/**
 * Wraps what a {@link ReplicationEngine} sends in envelopes of this replica, stamped with its
 * clock. No state of its own: any thread (the engine calls it under its lock, in send order).
 */
final class Envelopes {

  private final String selfWire;
  private final HybridLogicalClock clock;

  Envelopes(String selfWire, HybridLogicalClock clock) {
    this.selfWire = selfWire;
    this.clock = clock;
  }

  /**
   * An envelope of {@code body} (a message of the {@code Envelope} body's types), with the protocol
   * version, the sender and a {@code sent_at} of this replica's clock.
   *
   * @throws IllegalArgumentException if {@code body} is not an envelope body
   */
  Envelope wrap(Object body) {
    Envelope.Builder envelope =
        Envelope.newBuilder()
            .setProtocolVersion(ReplicationEngine.PROTOCOL_VERSION)
            .setSender(selfWire)
            .setSentAt(Clocks.toWire(clock.now()));
    if (body instanceof Handshake b) {
      envelope.setHandshake(b);
    } else if (body instanceof DeltaBatch b) {
      envelope.setDeltas(b);
    } else if (body instanceof Ack b) {
      envelope.setAck(b);
    } else if (body instanceof DigestRequest b) {
      envelope.setDigestRequest(b);
    } else if (body instanceof DigestResponse b) {
      envelope.setDigestResponse(b);
    } else if (body instanceof FullStateChunk b) {
      envelope.setFullState(b);
    } else if (body instanceof FullStateAck b) {
      envelope.setFullStateAck(b);
    } else if (body instanceof Reject b) {
      envelope.setReject(b);
    } else {
      throw new IllegalArgumentException("not an envelope body: " + body);
    }
    return envelope.build();
  }
}
