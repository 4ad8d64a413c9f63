package io.converge.replication.codec;

import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.converge.clocks.CausalContext;
import io.converge.crdt.CausalCrdt;
import java.util.Objects;

/**
 * What the causal codecs share: parsing with limits, the context (written for a top-level value,
 * refused for a bare store), and the translation of the {@link IllegalArgumentException} with which
 * {@code WireParts} refuses broken invariants into {@link WireException.Reason#MALFORMED}.
 *
 * <p>A subclass converts between a value and its message. For a top-level value the scope of its
 * dots is its own context; for a bare store (a value nested in a map) the context is empty and the
 * scope is the enclosing map's.
 *
 * @param <T> the causal CRDT type
 * @param <M> its state message
 */
abstract class AbstractCausalCodec<T extends CausalCrdt<T>, M extends MessageLite>
    implements CausalCodec<T> {

  /** The name of the state message, which starts every exception message. */
  final String message;

  final WireLimits limits;

  private final Parser<M> parser;

  AbstractCausalCodec(String message, Parser<M> parser, WireLimits limits) {
    this.message = message;
    this.parser = parser;
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /**
   * Returns the message of {@code value}: with its context unless {@code bare}; with the delta part
   * and closed flag of sets and maps unless {@code bare}.
   */
  abstract M toMessage(T value, boolean bare);

  /** Returns the context field of {@code m}. */
  abstract io.converge.replication.wire.v1.CausalContext contextOf(M m);

  /**
   * Builds the value of {@code m}, whose context field decoded to {@code context}, checking that
   * its dots lie in {@code scope}. A bare store must have no delta part and no closed flag.
   *
   * @throws WireException if the message breaks a rule this method checks
   * @throws IllegalArgumentException if {@code WireParts} refuses the parts
   */
  abstract T fromMessage(M m, CausalContext context, CausalContext scope, boolean bare);

  @Override
  public final byte[] encode(T state) {
    Objects.requireNonNull(state, "state");
    return Wire.serialize(toMessage(state, false), message, limits);
  }

  @Override
  public final byte[] encodeStore(T bareValue) {
    Objects.requireNonNull(bareValue, "bareValue");
    if (!bareValue.context().equals(CausalContext.empty())) {
      throw new IllegalArgumentException(
          "a value nested in a map is a bare store with an empty context: context="
              + bareValue.context()
              + ", value="
              + bareValue);
    }
    return Wire.serialize(toMessage(bareValue, true), message, limits);
  }

  @Override
  public final T decode(byte[] bytes) {
    M m = Wire.parse(bytes, parser, message, limits);
    CausalContext context = Clocks.causalContext(contextOf(m), limits, message + ".context");
    return build(m, context, context, false);
  }

  @Override
  public final T decodeStore(byte[] bytes, CausalContext scope) {
    Objects.requireNonNull(scope, "scope");
    M m = Wire.parse(bytes, parser, message, limits);
    CausalContext context = Clocks.causalContext(contextOf(m), limits, message + ".context");
    if (!context.equals(CausalContext.empty())) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          message
              + " nested in a map must be a bare store without a context of its own: context="
              + context);
    }
    return build(m, context, scope, true);
  }

  private T build(M m, CausalContext context, CausalContext scope, boolean bare) {
    try {
      return fromMessage(m, context, scope, bare);
    } catch (IllegalArgumentException e) {
      throw new WireException(WireException.Reason.MALFORMED, message + ": " + e.getMessage(), e);
    }
  }

  /** Refuses a delta part or closed flag on a bare store. */
  final void checkBare(boolean hasDelta, boolean closed) {
    if (hasDelta || closed) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          message
              + " nested in a map must be a bare store, without a delta part or the closed flag:"
              + " delta="
              + (hasDelta ? "present" : "absent")
              + ", closed="
              + closed);
    }
  }

  /** Refuses the closed flag on a delta: only a full state can be closed. */
  final void checkDeltaNotClosed(boolean hasDelta, boolean closed) {
    if (hasDelta && closed) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          message + " is a delta (delta is present) but closed=true; only a full state is closed");
    }
  }

  /** Returns the message of a top-level value's context, after checking it against the limits. */
  final io.converge.replication.wire.v1.CausalContext contextToWire(CausalContext context) {
    CausalWire.checkContext(limits, message + ".context", context);
    return Clocks.toWire(context);
  }
}
