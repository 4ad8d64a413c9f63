package io.converge.replication.codec;

import io.converge.replication.wire.v1.Reject;
import java.util.Objects;

/**
 * Input from the wire was refused: it does not decode, breaks a rule of the protocol, or is too
 * large. Every decoder of this package throws it, and only it, for bad input; its {@link #reason()}
 * is what a replica sends back in a {@link Reject} (see {@link #toReject()}), and its message names
 * the offending value, for example {@code MALFORMED: version vector entries must be sorted by
 * replica without duplicates: entry 1 replica="a" after "b"}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class WireException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why input was refused; mirrors {@link Reject.Reason} constant by constant. */
  public enum Reason {
    /**
     * The input does not decode or breaks a rule of the protocol: truncated or garbage bytes, an
     * unsorted or duplicated entry, a counter of 0, a bad replica id, malformed UTF-8, ...
     */
    MALFORMED(Reject.Reason.MALFORMED),
    /** The input is larger than the {@link WireLimits} allow: bytes, elements or replicas. */
    OVERSIZED(Reject.Reason.OVERSIZED),
    /** The peer speaks no protocol revision this replica supports. */
    UNKNOWN_VERSION(Reject.Reason.UNKNOWN_VERSION),
    /** A timestamp is further ahead of the local clock than the allowed offset. */
    CLOCK_OFFSET(Reject.Reason.CLOCK_OFFSET),
    /** A key arrived with another CRDT type than the one it has here. */
    TYPE_MISMATCH(Reject.Reason.TYPE_MISMATCH),
    /** The peer is not a member of this cluster, or not the replica it claims to be. */
    UNTRUSTED_PEER(Reject.Reason.UNTRUSTED_PEER),
    /**
     * A counter (a dot's, a version vector's or causal context's entry, a counter's per-replica
     * count) beyond {@value io.converge.replication.codec.Clocks#MAX_COUNTER}, so far beyond any
     * replica's real history that it can only be forged or corrupt (and near enough to overflow to
     * leave a replica unable to write).
     */
    COUNTER_RANGE(Reject.Reason.COUNTER_RANGE),
    /**
     * A delta carries an event of another replica than its sender: deltas are sent only by the
     * replica that made them, so this one is forged.
     */
    FORGED_EVENT(Reject.Reason.FORGED_EVENT),
    /** The first envelope of a stream was not a handshake. */
    NO_HANDSHAKE(Reject.Reason.NO_HANDSHAKE),
    /** A second handshake on one connection, with another incarnation; nothing was reset. */
    REPEATED_HANDSHAKE(Reject.Reason.REPEATED_HANDSHAKE),
    /** A handshake with an older incarnation than one already seen from that peer. */
    STALE_INCARNATION(Reject.Reason.STALE_INCARNATION),
    /** A stream from a peer that, by the dialling rule, does not dial this replica. */
    WRONG_DIALLER(Reject.Reason.WRONG_DIALLER),
    /** A second stream from a peer that already has a live one on another connection. */
    DUPLICATE_STREAM(Reject.Reason.DUPLICATE_STREAM),
    /** A connection beyond the transport's bound on open connections. */
    CONNECTION_LIMIT(Reject.Reason.CONNECTION_LIMIT),
    /** A connection or stream that did not complete its handshake within the deadline. */
    HANDSHAKE_TIMEOUT(Reject.Reason.HANDSHAKE_TIMEOUT);

    private final Reject.Reason wire;

    Reason(Reject.Reason wire) {
      this.wire = wire;
    }

    /**
     * Returns the {@link Reject.Reason} with the same name.
     *
     * @return the wire constant, never {@code REASON_UNSPECIFIED}
     */
    public Reject.Reason toWire() {
      return wire;
    }

    /**
     * Returns the reason of a received {@link Reject}. {@code REASON_UNSPECIFIED} and constants of
     * a newer protocol revision that this one does not know are read as {@link #MALFORMED}.
     *
     * @param wire the received reason
     * @return the reason, never null
     * @throws NullPointerException if {@code wire} is null
     */
    public static Reason fromWire(Reject.Reason wire) {
      Objects.requireNonNull(wire, "wire");
      for (Reason r : values()) {
        if (r.wire == wire) {
          return r;
        }
      }
      return MALFORMED;
    }
  }

  private final Reason reason;
  private final String detail;

  /**
   * Makes an exception.
   *
   * @param reason why the input was refused
   * @param detail what was wrong, naming the offending value; the message is {@code reason + ": " +
   *     detail}
   * @throws NullPointerException if an argument is null
   */
  public WireException(Reason reason, String detail) {
    this(reason, detail, null);
  }

  /**
   * Makes an exception with a cause.
   *
   * @param reason why the input was refused
   * @param detail what was wrong, naming the offending value; the message is {@code reason + ": " +
   *     detail}
   * @param cause the exception that revealed the problem, or null
   * @throws NullPointerException if {@code reason} or {@code detail} is null
   */
  public WireException(Reason reason, String detail, Throwable cause) {
    super(
        Objects.requireNonNull(reason, "reason") + ": " + Objects.requireNonNull(detail, "detail"),
        cause);
    this.reason = reason;
    this.detail = detail;
  }

  /**
   * Returns why the input was refused.
   *
   * @return the reason, never null
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Returns what was wrong: the message without the reason in front.
   *
   * @return the detail, never null
   */
  public String detail() {
    return detail;
  }

  /**
   * Returns the {@link Reject} to send to the peer whose input this was: this reason and {@link
   * #detail()}.
   *
   * @return a new {@code Reject} message
   */
  public Reject toReject() {
    return Reject.newBuilder().setReason(reason.toWire()).setDetail(detail).build();
  }
}
