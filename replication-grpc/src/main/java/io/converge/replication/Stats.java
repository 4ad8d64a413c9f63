package io.converge.replication;

import io.converge.replication.codec.WireException;
import java.util.Map;

/**
 * The counters of a replica since it started. An immutable snapshot.
 *
 * @param deltasSent deltas sent to peers, resends included
 * @param deltasReceived deltas received from peers and applied (duplicates not counted)
 * @param fullStatesSent full states sent by anti-entropy (one per key, however many chunks)
 * @param fullStatesReceived full states received, reassembled and merged
 * @param digestRounds digest requests this replica sent
 * @param oversizedDeltas local deltas too large for one message of the transport, which were not
 *     sent as deltas: anti-entropy ships those keys' full states, in chunks
 * @param rejected messages this replica refused, by reason (every reason present, zero or more)
 * @param rejectsReceived rejects this replica's peers sent it, by reason (every reason present)
 * @param listenerErrors subscriber calls that threw (caught, logged, never propagated to the
 *     writer)
 */
public record Stats(
    long deltasSent,
    long deltasReceived,
    long fullStatesSent,
    long fullStatesReceived,
    long digestRounds,
    long oversizedDeltas,
    Map<WireException.Reason, Long> rejected,
    Map<WireException.Reason, Long> rejectsReceived,
    long listenerErrors) {

  /**
   * Copies the maps.
   *
   * @param deltasSent deltas sent to peers, resends included
   * @param deltasReceived deltas received from peers and applied
   * @param fullStatesSent full states sent by anti-entropy
   * @param fullStatesReceived full states received and merged
   * @param digestRounds digest requests sent
   * @param oversizedDeltas local deltas too large to send as deltas
   * @param rejected messages refused, by reason
   * @param rejectsReceived rejects received, by reason
   * @param listenerErrors subscriber calls that threw
   * @throws NullPointerException if a map is null
   */
  public Stats {
    rejected = Map.copyOf(rejected);
    rejectsReceived = Map.copyOf(rejectsReceived);
  }

  /**
   * Returns how many messages this replica refused for one reason.
   *
   * @param reason the reason
   * @return the count
   */
  public long rejected(WireException.Reason reason) {
    return rejected.getOrDefault(reason, 0L);
  }
}
