package io.converge.crdt;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.ReplicaId;
import java.util.Arrays;
import java.util.List;

/**
 * An enable-wins flag (Almeida, Shoker, Baquero, "Delta State Replicated Data Types", 2018): a
 * boolean that starts disabled; when an enable and a disable are concurrent, <b>enable wins</b>.
 *
 * <p>Each enable is a write named by a dot; a disable removes the enables it has seen, so an enable
 * it has not seen survives. Costs: O(enables kept) plus O(replicas), normally one enable.
 *
 * <p>This class is immutable and thread-safe.
 */
public final class EWFlag extends Causal<EWFlag> {

  private static final EWFlag EMPTY = new EWFlag(NO_DOTS, CausalContext.empty(), null);

  private final Dot[] enables;

  private EWFlag(Dot[] enables, CausalContext context, EWFlag pending) {
    super(context, pending);
    this.enables = enables;
  }

  /**
   * Returns a disabled flag.
   *
   * @return the initial flag
   */
  public static EWFlag disabled() {
    return EMPTY;
  }

  /**
   * Returns this flag enabled by {@code replica}.
   *
   * @param replica the replica making the change
   * @return the enabled flag
   * @throws NullPointerException if {@code replica} is null
   */
  public EWFlag enable(ReplicaId replica) {
    Dot dot = context.nextDot(requireReplica(replica));
    return apply(new EWFlag(new Dot[] {dot}, eventContext(dots(), dot), null));
  }

  /**
   * Returns this flag disabled by {@code replica}: the enables it has seen are removed, and a
   * concurrent enable elsewhere wins.
   *
   * @param replica the replica making the change
   * @return the disabled flag, or {@code this} if it is already disabled
   * @throws NullPointerException if {@code replica} is null
   */
  public EWFlag disable(ReplicaId replica) {
    requireReplica(replica);
    if (enables.length == 0) {
      return this;
    }
    return apply(new EWFlag(NO_DOTS, eventContext(dots(), context.nextDot(replica)), null));
  }

  /**
   * Returns whether the flag is enabled.
   *
   * @return true if some enable is live
   */
  public boolean isEnabled() {
    return enables.length > 0;
  }

  /** Returns true when the flag is disabled: a disabled flag holds no write. */
  @Override
  public boolean isEmpty() {
    return enables.length == 0;
  }

  @Override
  EWFlag with(CausalContext newContext, boolean keepDelta, EWFlag newPending) {
    return new EWFlag(enables, newContext, newPending);
  }

  @Override
  boolean isDelta() {
    return false;
  }

  @Override
  void collectDots(List<Dot> out) {
    out.addAll(Arrays.asList(enables));
  }

  @Override
  EWFlag joinStores(EWFlag other, CausalContext mine, CausalContext theirs, CausalContext result) {
    return new EWFlag(joinDots(enables, mine, other.enables, theirs), result, null);
  }

  /** Compares the live enables and the context; the pending delta is not part of the state. */
  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof EWFlag
            && context.equals(((EWFlag) o).context)
            && Arrays.equals(enables, ((EWFlag) o).enables));
  }

  @Override
  public int hashCode() {
    return 31 * context.hashCode() + Arrays.hashCode(enables);
  }

  /** Returns {@code EWFlag[true]} or {@code EWFlag[false]}. */
  @Override
  public String toString() {
    return "EWFlag[" + isEnabled() + "]";
  }

  Dot[] enablesForWire() {
    return enables;
  }

  static EWFlag fromWire(Dot[] enables, CausalContext context) {
    return new EWFlag(enables, context, null);
  }
}
