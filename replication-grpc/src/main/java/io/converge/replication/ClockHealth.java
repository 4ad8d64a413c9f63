package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.util.Objects;
import java.util.Set;

/**
 * Whether this replica's clock agrees with its cluster's, as seen from the messages it exchanges.
 *
 * <p>A peer <i>disagrees</i> when the latest evidence about it says that one of the two clocks is
 * beyond the maximum clock offset of the other: this replica refused the peer's timestamp ({@code
 * CLOCK_OFFSET}, the peer is ahead), or the peer refused this replica's (a {@code Reject
 * CLOCK_OFFSET} came back, this replica is ahead), and no message accepted since in that direction
 * (a later envelope of the peer that passed, or a later acknowledgement or digest response of the
 * peer to this replica's messages) says otherwise. The replica is <i>fenced</i> when more than half
 * of its configured peers disagree: it is then the odd one out, as in CockroachDB's maximum-offset
 * rule. With three replicas and one clock 5 s off, the skewed one disagrees with both peers and is
 * fenced, while each of the two others disagrees with one peer of two and is not.
 *
 * <p>With two replicas no majority can tell which clock is wrong: each disagrees with its only
 * peer, and <b>both</b> are fenced until the clocks agree (safe: neither mints a timestamp that
 * could beat the other's later writes). Choose {@link ClockSkewPolicy#REPORT} to keep writing in
 * that case. A peer that is not connected gives no evidence either way.
 *
 * <p>This record is immutable.
 *
 * @param fenced whether more than half of the configured peers disagree
 * @param reason why the replica is fenced, naming the peers and the maximum offset; empty when not
 *     fenced
 * @param disagreeing the peers whose clocks currently disagree with this replica's
 * @param peers how many peers this replica is configured with
 * @param refusesWrites whether writes are refused now: fenced, under {@link ClockSkewPolicy#FENCE}
 */
public record ClockHealth(
    boolean fenced, String reason, Set<ReplicaId> disagreeing, int peers, boolean refusesWrites) {

  /**
   * Makes a clock health.
   *
   * @param fenced whether more than half of the configured peers disagree
   * @param reason why the replica is fenced; empty when not fenced
   * @param disagreeing the peers whose clocks currently disagree
   * @param peers how many peers the replica is configured with
   * @param refusesWrites whether writes are refused now
   * @throws NullPointerException if {@code reason} or {@code disagreeing} is null
   */
  public ClockHealth {
    Objects.requireNonNull(reason, "reason");
    disagreeing = Set.copyOf(disagreeing);
  }
}
