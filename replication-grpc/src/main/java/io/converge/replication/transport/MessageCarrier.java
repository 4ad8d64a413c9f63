package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.Envelope;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Carries the messages of an {@link InMemoryNetwork} over its links, as bytes: decides the fate of
 * each accepted message from the network's random source (lost, or delivered once or twice, each
 * copy after its own delay, FIFO per route unless reordering), and at delivery reads the bytes
 * through the same code as the gRPC transport ({@link GrpcTransport#inbound}, with the same size
 * limit), so that every message a simulated replica receives went through the wire format and bytes
 * that do not parse are refused as a real peer would refuse them. Drops the copies in flight on a
 * link that goes down, and counts everything, per route and in total.
 *
 * <p>Guarded by the network's lock.
 */
final class MessageCarrier {

  /** A direction of a link: from a sender to a receiver. */
  record Route(ReplicaId from, ReplicaId to) implements Comparable<Route> {

    boolean isOn(Connectivity.Link link) {
      return (from.equals(link.a()) && to.equals(link.b()))
          || (from.equals(link.b()) && to.equals(link.a()));
    }

    @Override
    public int compareTo(Route o) {
      int c = from.compareTo(o.from);
      return c != 0 ? c : to.compareTo(o.to);
    }
  }

  /** Why copies in flight were dropped, for the counters. */
  enum Drop {
    PARTITION,
    CRASH
  }

  private final Topology topology;
  private final EventQueue events;
  private final Random random;
  private final long minDelayNanos;
  private final long maxDelayNanos;
  private final double loss;
  private final double duplication;
  private final boolean reorder;
  private final int maxMessageBytes;

  /** For FIFO links: the delivery time of the last copy sent on each route still in flight. */
  private final Map<Route, Long> lastDeliveryNanos = new HashMap<>();

  private final Counters total = new Counters();
  private final TreeMap<Route, Counters> routes = new TreeMap<>();

  /** The faults and the seed are read from {@code settings} now: see {@link NetworkSettings}. */
  MessageCarrier(Topology topology, EventQueue events, NetworkSettings settings) {
    this.topology = topology;
    this.events = events;
    this.random = new Random(settings.seed);
    this.minDelayNanos = settings.minDelayNanos;
    this.maxDelayNanos = settings.maxDelayNanos;
    this.loss = settings.loss;
    this.duplication = settings.duplication;
    this.reorder = settings.reorder;
    this.maxMessageBytes = settings.maxMessageBytes;
  }

  int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The faults and the size limit, for {@link InMemoryNetwork#toString()}. */
  String faults() {
    return "delay=["
        + Duration.ofNanos(minDelayNanos)
        + ", "
        + Duration.ofNanos(maxDelayNanos)
        + "], loss="
        + loss
        + ", duplication="
        + duplication
        + ", reorder="
        + reorder
        + ", maxMessageBytes="
        + maxMessageBytes;
  }

  /**
   * Sends an envelope on a route whose replicas are connected (or refuses it, counted, if not):
   * refused if larger than the maximum, as the gRPC transport refuses it; otherwise serialized.
   */
  boolean send(Route route, boolean connected, Envelope message) {
    Counters link = countersOf(route);
    if (!notRefused(link, connected)) {
      return false;
    }
    if (message.getSerializedSize() > maxMessageBytes) {
      total.oversized++;
      link.oversized++;
      return false;
    }
    return carry(route, link, message::toByteArray);
  }

  /** Sends raw bytes on a route, whatever their size or content (a broken or hostile peer). */
  boolean sendBytes(Route route, boolean connected, byte[] bytes) {
    Counters link = countersOf(route);
    return notRefused(link, connected) && carry(route, link, bytes::clone);
  }

  /** Counts a send refused because the replicas are not connected; false if refused. */
  private boolean notRefused(Counters link, boolean connected) {
    if (!connected) {
      total.refused++;
      link.refused++;
    }
    return connected;
  }

  private boolean carry(Route route, Counters link, Supplier<byte[]> wire) {
    total.sent++;
    link.sent++;
    boolean lost = random.nextDouble() < loss;
    boolean duplicated = random.nextDouble() < duplication;
    if (lost) {
      total.droppedLoss++;
      link.droppedLoss++;
      return true;
    }
    byte[] bytes = wire.get(); // shared by both copies: nobody writes to it
    enqueue(route, bytes);
    if (duplicated) {
      total.duplicated++;
      link.duplicated++;
      enqueue(route, bytes);
    }
    return true;
  }

  private void enqueue(Route route, byte[] bytes) {
    long time = Math.addExact(events.nowNanos(), drawDelayNanos());
    if (!reorder) {
      Long last = lastDeliveryNanos.get(route);
      if (last != null && last > time) {
        time = last;
      }
      lastDeliveryNanos.put(route, time);
    }
    events.add(new Delivery(time, route, bytes));
  }

  /** Uniform in [min, max]; one draw when the range is a power of two, as SplittableRandom does. */
  private long drawDelayNanos() {
    long range = maxDelayNanos - minDelayNanos;
    long r = random.nextLong() >>> 1;
    if (range == Long.MAX_VALUE) {
      return minDelayNanos + r;
    }
    long bound = range + 1;
    long mask = bound - 1;
    if ((bound & mask) == 0) {
      return minDelayNanos + (r & mask);
    }
    for (long u = r; u - (r = u % bound) + mask < 0; u = random.nextLong() >>> 1) {
      // rejected: u fell in the incomplete last block of the range, which would bias small values
    }
    return minDelayNanos + r;
  }

  /** Drops every copy in flight on a link, both ways, counted under {@code cause}. */
  void dropInFlight(Connectivity.Link link, Drop cause) {
    lastDeliveryNanos.remove(new Route(link.a(), link.b()));
    lastDeliveryNanos.remove(new Route(link.b(), link.a()));
    events.removeIf(
        e -> {
          if (!(e instanceof Delivery d) || !d.route.isOn(link)) {
            return false;
          }
          Counters counters = countersOf(d.route);
          if (cause == Drop.PARTITION) {
            total.droppedPartition++;
            counters.droppedPartition++;
          } else {
            total.droppedCrash++;
            counters.droppedCrash++;
          }
          return true;
        });
  }

  InMemoryNetwork.Stats stats() {
    return total.snapshot();
  }

  InMemoryNetwork.Stats stats(Route route) {
    Counters counters = routes.get(route);
    return counters == null ? InMemoryNetwork.Stats.ZERO : counters.snapshot();
  }

  private Counters countersOf(Route route) {
    return routes.computeIfAbsent(route, r -> new Counters());
  }

  /** A copy in flight: its bytes, read by the receiver when it arrives. */
  private final class Delivery extends EventQueue.Event {
    final Route route;
    final byte[] bytes;

    Delivery(long time, Route route, byte[] bytes) {
      super(time, events.nextSequence(), EventQueue.Kind.MESSAGE);
      this.route = route;
      this.bytes = bytes;
    }

    @Override
    void run() {
      // A copy whose link went down was removed from the queue then, so the receiver is the live,
      // started transport of route.to on a connected link.
      InMemoryTransport target = topology.endpoint(route.to);
      GrpcTransport.Inbound in = GrpcTransport.inbound(bytes, maxMessageBytes);
      Counters counters = countersOf(route);
      if (in.refused() != null) {
        total.droppedRefused++;
        counters.droppedRefused++;
        topology.refusedOnArrival(target, route.from, in.refused(), in.detail());
        return;
      }
      total.delivered++;
      counters.delivered++;
      target.listener().onMessage(route.from, in.envelope());
    }
  }

  private static final class Counters {
    long sent;
    long delivered;
    long duplicated;
    long droppedLoss;
    long droppedPartition;
    long droppedCrash;
    long droppedRefused;
    long oversized;
    long refused;

    InMemoryNetwork.Stats snapshot() {
      return new InMemoryNetwork.Stats(
          sent,
          delivered,
          duplicated,
          droppedLoss,
          droppedPartition,
          droppedCrash,
          droppedRefused,
          oversized,
          refused);
    }
  }
}
