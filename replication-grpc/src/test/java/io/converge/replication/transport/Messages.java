package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Ack;
import io.converge.replication.wire.v1.Envelope;

/** Small real envelopes that carry a number (as an {@code Ack}), so that tests can trace them. */
final class Messages {

  private Messages() {}

  /** An envelope from {@code sender} carrying {@code n}. */
  static Envelope numbered(ReplicaId sender, long n) {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender(sender.name())
        .setAck(Ack.newBuilder().setUpToSequence(n))
        .build();
  }

  /** The number {@link #numbered} put in the envelope. */
  static long number(Envelope message) {
    return message.getAck().getUpToSequence();
  }
}
