package io.converge.crdt;

import io.converge.crdt.testkit.BuiltInGenerators;
import io.converge.crdt.testkit.CrdtLaws;
import io.converge.crdt.testkit.Event;
import io.converge.crdt.testkit.Specification;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link EWFlag} and {@link DWFlag}: joins with faithful deltas that converge, whatever the
 * delivery order, and with causal delivery to enable-wins and disable-wins respectively.
 */
final class FlagProperties {

  /** Enable wins: enabled iff some enable was seen by no disable. */
  static Specification<EWFlag, Boolean> enableWins() {
    return Specification.of(
        history ->
            history.stream()
                .anyMatch(
                    enable ->
                        Histories.is(enable, BuiltInGenerators.ENABLE)
                            && !Histories.seenByAny(
                                history, enable, x -> Histories.is(x, BuiltInGenerators.DISABLE))),
        EWFlag::isEnabled);
  }

  /**
   * Disable wins: every enable and disable overwrites what its replica has seen, so the live ones
   * are those no other event has seen; enabled iff some enable is live and no disable is.
   */
  static Specification<DWFlag, Boolean> disableWins() {
    return Specification.of(
        history ->
            anyLive(history, BuiltInGenerators.ENABLE)
                && !anyLive(history, BuiltInGenerators.DISABLE),
        DWFlag::isEnabled);
  }

  private static boolean anyLive(List<Event<DWFlag>> history, String payload) {
    return history.stream().anyMatch(e -> Histories.is(e, payload) && Histories.unseen(history, e));
  }

  @Test
  void ewFlag_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(EWFlag.disabled(), BuiltInGenerators.ewFlag());
  }

  @Test
  void ewFlag_causalDelivery_convergesToEnableWins() {
    Histories.causalRuns(EWFlag.disabled(), BuiltInGenerators.ewFlag())
        .specification(enableWins())
        .build()
        .check();
  }

  @Test
  void ewFlag_anyDeliveryOrder_converges() {
    Histories.anyOrderRuns(EWFlag.disabled(), BuiltInGenerators.ewFlag()).build().check();
  }

  @Test
  void dwFlag_randomHistories_obeysLatticeAndDeltaLaws() {
    CrdtLaws.checkAll(DWFlag.disabled(), BuiltInGenerators.dwFlag());
  }

  @Test
  void dwFlag_causalDelivery_convergesToDisableWins() {
    Histories.causalRuns(DWFlag.disabled(), BuiltInGenerators.dwFlag())
        .specification(disableWins())
        .build()
        .check();
  }

  @Test
  void dwFlag_anyDeliveryOrder_converges() {
    Histories.anyOrderRuns(DWFlag.disabled(), BuiltInGenerators.dwFlag()).build().check();
  }
}
