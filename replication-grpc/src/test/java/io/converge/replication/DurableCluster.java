package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.transport.Transport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Durable replicas over one {@link InMemoryNetwork}: each has a RocksDB data directory under a
 * temporary root, {@link FsyncPolicy#always()}, and its store behind a {@link SimulatedDisk}, so
 * that it can crash as a process does (its transport dies with its timers, its store is dropped
 * without a close, and what a crash may lose is lost) and restart from its directory. Timers run on
 * the network's virtual time, clocks read it (skewed per replica), so a run replays from its seed.
 *
 * <p>Not thread-safe: one thread drives the network and calls the replicas.
 */
final class DurableCluster implements AutoCloseable {

  /** One replica: its directory and clock skew, and while it runs, its replica and disk. */
  static final class Node {
    final ReplicaId id;
    final Path directory;
    final Duration skew;
    Replica replica;
    SimulatedDisk disk;
    int restarts;

    Node(ReplicaId id, Path directory, Duration skew) {
      this.id = id;
      this.directory = directory;
      this.skew = skew;
    }

    boolean isUp() {
      return replica != null;
    }
  }

  final InMemoryNetwork network;
  private final Path root;
  private final UnaryOperator<Replica.Builder> configure;
  private final Map<ReplicaId, Node> nodes = new TreeMap<>();

  /**
   * A cluster whose replicas live under a new temporary directory in {@code parent}; {@code
   * configure} adds keys and settings to every replica's builder.
   */
  DurableCluster(InMemoryNetwork network, Path parent, UnaryOperator<Replica.Builder> configure) {
    this.network = network;
    this.configure = configure;
    try {
      Files.createDirectories(parent);
      this.root = Files.createTempDirectory(parent, "converge-sim-" + network.seed() + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts a replica for the first time, with an empty directory and a clock skewed by skew. */
  Replica start(String name, Duration skew) {
    ReplicaId id = ReplicaId.of(name);
    Node node = new Node(id, root.resolve(name), skew);
    nodes.put(id, node);
    return open(node, network.transport(id));
  }

  /**
   * Crashes a running replica: its transport dies (messages in flight are lost, timers cancelled,
   * peers see it down) and its store ends as {@code how} says, releasing the directory's lock. The
   * replica object is dropped without {@code close()}.
   */
  void crash(ReplicaId id, SimulatedDisk.Crash how) {
    Node node = node(id);
    if (!node.isUp()) {
      throw new IllegalStateException("not running: " + id);
    }
    network.crash(id);
    node.disk.crash(how);
    node.replica = null;
    node.disk = null;
  }

  /** Restarts a crashed replica from its directory, on a new transport. */
  Replica restart(ReplicaId id) {
    return restart(id, UnaryOperator.identity());
  }

  /** Restarts a crashed replica from its directory, on a new transport wrapped by {@code wrap}. */
  Replica restart(ReplicaId id, UnaryOperator<Transport> wrap) {
    Node node = node(id);
    if (node.isUp()) {
      throw new IllegalStateException("running: " + id);
    }
    node.restarts++;
    return open(node, network.restart(id), wrap);
  }

  private Replica open(Node node, Transport transport) {
    return open(node, transport, UnaryOperator.identity());
  }

  private Replica open(Node node, Transport transport, UnaryOperator<Transport> wrap) {
    Replica replica =
        configure
            .apply(
                Replica.builder()
                    .replicaId(node.id)
                    .transport(wrap.apply(transport))
                    .physicalClock(network.clock(node.id, node.skew))
                    .scheduler(SimulatedCluster.scheduler(network, transport))
                    .resendInterval(Duration.ofMillis(50))
                    .drainTimeout(Duration.ZERO)
                    .antiEntropyInterval(Duration.ofMillis(200))
                    .dataDirectory(node.directory)
                    .fsyncPolicy(FsyncPolicy.always())
                    .storeWrapper(
                        store -> {
                          node.disk = new SimulatedDisk(store);
                          return node.disk;
                        }))
            .start();
    node.replica = replica;
    return replica;
  }

  Node node(ReplicaId id) {
    Node node = nodes.get(id);
    if (node == null) {
      throw new IllegalArgumentException("no replica " + id);
    }
    return node;
  }

  /** Every replica, running or not, in id order. */
  List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  /** The running replicas, in id order. */
  List<Replica> running() {
    List<Replica> up = new ArrayList<>();
    for (Node node : nodes.values()) {
      if (node.isUp()) {
        up.add(node.replica);
      }
    }
    return up;
  }

  /** Stops every running replica as a process death would, and deletes the directories. */
  @Override
  public void close() {
    for (Node node : nodes.values()) {
      if (node.isUp()) {
        crash(node.id, SimulatedDisk.Crash.PROCESS);
      }
    }
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String toString() {
    return "DurableCluster{" + root + ", " + network + "}";
  }
}
