package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * An operation made by the factories of {@link Operation}: a description, a payload, a function.
 */
final class NamedOperation<T> implements Operation<T> {

  private final String description;
  private final Object payload;
  private final BiFunction<ReplicaId, T, T> mutation;

  NamedOperation(String description, Object payload, BiFunction<ReplicaId, T, T> mutation) {
    this.description = Objects.requireNonNull(description, "description");
    this.payload = Objects.requireNonNull(payload, "payload");
    this.mutation = Objects.requireNonNull(mutation, "mutation");
  }

  @Override
  public T apply(ReplicaId replica, T state) {
    return mutation.apply(replica, state);
  }

  @Override
  public Object payload() {
    return payload;
  }

  @Override
  public String toString() {
    return description;
  }
}
