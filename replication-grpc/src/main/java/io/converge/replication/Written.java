package io.converge.replication;

import java.util.Objects;

/**
 * The outcome of a {@link Replica#write}: the key's new value on the writing replica, and the
 * write's causal token, to read the write back in any region.
 *
 * @param value the new value, as {@link Replica#update} returns it
 * @param token the write's token; {@linkplain CausalToken#empty() empty} if the mutation produced
 *     no delta (nothing was written)
 * @param <T> the CRDT type
 */
public record Written<T>(T value, CausalToken token) {

  /**
   * Checks the components.
   *
   * @param value the new value
   * @param token the write's token
   * @throws NullPointerException if an argument is null
   */
  public Written {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(token, "token");
  }
}
