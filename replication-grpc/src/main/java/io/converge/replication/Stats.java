package io.converge.replication;

import io.converge.replication.codec.WireException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

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
 * @param fullStatesOversized full states of a key over this replica's limit ({@link
 *     Replica.Builder#maxKeyBytes}, or the key codec's {@link
 *     io.converge.replication.codec.WireLimits}): from a peer, refused for that key alone (also
 *     counted in {@code rejected} as {@code OVERSIZED}; the link goes on, and the peer does not
 *     send that version again); or of this replica's own state, which its codec cannot encode, so
 *     anti-entropy can neither compare nor send it
 * @param oversizedKeys the keys of the last such full states (at most 100, in the order they were
 *     last refused), for a health check to name: a key leaves the set when a full state of it is
 *     next accepted
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
    long listenerErrors,
    long fullStatesOversized,
    Set<String> oversizedKeys) {

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
   * @param fullStatesOversized full states over a limit of this replica
   * @param oversizedKeys the keys of the last of them, copied (iteration order kept)
   * @throws NullPointerException if a map or the set is null
   */
  public Stats {
    rejected = Map.copyOf(rejected);
    rejectsReceived = Map.copyOf(rejectsReceived);
    oversizedKeys = Collections.unmodifiableSet(new LinkedHashSet<>(oversizedKeys));
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
