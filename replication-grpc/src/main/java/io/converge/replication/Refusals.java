package io.converge.replication;

import io.converge.replication.codec.WireException;

/**
 * Which refusals of a {@link ReplicationEngine} end the link and which refuse one message or one
 * part of it alone: a policy by reason, with no state (any thread).
 */
final class Refusals {

  private Refusals() {}

  /**
   * Whether a refusal for {@code reason} also ends the connection: a message that does not decode,
   * is too large, speaks an unknown protocol version or comes from another sender than the
   * connection's peer says the peer is broken or hostile, and the stream is closed (the peer may
   * reconnect, with backoff). A timestamp beyond the clock offset or a key of the wrong type is
   * refused alone: the peer's other messages are fine.
   */
  static boolean closesConnection(WireException.Reason reason) {
    return switch (reason) {
      case MALFORMED, OVERSIZED, UNKNOWN_VERSION, UNTRUSTED_PEER -> true;
      case CLOCK_OFFSET, TYPE_MISMATCH, COUNTER_RANGE, FORGED_EVENT, REPEATED_HANDSHAKE -> false;
      case NO_HANDSHAKE,
          STALE_INCARNATION,
          WRONG_DIALLER,
          DUPLICATE_STREAM,
          CONNECTION_LIMIT,
          HANDSHAKE_TIMEOUT ->
          true;
    };
  }

  /**
   * Whether a delta refused for {@code reason} is refused alone, its sequence consumed (answered
   * with a {@code Reject} naming it) so that the sender's later deltas still apply: the key is not
   * declared so, or the delta's meaning is refused (a timestamp inside it beyond the offset, a
   * counter out of range, another replica's event). Resending it would be refused again, and
   * waiting for it would stall every later delta of the link. A delta that does not decode refuses
   * the whole batch and ends the connection instead.
   */
  static boolean refusesOneDelta(WireException.Reason reason) {
    return switch (reason) {
      case TYPE_MISMATCH, CLOCK_OFFSET, COUNTER_RANGE, FORGED_EVENT -> true;
      case MALFORMED,
          OVERSIZED,
          UNKNOWN_VERSION,
          UNTRUSTED_PEER,
          NO_HANDSHAKE,
          REPEATED_HANDSHAKE,
          STALE_INCARNATION,
          WRONG_DIALLER,
          DUPLICATE_STREAM,
          CONNECTION_LIMIT,
          HANDSHAKE_TIMEOUT ->
          false;
    };
  }

  /**
   * Whether a full state refused for {@code reason} is refused alone, with a {@code FullStateAck}
   * that stops its transfer while the link goes on: over a size limit, a key not declared so, or a
   * value whose meaning is refused (as for one delta). A state that does not decode ends the
   * connection instead.
   */
  static boolean refusesOneFullState(WireException.Reason reason) {
    return reason == WireException.Reason.OVERSIZED || refusesOneDelta(reason);
  }
}
