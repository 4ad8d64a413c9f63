package io.converge.replication.transport;

import io.converge.clocks.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Which replicas of an {@link InMemoryNetwork} are connected: two started, live replicas are,
 * unless a partition cuts their link, an isolation cuts either of them off, or one side
 * disconnected the other less than the reconnect delay ago (the link is suspended). {@link
 * #reconcile} brings the set of connected links in line with those rules and says what changed, in
 * link order, so that the network can drop what was in flight and tell both sides.
 *
 * <p>Guarded by the network's lock.
 */
final class Connectivity {

  /** An unordered pair of distinct replicas, {@code a < b}. */
  record Link(ReplicaId a, ReplicaId b) implements Comparable<Link> {

    static Link of(ReplicaId x, ReplicaId y) {
      return x.compareTo(y) < 0 ? new Link(x, y) : new Link(y, x);
    }

    @Override
    public int compareTo(Link o) {
      int c = a.compareTo(o.a);
      return c != 0 ? c : b.compareTo(o.b);
    }
  }

  /** A link that went down or came up. */
  record Change(Link link, boolean up) {}

  private final TreeSet<Link> connected = new TreeSet<>();
  private final TreeSet<Link> cuts = new TreeSet<>();
  private final TreeSet<ReplicaId> isolated = new TreeSet<>();

  /** Links a replica disconnected (protocol violation), down until their reconnect delay ends. */
  private final TreeSet<Link> suspended = new TreeSet<>();

  boolean isConnected(ReplicaId a, ReplicaId b) {
    return !a.equals(b) && connected.contains(Link.of(a, b));
  }

  /** Cuts every link between a replica of {@code sideA} and one of {@code sideB}, if disjoint. */
  void cut(TreeSet<ReplicaId> sideA, TreeSet<ReplicaId> sideB) {
    TreeSet<ReplicaId> both = new TreeSet<>(sideA);
    both.retainAll(sideB);
    if (!both.isEmpty()) {
      throw new IllegalArgumentException(
          "partition sides must be disjoint: sideA="
              + sideA
              + ", sideB="
              + sideB
              + ", shared="
              + both);
    }
    for (ReplicaId x : sideA) {
      for (ReplicaId y : sideB) {
        cuts.add(Link.of(x, y));
      }
    }
  }

  void isolate(ReplicaId id) {
    isolated.add(id);
  }

  /** Removes every cut and isolation; suspensions run out on their own. */
  void heal() {
    cuts.clear();
    isolated.clear();
  }

  /** Suspends a connected link; false if it is not connected or already suspended. */
  boolean suspend(Link link) {
    return connected.contains(link) && suspended.add(link);
  }

  void resume(Link link) {
    suspended.remove(link);
  }

  /**
   * Makes the connected links those the rules allow between {@code started} replicas (in id order),
   * and returns the changes: first the links that went down, then those that came up, each in link
   * order.
   */
  List<Change> reconcile(List<ReplicaId> started) {
    TreeSet<Link> wanted = new TreeSet<>();
    for (int i = 0; i < started.size(); i++) {
      for (int j = i + 1; j < started.size(); j++) {
        Link link = Link.of(started.get(i), started.get(j));
        if (!cuts.contains(link)
            && !suspended.contains(link)
            && !isolated.contains(link.a)
            && !isolated.contains(link.b)) {
          wanted.add(link);
        }
      }
    }
    List<Change> changes = new ArrayList<>();
    for (Link link : new ArrayList<>(connected)) {
      if (!wanted.contains(link)) {
        connected.remove(link);
        changes.add(new Change(link, false));
      }
    }
    for (Link link : wanted) {
      if (connected.add(link)) {
        changes.add(new Change(link, true));
      }
    }
    return changes;
  }
}
