package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.WireException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The Micrometer meters of one replication engine (see {@link Replica} for the list). Meters are
 * registered as the engine meets peers, and removed from the registry by {@link #close()}.
 */
final class EngineMeters {

  static final String LAG = "converge.replication.lag";
  static final String DELTAS_SENT = "converge.deltas.sent";
  static final String DELTAS_RECEIVED = "converge.deltas.received";
  static final String BYTES_SENT = "converge.bytes.sent";
  static final String BYTES_RECEIVED = "converge.bytes.received";
  static final String FULLSTATE_SENT = "converge.fullstate.sent";
  static final String FULLSTATE_RECEIVED = "converge.fullstate.received";
  static final String DIGEST_ROUNDS = "converge.digest.rounds";
  static final String REJECTED = "converge.rejected";
  static final String DELTAS_PENDING = "converge.deltas.pending";
  static final String CLOCK_FENCED = "converge.clock.fenced";
  static final String LISTENER_ERRORS = "converge.listener.errors";
  static final String STORE_COMMITS = "converge.store.commits";
  static final String STORE_FAILED = "converge.store.failed";
  static final String CLOCK_DISAGREEING = "converge.clock.disagreeing";
  static final String FULLSTATE_OVERSIZED = "converge.fullstate.oversized";

  private final MeterRegistry registry;
  private final Tags base;
  private final EnumMap<WireException.Reason, Counter> rejectedReceived =
      new EnumMap<>(WireException.Reason.class);
  private final EnumMap<WireException.Reason, Counter> rejectedSent =
      new EnumMap<>(WireException.Reason.class);
  private final List<Meter> meters = new ArrayList<>();
  private final Counter fullStateOversized;

  EngineMeters(MeterRegistry registry, ReplicaId self) {
    this.registry = registry;
    this.base = Tags.of("replica", self.name());
    for (WireException.Reason reason : WireException.Reason.values()) {
      rejectedReceived.put(reason, rejectCounter(reason, "received"));
      rejectedSent.put(reason, rejectCounter(reason, "sent"));
    }
    this.fullStateOversized =
        counter(
            FULLSTATE_OVERSIZED,
            "Full states of a key over this replica's limit (maxKeyBytes, or the key codec's),"
                + " refused for that key alone",
            base);
  }

  /** Counts a full state over a limit of this replica. */
  void fullStateOversized() {
    fullStateOversized.increment();
  }

  private Counter rejectCounter(WireException.Reason reason, String direction) {
    return remember(
        Counter.builder(REJECTED)
            .description(
                "Messages refused: by this replica (received) or by its peers (sent), by reason")
            .tags(base)
            .tag("reason", reason.name())
            .tag("direction", direction)
            .register(registry));
  }

  private <M extends Meter> M remember(M meter) {
    synchronized (meters) {
      meters.add(meter);
    }
    return meter;
  }

  /** Counts a message this replica refused. */
  void rejectedReceived(WireException.Reason reason) {
    rejectedReceived.get(reason).increment();
  }

  /** Counts a reject a peer sent about a message of this replica. */
  void rejectedSent(WireException.Reason reason) {
    rejectedSent.get(reason).increment();
  }

  /** Registers the counter of subscriber calls that threw. */
  <T> void listenerErrors(T owner, ToDoubleFunction<T> errors) {
    remember(
        FunctionCounter.builder(LISTENER_ERRORS, owner, errors)
            .description("Subscriber calls that threw (caught and logged; the change is applied)")
            .tags(base)
            .register(registry));
  }

  /**
   * Registers the store's meters: group commits done (each one append and one fsync for every
   * change queued meanwhile) and whether the store failed (1: changes are applied in memory only).
   */
  <T> void storeMeters(T owner, ToDoubleFunction<T> commits, ToDoubleFunction<T> failed) {
    remember(
        FunctionCounter.builder(STORE_COMMITS, owner, commits)
            .description("Group commits of the store: one append and one fsync each")
            .tags(base)
            .register(registry));
    remember(
        Gauge.builder(STORE_FAILED, owner, failed)
            .description(
                "1 once the store failed (a failed fsync is final): changes are applied in memory"
                    + " only and none is acknowledged or sent, else 0")
            .tags(base)
            .strongReference(true)
            .register(registry));
  }

  /**
   * Registers the clock fence gauges: whether the replica is fenced (1 or 0) and how many peers'
   * clocks disagree with its own.
   */
  <T> void clockGauges(T owner, ToDoubleFunction<T> fenced, ToDoubleFunction<T> disagreeing) {
    remember(
        Gauge.builder(CLOCK_FENCED, owner, fenced)
            .description(
                "1 while this replica's clock disagrees beyond the maximum offset with a majority"
                    + " of its peers (fenced), else 0")
            .tags(base)
            .strongReference(true)
            .register(registry));
    remember(
        Gauge.builder(CLOCK_DISAGREEING, owner, disagreeing)
            .description(
                "Peers whose clocks disagree with this replica's beyond the maximum offset")
            .tags(base)
            .strongReference(true)
            .register(registry));
  }

  /**
   * Makes the meters of one peer.
   *
   * @param peer the peer
   * @param owner what the pending gauge reads
   * @param pending reads the number of pending deltas of the peer from the owner
   * @param <T> the owner's type
   * @return the peer's meters
   */
  <T> PeerMeters peer(ReplicaId peer, T owner, ToDoubleFunction<T> pending) {
    Tags tags = base.and("peer", peer.name());
    remember(
        Gauge.builder(DELTAS_PENDING, owner, pending)
            .description("This replica's deltas the peer has not acknowledged yet")
            .tags(tags)
            .strongReference(true)
            .register(registry));
    return new PeerMeters(
        remember(
            Timer.builder(LAG)
                .description(
                    "Time from a delta's origin (its HLC) to its application here, per origin peer")
                .tags(tags)
                .publishPercentileHistogram()
                .register(registry)),
        counter(DELTAS_SENT, "Deltas sent to the peer, resends included", tags),
        counter(DELTAS_RECEIVED, "Deltas received from the peer and applied", tags),
        counter(BYTES_SENT, "Serialized size of the envelopes sent to the peer", tags, "bytes"),
        counter(
            BYTES_RECEIVED,
            "Serialized size of the envelopes received from the peer",
            tags,
            "bytes"),
        counter(FULLSTATE_SENT, "Full states sent to the peer by anti-entropy", tags),
        counter(FULLSTATE_RECEIVED, "Full states received from the peer and merged", tags),
        counter(DIGEST_ROUNDS, "Digest requests sent to the peer", tags));
  }

  private Counter counter(String name, String description, Tags tags) {
    return remember(Counter.builder(name).description(description).tags(tags).register(registry));
  }

  private Counter counter(String name, String description, Tags tags, String unit) {
    return remember(
        Counter.builder(name)
            .description(description)
            .baseUnit(unit)
            .tags(tags)
            .register(registry));
  }

  /** Removes every meter of this engine from the registry. */
  void close() {
    synchronized (meters) {
      for (Meter meter : meters) {
        registry.remove(meter);
      }
      meters.clear();
    }
  }

  /** The meters of one peer. */
  record PeerMeters(
      Timer lag,
      Counter deltasSent,
      Counter deltasReceived,
      Counter bytesSent,
      Counter bytesReceived,
      Counter fullStatesSent,
      Counter fullStatesReceived,
      Counter digestRounds) {

    void lag(long millis) {
      lag.record(Duration.ofMillis(millis).toNanos(), TimeUnit.NANOSECONDS);
    }
  }
}
