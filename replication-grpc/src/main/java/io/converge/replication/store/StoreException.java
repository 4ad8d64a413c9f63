package io.converge.replication.store;

import java.util.Objects;

/**
 * A {@link DurableStore} cannot be opened or used: the directory is not a store, belongs to another
 * replica, has another format, is corrupt, is held by another process, or the disk failed. The
 * store never resets or reinitialises a directory to get past one of these; the operator decides.
 *
 * <p>The message names the directory and the offending value, for example {@code OTHER_REPLICA:
 * data directory /x belongs to replica us-east, not eu-west}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why the store failed. */
  public enum Reason {
    /** The directory is not empty and holds no store: it was never initialised over. */
    NOT_A_STORE,
    /** The store belongs to another replica than the one opening it. */
    OTHER_REPLICA,
    /** The store was written in a format version this code does not read. */
    INCOMPATIBLE_VERSION,
    /** Stored data fails its checksum or does not decode. */
    CORRUPT,
    /** Another process, or another instance in this process, has the store open. */
    LOCKED,
    /** Reading, writing or syncing failed. */
    IO
  }

  private final Reason reason;

  /**
   * Makes an exception whose message is {@code reason + ": " + detail}.
   *
   * @param reason why the store failed
   * @param detail what was wrong, naming the directory and the offending value
   * @throws NullPointerException if {@code reason} or {@code detail} is null
   */
  public StoreException(Reason reason, String detail) {
    this(reason, detail, null);
  }

  /**
   * Makes an exception whose message is {@code reason + ": " + detail}, with a cause.
   *
   * @param reason why the store failed
   * @param detail what was wrong, naming the directory and the offending value
   * @param cause the underlying exception, or null
   * @throws NullPointerException if {@code reason} or {@code detail} is null
   */
  public StoreException(Reason reason, String detail, Throwable cause) {
    super(
        Objects.requireNonNull(reason, "reason") + ": " + Objects.requireNonNull(detail, "detail"),
        cause);
    this.reason = reason;
  }

  /**
   * Returns why the store failed.
   *
   * @return the reason, never null
   */
  public Reason reason() {
    return reason;
  }
}
