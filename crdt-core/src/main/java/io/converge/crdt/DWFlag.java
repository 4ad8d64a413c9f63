package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.util.Arrays;
import java.util.List;

/**
 * A disable-wins flag: a boolean that starts disabled; when an enable and a disable are concurrent,
 * <b>disable wins</b> (the dual of {@link EWFlag}; Almeida, Shoker, Baquero, "Delta State
 * Replicated Data Types", 2018).
 *
 * <p>Enables and disables are both writes named by dots, and each removes every write its replica
 * has seen. The flag is enabled when some enable is live and no disable is: a concurrent disable
 * that the enabler had not seen keeps it disabled. Costs: O(writes kept) plus O(replicas).
 *
 * <p>This class is immutable and thread-safe.
 */
public final class DWFlag extends Causal<DWFlag> {

  private static final DWFlag EMPTY = new DWFlag(NO_DOTS, NO_DOTS, CausalContext.empty(), null);

  private final Dot[] enables;
  private final Dot[] disables;

  private DWFlag(Dot[] enables, Dot[] disables, CausalContext context, DWFlag pending) {
    super(context, pending);
    this.enables = enables;
    this.disables = disables;
  }

  /**
   * Returns a disabled flag.
   *
   * @return the initial flag
   */
  public static DWFlag disabled() {
    return EMPTY;
  }

  /**
   * Returns this flag enabled by {@code replica}; a concurrent disable elsewhere wins.
   *
   * @param replica the replica making the change
   * @return the new flag
   * @throws NullPointerException if {@code replica} is null
   */
  public DWFlag enable(ReplicaId replica) {
    Dot dot = context.nextDot(requireReplica(replica));
    return apply(new DWFlag(new Dot[] {dot}, NO_DOTS, eventContext(dots(), dot), null));
  }

  /**
   * Returns this flag disabled by {@code replica}; it wins against any enable it has not seen.
   *
   * @param replica the replica making the change
   * @return the new flag
   * @throws NullPointerException if {@code replica} is null
   */
  public DWFlag disable(ReplicaId replica) {
    Dot dot = context.nextDot(requireReplica(replica));
    return apply(new DWFlag(NO_DOTS, new Dot[] {dot}, eventContext(dots(), dot), null));
  }

  /**
   * Returns whether the flag is enabled.
   *
   * @return true if an enable is live and no disable is
   */
  public boolean isEnabled() {
    return enables.length > 0 && disables.length == 0;
  }

  /** Returns true when no enable or disable is live (the initial, disabled state). */
  @Override
  public boolean isEmpty() {
    return enables.length == 0 && disables.length == 0;
  }

  @Override
  DWFlag with(CausalContext newContext, boolean keepDelta, DWFlag newPending) {
    return new DWFlag(enables, disables, newContext, newPending);
  }

  @Override
  boolean isDelta() {
    return false;
  }

  @Override
  void collectDots(List<Dot> out) {
    out.addAll(Arrays.asList(enables));
    out.addAll(Arrays.asList(disables));
  }

  @Override
  DWFlag joinStores(DWFlag other, CausalContext mine, CausalContext theirs, CausalContext result) {
    return new DWFlag(
        joinDots(enables, mine, other.enables, theirs),
        joinDots(disables, mine, other.disables, theirs),
        result,
        null);
  }

  /** Compares the live writes and the context; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof DWFlag)) {
      return false;
    }
    DWFlag that = (DWFlag) o;
    return context.equals(that.context)
        && Arrays.equals(enables, that.enables)
        && Arrays.equals(disables, that.disables);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * context.hashCode() + Arrays.hashCode(enables)) + Arrays.hashCode(disables);
  }

  /** Returns {@code DWFlag[true]} or {@code DWFlag[false]}. */
  @Override
  public String toString() {
    return "DWFlag[" + isEnabled() + "]";
  }

  Dot[] enablesForWire() {
    return enables;
  }

  Dot[] disablesForWire() {
    return disables;
  }

  static DWFlag fromWire(Dot[] enables, Dot[] disables, CausalContext context) {
    return new DWFlag(enables, disables, context, null);
  }
}
