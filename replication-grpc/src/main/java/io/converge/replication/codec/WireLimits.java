package io.converge.replication.codec;

/**
 * How large an input the decoders of this package accept; anything larger is refused with {@link
 * WireException.Reason#OVERSIZED} before it is parsed or built, so that a peer cannot make this
 * replica allocate without bound. Encoders check the same limits, so that a state a peer with the
 * same limits would refuse fails at the sender, where it can be noticed, instead of on the wire.
 *
 * <p>The limits bound one encoded message of this package: one state or delta (a {@code
 * KeyedDelta.payload}, or the reassembled payload of a full state's chunks) or one envelope.
 *
 * <p>This class is immutable and thread-safe. Start from {@link #defaults()} and change one limit
 * at a time with the {@code withX} methods, which return copies:
 *
 * <pre>{@code
 * WireLimits limits = WireLimits.defaults().withMaxElements(10_000);
 * }</pre>
 *
 * @param maxMessageBytes the largest encoded message, in bytes, at least 1
 * @param maxElements the most elements in one state (set elements, dots of a causal context's
 *     cloud), at least 1
 * @param maxReplicas the most entries in one version vector, at least 1
 */
public record WireLimits(int maxMessageBytes, int maxElements, int maxReplicas) {

  /** The default {@link #maxMessageBytes()}: 4 MiB, gRPC's default maximum inbound message. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

  /**
   * The default {@link #maxElements()}: one million, about as many small elements as fit in {@link
   * #DEFAULT_MAX_MESSAGE_BYTES}.
   */
  public static final int DEFAULT_MAX_ELEMENTS = 1_000_000;

  /**
   * The default {@link #maxReplicas()}: 1024, far more replicas (regions) than a cluster has, yet a
   * bound on what one vector can cost.
   */
  public static final int DEFAULT_MAX_REPLICAS = 1024;

  private static final WireLimits DEFAULTS =
      new WireLimits(DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_MAX_ELEMENTS, DEFAULT_MAX_REPLICAS);

  /**
   * Makes limits.
   *
   * @param maxMessageBytes the largest encoded message, in bytes, at least 1
   * @param maxElements the most elements in one state, at least 1
   * @param maxReplicas the most entries in one version vector, at least 1
   * @throws IllegalArgumentException if a limit is less than 1; the message names it
   */
  public WireLimits {
    checkPositive("maxMessageBytes", maxMessageBytes);
    checkPositive("maxElements", maxElements);
    checkPositive("maxReplicas", maxReplicas);
  }

  private static void checkPositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("wire limit must be >= 1: " + name + "=" + value);
    }
  }

  /**
   * Returns the default limits: {@value #DEFAULT_MAX_MESSAGE_BYTES} bytes, {@value
   * #DEFAULT_MAX_ELEMENTS} elements, {@value #DEFAULT_MAX_REPLICAS} replicas.
   *
   * @return the default limits
   */
  public static WireLimits defaults() {
    return DEFAULTS;
  }

  /**
   * Returns these limits with another {@link #maxMessageBytes()}.
   *
   * @param bytes the largest encoded message, in bytes, at least 1
   * @return the new limits
   * @throws IllegalArgumentException if {@code bytes} is less than 1
   */
  public WireLimits withMaxMessageBytes(int bytes) {
    return new WireLimits(bytes, maxElements, maxReplicas);
  }

  /**
   * Returns these limits with another {@link #maxElements()}.
   *
   * @param elements the most elements in one state, at least 1
   * @return the new limits
   * @throws IllegalArgumentException if {@code elements} is less than 1
   */
  public WireLimits withMaxElements(int elements) {
    return new WireLimits(maxMessageBytes, elements, maxReplicas);
  }

  /**
   * Returns these limits with another {@link #maxReplicas()}.
   *
   * @param replicas the most entries in one version vector, at least 1
   * @return the new limits
   * @throws IllegalArgumentException if {@code replicas} is less than 1
   */
  public WireLimits withMaxReplicas(int replicas) {
    return new WireLimits(maxMessageBytes, maxElements, replicas);
  }

  /**
   * Refuses {@code bytes} of a {@code what} if longer than {@link #maxMessageBytes()}.
   *
   * @param what the message, for the exception's message
   */
  void checkMessageBytes(String what, int bytes) {
    if (bytes > maxMessageBytes) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          what + " is " + bytes + " bytes, more than maxMessageBytes=" + maxMessageBytes);
    }
  }

  /**
   * Refuses {@code count} elements in {@code what} if more than {@link #maxElements()}.
   *
   * @param what where the elements are, for the exception's message
   */
  void checkElements(String what, int count) {
    if (count > maxElements) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          what + " has " + count + " elements, more than maxElements=" + maxElements);
    }
  }

  /**
   * Refuses {@code count} entries in the version vector {@code what} if more than {@link
   * #maxReplicas()}.
   *
   * @param what where the vector is, for the exception's message
   */
  void checkReplicas(String what, int count) {
    if (count > maxReplicas) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          what + " has " + count + " replica entries, more than maxReplicas=" + maxReplicas);
    }
  }
}
