package io.converge.crdt.testkit;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.util.Objects;
import java.util.Optional;
import org.quicktheories.core.Gen;

/**
 * A broken register: merge keeps whatever was merged last, so {@code a.merge(b)} is {@code b} and
 * {@code b.merge(a)} is {@code a}. Replicas that receive the same writes in different orders
 * disagree.
 */
final class LastMergedWinsRegister implements DeltaCrdt<LastMergedWinsRegister> {

  /** Writes a value; a record, so its payload is itself. */
  record Write(String value) implements Operation<LastMergedWinsRegister> {
    @Override
    public LastMergedWinsRegister apply(ReplicaId replica, LastMergedWinsRegister state) {
      return state.write(value);
    }

    @Override
    public String toString() {
      return "write(\"" + value + "\")";
    }
  }

  private final String value;
  private final LastMergedWinsRegister delta;

  private LastMergedWinsRegister(String value, LastMergedWinsRegister delta) {
    this.value = value;
    this.delta = delta;
  }

  static LastMergedWinsRegister empty() {
    return new LastMergedWinsRegister("", null);
  }

  static Gen<Operation<LastMergedWinsRegister>> writes() {
    return Generators.smallStrings().map(Write::new);
  }

  LastMergedWinsRegister write(String v) {
    return new LastMergedWinsRegister(v, new LastMergedWinsRegister(v, null));
  }

  @Override
  public LastMergedWinsRegister merge(LastMergedWinsRegister other) {
    return new LastMergedWinsRegister(other.value, delta);
  }

  @Override
  public Optional<LastMergedWinsRegister> delta() {
    return Optional.ofNullable(delta);
  }

  @Override
  public LastMergedWinsRegister resetDelta() {
    return delta == null ? this : new LastMergedWinsRegister(value, null);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LastMergedWinsRegister && value.equals(((LastMergedWinsRegister) o).value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(value);
  }

  @Override
  public String toString() {
    return "\"" + value + "\"";
  }
}
