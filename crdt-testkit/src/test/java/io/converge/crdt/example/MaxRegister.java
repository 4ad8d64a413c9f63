package io.converge.crdt.example;

import io.converge.crdt.DeltaCrdt;
import java.util.Optional;

/** A user's own CRDT, as in the README: the largest value ever offered; merge takes the maximum. */
final class MaxRegister implements DeltaCrdt<MaxRegister> {
  private final long value;
  private final MaxRegister delta;

  private MaxRegister(long value, MaxRegister delta) {
    this.value = value;
    this.delta = delta;
  }

  static MaxRegister empty() {
    return new MaxRegister(Long.MIN_VALUE, null);
  }

  MaxRegister offer(long candidate) {
    if (candidate <= value) {
      return this;
    }
    MaxRegister d = new MaxRegister(candidate, null);
    return new MaxRegister(candidate, delta == null ? d : delta.merge(d));
  }

  long value() {
    return value;
  }

  @Override
  public MaxRegister merge(MaxRegister other) {
    return other.value > value ? new MaxRegister(other.value, delta) : this;
  }

  @Override
  public Optional<MaxRegister> delta() {
    return Optional.ofNullable(delta);
  }

  @Override
  public MaxRegister resetDelta() {
    return delta == null ? this : new MaxRegister(value, null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MaxRegister && ((MaxRegister) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  @Override
  public String toString() {
    return "MaxRegister[" + value + "]";
  }
}
