package io.converge.replication.transport;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.PhysicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.codec.WireLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * A simulated network of replicas, deterministic and replayable, with virtual time and fault
 * injection: random delay, loss, duplication and reordering, partitions, crashes and oversized
 * messages. For tests and simulations of the replication engine; production uses the gRPC
 * transport.
 *
 * <pre>{@code
 * InMemoryNetwork network = InMemoryNetwork.builder()
 *     .seed(42)
 *     .delay(Duration.ofMillis(5), Duration.ofMillis(80))
 *     .loss(0.05)
 *     .duplication(0.01)
 *     .reorder(true)
 *     .build();
 * Transport us = network.transport(ReplicaId.of("us"));   // one per replica, full mesh
 * Transport eu = network.transport(ReplicaId.of("eu"));
 * us.start(ReplicaId.of("us"), usListener);
 * eu.start(ReplicaId.of("eu"), euListener);
 * network.runUntilQuiet(10_000);                         // onPeerUp on both sides, ...
 * network.partition(Set.of(ReplicaId.of("us")), Set.of(ReplicaId.of("eu")));
 * network.advance(Duration.ofSeconds(30));               // timers run, sends are refused
 * network.heal();
 * network.runUntilQuiet(10_000);
 * }</pre>
 *
 * <h2>Virtual time and events</h2>
 *
 * Time is virtual: it starts at {@link Builder#startTime} ({@link #now()} is zero there) and moves
 * only when {@link #step()}, {@link #advance(Duration)} or {@link #runUntilQuiet(int)} run the
 * events that are due, each at its own time, in the order of (time, creation). Events are message
 * deliveries, peer events ({@link Transport.Listener#onPeerUp} and {@code onPeerDown}) and the
 * actions of {@link #schedule}. Every listener callback and every action therefore runs on the
 * thread that calls one of those three methods, inside it; nothing happens between calls. A
 * callback may send, schedule, partition, heal, crash or restart, but may not call {@code step},
 * {@code advance} or {@code runUntilQuiet} itself. An exception thrown by a callback or an action
 * propagates out of the method that ran it; that event is consumed and the network stays usable.
 *
 * <p>{@link #currentTimeMillis()} and {@link #clock(ReplicaId, Duration)} read the virtual time as
 * a wall clock, for the hybrid logical clocks of simulated replicas.
 *
 * <h2>Messages</h2>
 *
 * Every transport of the network is a peer of every other (a full mesh). {@link Transport#send}
 * refuses (returns {@code false}) when the two replicas are not connected or the message is larger
 * than {@link Builder#maxMessageBytes}. Otherwise it accepts the message, which is then lost with
 * probability {@link Builder#loss}; if not lost, it is duplicated with probability {@link
 * Builder#duplication}, and each copy is delivered after its own delay, drawn uniformly from {@link
 * Builder#delay}. Without {@link Builder#reorder}, a copy is never delivered before one sent
 * earlier on the same link (from one replica to another), so each link is FIFO whatever the delays;
 * with it, copies arrive in the order of their delays. A message still in flight when its link goes
 * down (partition, crash, close) is dropped, so no message outlives its connection.
 *
 * <p>The network carries bytes, as a real one does: each accepted message is serialized when it is
 * sent and parsed when it arrives, by the code with which the gRPC transport reads its inbound
 * messages and under the same size limit, so a simulated replica receives nothing that did not go
 * through the wire format. Bytes that are not an envelope (see {@link #sendBytes}) are refused on
 * arrival as the gRPC transport refuses them: the receiver's listener hears {@link
 * Transport.Listener#onRefused}, then the connection goes down, as if the receiver had {@linkplain
 * Transport#disconnect disconnected} the sender.
 *
 * <h2>Connections</h2>
 *
 * Two replicas are connected when both transports are started and neither crashed nor closed, and
 * no {@link #partition} or {@link #isolate} separates them, and neither side {@linkplain
 * Transport#disconnect disconnected} the other less than {@link Builder#reconnectDelay} ago.
 * Whenever that changes, each side's listener receives {@code onPeerDown} or {@code onPeerUp} as an
 * event at the current time, so within the callbacks of {@code step}, {@code advance} or {@code
 * runUntilQuiet}, never inside the call that caused it. {@link Transport#send} sees the change at
 * once.
 *
 * <h2>Determinism</h2>
 *
 * Every random choice comes from one {@link Random} seeded with {@link Builder#seed}, drawn in the
 * order of the calls: a run made of the same calls on a network with the same configuration
 * delivers the same messages at the same virtual times in the same order, on any JVM. {@link
 * #toString()} shows the seed, so that a failing run can be replayed. Unless given, the seed is
 * chosen at random when the network is built, so that repeated runs explore different schedules.
 *
 * <p>This class is thread-safe (each method holds the network's lock, also while callbacks run,
 * except the clocks, which read the virtual time without it, so that a replica may read its clock
 * under its own lock while another thread drives the network) but deterministic only when driven by
 * one thread at a time, in a deterministic order.
 */
public final class InMemoryNetwork {

  // Design: this class is the public surface (the API and its documentation); the work is done,
  // under its one lock, by package-private classes of one job each:
  // - EventQueue: virtual time, and the events due in it, run in (time, creation) order;
  // - Topology: the replicas' transports and their states, and the peer events of every change,
  //   over Connectivity: the rules of who is connected (partitions, isolations, suspensions);
  // - MessageCarrier: the fate of each message (loss, duplication, delay, FIFO or reordered),
  //   its bytes on the way, and the counters;
  // - InMemoryTransport: one replica's Transport, a view of the network from that replica;
  // - VirtualClocks: virtual time read as the wall clocks of the network and of each replica;
  // - NetworkSettings: the builder's settings and their checks, read once by build().

  /** The default {@link Builder#startTime}: 2025-01-01T00:00:00Z. */
  public static final Instant DEFAULT_START_TIME = Instant.parse("2025-01-01T00:00:00Z");

  /** Every method holds it, also while callbacks run; see the class documentation. */
  private final Object lock = new Object();

  private final long seed;
  private final EventQueue events;
  private final VirtualClocks clocks;
  private final Topology topology;

  /** Reads {@code settings} now, not later: the builder may change them for another network. */
  private InMemoryNetwork(NetworkSettings settings) {
    this.seed = settings.seed;
    this.events = new EventQueue(lock, seed);
    this.clocks = new VirtualClocks(settings.startTime.toEpochMilli(), events);
    this.topology =
        new Topology(
            events,
            settings.reconnectDelay.toNanos(),
            t -> new MessageCarrier(t, events, settings));
  }

  /**
   * Returns a builder of a network with no delay, loss, duplication or reordering, messages up to
   * {@link WireLimits#DEFAULT_MAX_MESSAGE_BYTES}, time starting at {@link #DEFAULT_START_TIME} and
   * a random seed.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the seed of this network's random choices; a network built with the same seed and
   * configuration, driven by the same calls, replays this one.
   *
   * @return the seed
   */
  public long seed() {
    return seed;
  }

  // ---------------------------------------------------------------------------------------------
  // Transports and faults
  // ---------------------------------------------------------------------------------------------

  /**
   * Makes the transport of a replica, not yet started. A replica has one live transport at a time:
   * after it crashed (see also {@link #restart}) or was closed, this method makes it a new one.
   *
   * @param id the replica
   * @return its transport on this network
   * @throws NullPointerException if {@code id} is null
   * @throws IllegalStateException if {@code id} already has a transport that is neither crashed nor
   *     closed
   */
  public Transport transport(ReplicaId id) {
    Objects.requireNonNull(id, "id");
    synchronized (lock) {
      return topology.newTransport(this, id);
    }
  }

  /**
   * Crashes a replica, as {@code kill -9} would: its transport is dead from now on (it refuses
   * every send, and its listener is never called again), every message in flight to or from it is
   * dropped (counted in {@link Stats#droppedCrash()}), the actions scheduled for it are cancelled,
   * and its peers receive {@code onPeerDown(id, "crashed")}. Bring it back with {@link #restart}.
   *
   * @param id the replica
   * @throws NullPointerException if {@code id} is null
   * @throws IllegalArgumentException if {@code id} has no transport on this network
   * @throws IllegalStateException if its transport already crashed or was closed
   */
  public void crash(ReplicaId id) {
    Objects.requireNonNull(id, "id");
    synchronized (lock) {
      topology.crash(id);
    }
  }

  /**
   * Restarts a crashed replica: returns its new transport, not yet started, for the restarted
   * replica (typically a new engine over the same durable store) to start. The crashed transport
   * stays dead.
   *
   * @param id the replica
   * @return its new transport
   * @throws NullPointerException if {@code id} is null
   * @throws IllegalArgumentException if {@code id} has no transport on this network
   * @throws IllegalStateException if its transport did not crash
   */
  public Transport restart(ReplicaId id) {
    Objects.requireNonNull(id, "id");
    synchronized (lock) {
      return topology.restart(this, id);
    }
  }

  /**
   * Cuts every link between a replica of {@code sideA} and one of {@code sideB}: messages in flight
   * on those links are dropped (counted in {@link Stats#droppedPartition()}), sends across are
   * refused, and both sides of each connection that goes down receive {@code onPeerDown(peer,
   * "partitioned")}. Links within a side are untouched. Partitions add up until {@link #heal()}.
   * The replicas need not have transports yet.
   *
   * @param sideA one side
   * @param sideB the other side
   * @throws NullPointerException if a side is or contains null
   * @throws IllegalArgumentException if the sides share a replica
   */
  public void partition(Set<ReplicaId> sideA, Set<ReplicaId> sideB) {
    TreeSet<ReplicaId> a = new TreeSet<>(Objects.requireNonNull(sideA, "sideA"));
    TreeSet<ReplicaId> b = new TreeSet<>(Objects.requireNonNull(sideB, "sideB"));
    synchronized (lock) {
      topology.connectivity().cut(a, b);
      topology.reconcile("partitioned", MessageCarrier.Drop.PARTITION);
    }
  }

  /**
   * Cuts a replica off from every other, present or future, until {@link #heal()}: as {@link
   * #partition} with the replica alone on one side, and peer events with reason {@code "isolated"}.
   *
   * @param id the replica
   * @throws NullPointerException if {@code id} is null
   */
  public void isolate(ReplicaId id) {
    Objects.requireNonNull(id, "id");
    synchronized (lock) {
      topology.connectivity().isolate(id);
      topology.reconcile("isolated", MessageCarrier.Drop.PARTITION);
    }
  }

  /**
   * Removes every partition and isolation: each pair of live, started replicas that was cut off
   * reconnects, and both sides receive {@code onPeerUp}.
   */
  public void heal() {
    synchronized (lock) {
      topology.connectivity().heal();
      topology.reconcile("healed", MessageCarrier.Drop.PARTITION);
    }
  }

  /**
   * Returns whether two replicas are connected now: both transports started and alive, and no
   * partition between them. Their listeners may not have heard of a change yet.
   *
   * @param a one replica
   * @param b another
   * @return whether a message sent from one to the other now would be accepted (size permitting)
   * @throws NullPointerException if an argument is null
   */
  public boolean isConnected(ReplicaId a, ReplicaId b) {
    Objects.requireNonNull(a, "a");
    Objects.requireNonNull(b, "b");
    synchronized (lock) {
      return topology.connectivity().isConnected(a, b);
    }
  }

  /**
   * Sends raw bytes from a replica to another, as a broken or hostile peer's transport would: like
   * {@link Transport#send} (refused if the two are not connected; then subject to loss,
   * duplication, delay and reordering), but without the sender's size check, so that the receiver's
   * transport reads them as they are: what is not an envelope, or is larger than {@link
   * Builder#maxMessageBytes}, is refused on arrival (see the class documentation).
   *
   * @param from the sending replica's transport, made by this network and started
   * @param to the receiving replica
   * @param bytes the bytes, copied
   * @return whether the network accepted them
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code from} is not a transport of this network
   * @throws IllegalStateException if {@code from} was never started
   */
  public boolean sendBytes(Transport from, ReplicaId to, byte[] bytes) {
    InMemoryTransport source = ownTransport(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(bytes, "bytes");
    synchronized (lock) {
      return topology.sendBytes(source, to, bytes);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time
  // ---------------------------------------------------------------------------------------------

  /**
   * Returns the virtual time elapsed since the start.
   *
   * @return the virtual time, zero at {@link Builder#startTime}
   */
  public Duration now() {
    return Duration.ofNanos(events.nowNanos());
  }

  /**
   * Returns the virtual time as a wall clock: {@link Builder#startTime} plus {@link #now()}, in
   * milliseconds since the Unix epoch. {@code network::currentTimeMillis} is a {@link
   * PhysicalClock}.
   *
   * @return the virtual wall-clock time in milliseconds
   */
  public long currentTimeMillis() {
    return clocks.currentTimeMillis();
  }

  /**
   * Sets the skew of a replica's wall clock and returns that clock: it reads {@link
   * #currentTimeMillis()} plus the skew (in whole milliseconds). Every clock returned for {@code
   * id} reads its latest skew, so calling this again with another skew makes the replica's clock
   * jump, forward or backward.
   *
   * @param id the replica
   * @param skew how far the replica's clock is ahead (positive) or behind (negative)
   * @return the replica's clock, thread-safe
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the clock would read before the Unix epoch or beyond {@link
   *     HlcTimestamp#MAX_PHYSICAL} now
   */
  public PhysicalClock clock(ReplicaId id, Duration skew) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(skew, "skew");
    synchronized (lock) {
      return clocks.skewed(id, skew);
    }
  }

  /**
   * Runs {@code action} when virtual time reaches {@code now() + after}, after the events already
   * due at that time. Timers of a simulated engine (digest rounds, resends) use this.
   *
   * @param after the delay, zero or more
   * @param action what to run, on the thread that runs the events
   * @return a handle to cancel the action
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code after} is negative
   * @throws ArithmeticException if the action's time overflows (about 292 years of virtual time)
   */
  public ScheduledAction schedule(Duration after, Runnable action) {
    return scheduleFor(null, after, action);
  }

  /**
   * Runs {@code action} when virtual time reaches {@code now() + after}, unless {@code owner}
   * crashes or is closed first, which cancels it, as the timers of a process die with it. If {@code
   * owner} already crashed or was closed, the action never runs.
   *
   * @param owner the transport of the replica whose timer this is, made by this network
   * @param after the delay, zero or more
   * @param action what to run, on the thread that runs the events
   * @return a handle to cancel the action
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code after} is negative or {@code owner} is not a
   *     transport of this network
   * @throws ArithmeticException if the action's time overflows (about 292 years of virtual time)
   */
  public ScheduledAction schedule(Transport owner, Duration after, Runnable action) {
    return scheduleFor(ownTransport(owner, "owner"), after, action);
  }

  private InMemoryTransport ownTransport(Transport transport, String name) {
    Objects.requireNonNull(transport, name);
    if (!(transport instanceof InMemoryTransport t) || t.network() != this) {
      throw new IllegalArgumentException(
          name + " is not a transport of this network: " + transport);
    }
    return t;
  }

  private ScheduledAction scheduleFor(InMemoryTransport owner, Duration after, Runnable action) {
    Objects.requireNonNull(after, "after");
    Objects.requireNonNull(action, "action");
    if (after.isNegative()) {
      throw new IllegalArgumentException("delay must be >= 0: after=" + after);
    }
    synchronized (lock) {
      return events.schedule(Math.addExact(events.nowNanos(), after.toNanos()), owner, action);
    }
  }

  /**
   * Runs the next event (a delivery, a peer event or a scheduled action), first moving virtual time
   * to its time.
   *
   * @return {@code false} if there was no event, so nothing happened
   * @throws IllegalStateException if called from inside a callback or an action
   */
  public boolean step() {
    synchronized (lock) {
      return events.step();
    }
  }

  /**
   * Runs, in order, every event due up to {@code now() + duration}, including those the events
   * themselves create within that window, and then sets virtual time to {@code now() + duration}.
   * If an event throws, time stays at that event's time.
   *
   * @param duration how far to move virtual time, zero or more
   * @throws NullPointerException if {@code duration} is null
   * @throws IllegalArgumentException if {@code duration} is negative
   * @throws IllegalStateException if called from inside a callback or an action
   * @throws ArithmeticException if virtual time overflows (about 292 years)
   */
  public void advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must be >= 0: duration=" + duration);
    }
    synchronized (lock) {
      events.advance(duration.toNanos());
    }
  }

  /**
   * Runs events in order until no message is in flight and no peer event is pending, and returns
   * how many messages were delivered. Scheduled actions due before the last message run in between;
   * those due later stay pending (move time on with {@link #advance}). Virtual time is left at the
   * last event run.
   *
   * @param maxMessages the most messages to deliver: a guard against livelock, such as two replicas
   *     answering each other forever
   * @return the number of messages delivered
   * @throws IllegalArgumentException if {@code maxMessages} is negative
   * @throws IllegalStateException if the network is still not quiet after delivering {@code
   *     maxMessages} messages (the message names the cap, what is in flight and the seed), or if
   *     called from inside a callback or an action
   */
  public int runUntilQuiet(int maxMessages) {
    if (maxMessages < 0) {
      throw new IllegalArgumentException("maxMessages must be >= 0: maxMessages=" + maxMessages);
    }
    synchronized (lock) {
      return events.runUntilQuiet(maxMessages);
    }
  }

  /**
   * Returns how many message copies are in flight: accepted, neither delivered nor dropped yet.
   *
   * @return the number of messages in flight
   */
  public int inFlight() {
    synchronized (lock) {
      return events.messagesInFlight();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Statistics
  // ---------------------------------------------------------------------------------------------

  /**
   * Returns the counters of the whole network since it was built.
   *
   * @return a snapshot of the counters
   */
  public Stats stats() {
    synchronized (lock) {
      return topology.carrier().stats();
    }
  }

  /**
   * Returns the counters of one link, the messages sent by {@code from} to {@code to}.
   *
   * @param from the sender
   * @param to the receiver
   * @return a snapshot of the link's counters; all zero if it never carried a message
   * @throws NullPointerException if an argument is null
   */
  public Stats stats(ReplicaId from, ReplicaId to) {
    MessageCarrier.Route route =
        new MessageCarrier.Route(
            Objects.requireNonNull(from, "from"), Objects.requireNonNull(to, "to"));
    synchronized (lock) {
      return topology.carrier().stats(route);
    }
  }

  /**
   * Shows the seed, the configuration, virtual time and the counters; enough to replay a run.
   *
   * @return a description of this network
   */
  @Override
  public String toString() {
    synchronized (lock) {
      return "InMemoryNetwork{seed="
          + seed
          + ", now="
          + Duration.ofNanos(events.nowNanos())
          + ", "
          + topology.carrier().faults()
          + ", inFlight="
          + events.messagesInFlight()
          + ", "
          + topology.carrier().stats()
          + "}";
    }
  }

  /** The lock every method holds; the network's transports hold it too. */
  Object lock() {
    return lock;
  }

  /** Under {@link #lock()}. */
  Topology topology() {
    return topology;
  }

  // ---------------------------------------------------------------------------------------------
  // Public nested types
  // ---------------------------------------------------------------------------------------------

  /**
   * A handle on an action of {@link InMemoryNetwork#schedule}. Thread-safe.
   *
   * <p>Not meant to be implemented outside this package.
   */
  public interface ScheduledAction {

    /**
     * Cancels the action if it has not run yet.
     *
     * @return {@code true} if this call cancelled it; {@code false} if it already ran or was
     *     cancelled (also by its owner's crash)
     */
    boolean cancel();
  }

  /**
   * Counters of messages, for the whole network or for one link (from one replica to another).
   * Every accepted message and every duplicate ends up delivered, dropped or still in flight:
   * {@code sent + duplicated == delivered + dropped() + inFlight()}. Refused and oversized messages
   * are not {@code sent}.
   *
   * <p>This record is immutable.
   *
   * @param sent messages accepted by {@link Transport#send} (which returned {@code true}) or {@link
   *     #sendBytes}
   * @param delivered copies delivered to a listener
   * @param duplicated extra copies made by random duplication
   * @param droppedLoss accepted messages lost at random
   * @param droppedPartition copies dropped in flight because a partition or an isolation cut their
   *     link, or because one side disconnected the other
   * @param droppedCrash copies dropped in flight because their sender or receiver crashed or closed
   * @param droppedRefused copies the receiver's transport refused on arrival, as the gRPC transport
   *     refuses them: bytes that are not an {@link io.converge.replication.wire.v1.Envelope}, or
   *     more than {@link Builder#maxMessageBytes} of them
   * @param oversized messages refused for being larger than {@link Builder#maxMessageBytes}
   * @param refused messages refused because the replicas were not connected
   */
  public record Stats(
      long sent,
      long delivered,
      long duplicated,
      long droppedLoss,
      long droppedPartition,
      long droppedCrash,
      long droppedRefused,
      long oversized,
      long refused) {

    /** All counters zero. */
    public static final Stats ZERO = new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0);

    /**
     * Makes counters with no copy refused on arrival ({@code droppedRefused} zero), as they were
     * before the network carried bytes.
     *
     * @param sent see {@link Stats}
     * @param delivered see {@link Stats}
     * @param duplicated see {@link Stats}
     * @param droppedLoss see {@link Stats}
     * @param droppedPartition see {@link Stats}
     * @param droppedCrash see {@link Stats}
     * @param oversized see {@link Stats}
     * @param refused see {@link Stats}
     */
    public Stats(
        long sent,
        long delivered,
        long duplicated,
        long droppedLoss,
        long droppedPartition,
        long droppedCrash,
        long oversized,
        long refused) {
      this(
          sent,
          delivered,
          duplicated,
          droppedLoss,
          droppedPartition,
          droppedCrash,
          0,
          oversized,
          refused);
    }

    /**
     * Returns the copies dropped for any reason.
     *
     * @return {@code droppedLoss + droppedPartition + droppedCrash + droppedRefused}
     */
    public long dropped() {
      return droppedLoss + droppedPartition + droppedCrash + droppedRefused;
    }

    /**
     * Returns the copies in flight when these counters were taken.
     *
     * @return {@code sent + duplicated - delivered - dropped()}
     */
    public long inFlight() {
      return sent + duplicated - delivered - dropped();
    }
  }

  /**
   * Configures an {@link InMemoryNetwork}. Not thread-safe; {@link #build()} may be called more
   * than once, and each network gets the configuration of that moment.
   */
  public static final class Builder {

    /** The default {@link #reconnectDelay}: one second. */
    public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(1);

    private final NetworkSettings settings = new NetworkSettings();

    private Builder() {}

    /**
     * Sets the seed of every random choice, to replay a run. Default: random.
     *
     * @param seed the seed
     * @return this builder
     */
    public Builder seed(long seed) {
      settings.seed(seed);
      return this;
    }

    /**
     * Sets the delay of each message copy: uniform in {@code [min, max]}, with nanosecond
     * resolution. Default: zero, so that messages arrive at the instant they are sent (after the
     * events already due then).
     *
     * @param min the least delay, zero or more
     * @param max the greatest delay, at least {@code min}
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code min} is negative or greater than {@code max}
     * @throws ArithmeticException if {@code max} does not fit in a {@code long} of nanoseconds
     */
    public Builder delay(Duration min, Duration max) {
      settings.delay(min, max);
      return this;
    }

    /**
     * Sets the probability that an accepted message is lost. Default: 0.
     *
     * @param probability from 0 to 1
     * @return this builder
     * @throws IllegalArgumentException if {@code probability} is not in {@code [0, 1]}
     */
    public Builder loss(double probability) {
      settings.loss(probability);
      return this;
    }

    /**
     * Sets the probability that a message that is not lost is delivered twice (each copy with its
     * own delay). Default: 0.
     *
     * @param probability from 0 to 1
     * @return this builder
     * @throws IllegalArgumentException if {@code probability} is not in {@code [0, 1]}
     */
    public Builder duplication(double probability) {
      settings.duplication(probability);
      return this;
    }

    /**
     * Sets whether messages on one link may overtake each other: if {@code true}, each copy arrives
     * after its own random delay; if {@code false}, a copy is held back until the ones sent before
     * it on its link have arrived, so that each link is FIFO. Default: {@code false}.
     *
     * @param reorder whether to reorder
     * @return this builder
     */
    public Builder reorder(boolean reorder) {
      settings.reorder(reorder);
      return this;
    }

    /**
     * Sets the largest message, as its serialized size; sends of larger ones are refused and
     * counted in {@link Stats#oversized()}, as a real transport refuses oversized frames. Default:
     * {@link WireLimits#DEFAULT_MAX_MESSAGE_BYTES}.
     *
     * @param bytes the maximum size in bytes, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is less than 1
     */
    public Builder maxMessageBytes(int bytes) {
      settings.maxMessageBytes(bytes);
      return this;
    }

    /**
     * Sets the wall-clock time at which virtual time starts, what {@link
     * InMemoryNetwork#currentTimeMillis()} reads before time moves. Default: {@link
     * InMemoryNetwork#DEFAULT_START_TIME}, late enough that clocks skewed backwards still read a
     * positive time.
     *
     * @param startTime the start, from the Unix epoch to {@link HlcTimestamp#MAX_PHYSICAL}
     *     milliseconds
     * @return this builder
     * @throws NullPointerException if {@code startTime} is null
     * @throws IllegalArgumentException if {@code startTime} is out of that range
     */
    public Builder startTime(Instant startTime) {
      settings.startTime(startTime);
      return this;
    }

    /**
     * Sets how long a link stays down after one of its replicas {@linkplain Transport#disconnect
     * disconnected} the other, before both sides see {@code onPeerUp} again (as a real peer
     * reconnects after a backoff). Default: {@link #DEFAULT_RECONNECT_DELAY}.
     *
     * @param delay the delay, zero or more
     * @return this builder
     * @throws NullPointerException if {@code delay} is null
     * @throws IllegalArgumentException if {@code delay} is negative
     */
    public Builder reconnectDelay(Duration delay) {
      settings.reconnectDelay(delay);
      return this;
    }

    /**
     * Builds the network.
     *
     * @return a new network with no transports, at virtual time zero
     */
    public InMemoryNetwork build() {
      return new InMemoryNetwork(settings);
    }
  }
}
