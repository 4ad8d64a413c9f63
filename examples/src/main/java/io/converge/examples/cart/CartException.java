package io.converge.examples.cart;

/**
 * A cart request that cannot be served as asked: bad input (a user id, item id, quantity or address
 * that breaks the cart's rules) or a full cart. The message names the bad value; nothing was
 * written.
 */
public final class CartException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** What kind of refusal this is, which decides the HTTP status. */
  public enum Kind {
    /** The request breaks a rule of the cart's input (HTTP 400). */
    INVALID,
    /** The request is valid but the cart cannot take it now, e.g. it is full (HTTP 409). */
    CONFLICT
  }

  private final Kind kind;

  /**
   * Creates the exception.
   *
   * @param kind what kind of refusal
   * @param message what was refused, naming the bad value
   */
  public CartException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  static CartException invalid(String message) {
    return new CartException(Kind.INVALID, message);
  }

  /**
   * Returns what kind of refusal this is.
   *
   * @return the kind
   */
  public Kind kind() {
    return kind;
  }
}
