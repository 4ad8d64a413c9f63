package io.converge.replication.transport;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.PhysicalClock;
import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The virtual time of an {@link InMemoryNetwork} read as wall clocks: the network's, its start time
 * plus the virtual time elapsed, and each replica's, skewed by a whole number of milliseconds that
 * may change at any time (see {@link InMemoryNetwork#clock(ReplicaId, java.time.Duration)}).
 *
 * <p>{@link #skewed} is called under the network's lock. The clocks read virtual time and the skews
 * without it: a replica reads its clock under its own lock, while the thread that drives the
 * network calls the replica under the network's lock.
 */
final class VirtualClocks {

  private static final long NANOS_PER_MILLI = 1_000_000L;

  private final long startMillis;
  private final EventQueue events;
  private final Map<ReplicaId, Long> skewMillis = new ConcurrentHashMap<>();

  VirtualClocks(long startMillis, EventQueue events) {
    this.startMillis = startMillis;
    this.events = events;
  }

  /** See {@link InMemoryNetwork#currentTimeMillis()}. */
  long currentTimeMillis() {
    return startMillis + events.nowNanos() / NANOS_PER_MILLI;
  }

  /** Under the network's lock: sets the skew of {@code id}, and returns its clock. */
  PhysicalClock skewed(ReplicaId id, Duration skew) {
    long millis = skew.toMillis();
    long reading = currentTimeMillis() + millis;
    if (reading < 0 || reading > HlcTimestamp.MAX_PHYSICAL) {
      throw new IllegalArgumentException(
          "skewed clock would read outside 0.."
              + HlcTimestamp.MAX_PHYSICAL
              + ": id="
              + id
              + ", skew="
              + skew
              + ", reading="
              + reading);
    }
    skewMillis.put(id, millis);
    return () -> currentTimeMillis() + skewMillis.get(id);
  }
}
