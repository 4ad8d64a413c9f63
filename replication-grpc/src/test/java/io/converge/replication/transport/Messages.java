package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import io.converge.replication.wire.v1.Handshake;

/**
 * Small real envelopes that carry a number, so that tests can trace them. They are handshakes (the
 * number is the incarnation) because the gRPC transport opens each stream with a handshake and
 * refuses a stream that starts with anything else; it does not look at later envelopes' bodies.
 */
final class Messages {

  private Messages() {}

  /** An envelope from {@code sender} carrying {@code n}. */
  static Envelope numbered(ReplicaId sender, long n) {
    return Envelope.newBuilder()
        .setProtocolVersion(1)
        .setSender(sender.name())
        .setHandshake(Handshake.newBuilder().setIncarnation(n))
        .build();
  }

  /** The number {@link #numbered} put in the envelope. */
  static long number(Envelope message) {
    return message.getHandshake().getIncarnation();
  }
}
