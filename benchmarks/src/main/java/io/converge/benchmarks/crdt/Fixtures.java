package io.converge.benchmarks.crdt;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;

/**
 * Inputs shared by the comparative benchmarks: replica identities of both libraries, OR-Sets built
 * by replaying adds, and a round trip through Converge's wire format.
 *
 * <p>Every call builds new objects: two calls with the same arguments return equal values that
 * share no object (elements included, each built by its own string concatenation), as a state
 * received from another replica would be.
 */
public final class Fixtures {

  /** The value of the {@code impl} parameter that selects Converge. */
  public static final String CONVERGE = "converge";

  /** The value of the {@code impl} parameter that selects Apache Pekko Distributed Data. */
  public static final String PEKKO = "pekko";

  private static final CrdtCodec<ORSet<String>> OR_SET_CODEC =
      CrdtCodec.orSet(ElementCodec.strings());

  private Fixtures() {}

  /**
   * Returns whether {@code impl} selects Converge, checking it names one of the two libraries.
   *
   * @param impl the {@code impl} parameter, {@value #CONVERGE} or {@value #PEKKO}
   * @return true for Converge, false for Pekko
   * @throws IllegalArgumentException for any other value
   */
  public static boolean isConverge(String impl) {
    return switch (impl) {
      case CONVERGE -> true;
      case PEKKO -> false;
      default -> throw new IllegalArgumentException("impl must be converge or pekko: " + impl);
    };
  }

  /**
   * Returns Converge's replica {@code i}, named {@code "replica-<i>"}.
   *
   * @param i the replica number
   * @return a new replica id
   */
  public static ReplicaId replica(int i) {
    return ReplicaId.of("replica-" + i);
  }

  /**
   * Returns Pekko's node {@code i}: {@code pekko://sys@host:<2552+i>} with uid {@code i}, as a
   * cluster member would be known without an actor system.
   *
   * @param i the node number
   * @return a new node identity
   */
  public static SelfUniqueAddress node(int i) {
    return new SelfUniqueAddress(
        UniqueAddress.apply(new Address("pekko", "sys", "host", 2552 + i), (long) i));
  }

  /**
   * Returns element {@code i} of a set: a new string {@code prefix + i}.
   *
   * @param prefix the prefix
   * @param i the number
   * @return the element
   */
  public static String element(String prefix, int i) {
    return prefix + i;
  }

  /**
   * Adds elements {@code prefix + from} to {@code prefix + (to - 1)} to a Converge set, element
   * {@code i} by replica {@code firstReplica + (i % replicas)}, each add's delta discarded.
   *
   * @param set the set to add to
   * @param prefix the element prefix
   * @param from the first element number
   * @param to one past the last element number
   * @param firstReplica the first replica number
   * @param replicas how many replicas take turns
   * @return the set with the adds
   */
  public static ORSet<String> addAll(
      ORSet<String> set, String prefix, int from, int to, int firstReplica, int replicas) {
    ReplicaId[] ids = new ReplicaId[replicas];
    for (int r = 0; r < replicas; r++) {
      ids[r] = replica(firstReplica + r);
    }
    ORSet<String> s = set;
    for (int i = from; i < to; i++) {
      s = s.add(ids[i % replicas], element(prefix, i)).resetDelta();
    }
    return s;
  }

  /**
   * Adds elements to a Pekko set as {@link #addAll(ORSet, String, int, int, int, int)} does, each
   * add's delta discarded ({@code resetDelta}, without which Pekko's accumulated delta makes the
   * replay quadratic).
   *
   * @param set the set to add to
   * @param prefix the element prefix
   * @param from the first element number
   * @param to one past the last element number
   * @param firstNode the first node number
   * @param nodes how many nodes take turns
   * @return the set with the adds
   */
  public static org.apache.pekko.cluster.ddata.ORSet<String> addAll(
      org.apache.pekko.cluster.ddata.ORSet<String> set,
      String prefix,
      int from,
      int to,
      int firstNode,
      int nodes) {
    SelfUniqueAddress[] ids = new SelfUniqueAddress[nodes];
    for (int r = 0; r < nodes; r++) {
      ids[r] = node(firstNode + r);
    }
    org.apache.pekko.cluster.ddata.ORSet<String> s = set;
    for (int i = from; i < to; i++) {
      s = s.add(ids[i % nodes], element(prefix, i)).resetDelta();
    }
    return s;
  }

  /**
   * Builds a Pekko {@code ORSet<String>} from its history, as Pekko's serializer builds a received
   * one: each element with the dot of its add, and the version vector of all adds, on new objects.
   *
   * <p>Pekko's {@code add} draws each new version from a counter global to the JVM, so replaying
   * the same adds twice gives unequal states. This builder numbers each node's adds 1, 2, 3...
   * instead, like Converge's dots: the same history built twice gives equal states that share no
   * object, and the histories of the two sides of a merge can share a common prefix.
   */
  public static final class PekkoSetBuilder {

    private scala.collection.immutable.Map<String, org.apache.pekko.cluster.ddata.VersionVector>
        elements = scala.collection.immutable.Map$.MODULE$.empty();
    private final java.util.Map<Integer, Long> counters = new java.util.TreeMap<>();
    private final java.util.Map<Integer, UniqueAddress> nodes = new java.util.HashMap<>();

    /** Creates a builder of the empty set. */
    public PekkoSetBuilder() {}

    /**
     * Adds elements {@code prefix + from} to {@code prefix + (to - 1)}, element {@code i} by node
     * {@code firstNode + (i % nodeCount)}, as {@link Fixtures#addAll(ORSet, String, int, int, int,
     * int)} does in Converge.
     *
     * @param prefix the element prefix
     * @param from the first element number
     * @param to one past the last element number
     * @param firstNode the first node number
     * @param nodeCount how many nodes take turns
     * @return this builder
     */
    // Scala 2.13's Map.updated returns the higher-kinded CC[K, V1], which Java sees as a raw type:
    // the result is an immutable Map[String, VersionVector], as the arguments make it.
    @SuppressWarnings("unchecked")
    public PekkoSetBuilder addAll(String prefix, int from, int to, int firstNode, int nodeCount) {
      for (int i = from; i < to; i++) {
        int n = firstNode + (i % nodeCount);
        UniqueAddress address = nodes.computeIfAbsent(n, k -> node(k).uniqueAddress());
        long version = counters.merge(n, 1L, Long::sum);
        elements =
            elements.updated(
                element(prefix, i),
                org.apache.pekko.cluster.ddata.VersionVector.apply(address, version));
      }
      return this;
    }

    /**
     * Returns the set: the elements with their dots, the version vector of every add, no delta and
     * no ancestor.
     *
     * @return a new set
     */
    public org.apache.pekko.cluster.ddata.ORSet<String> build() {
      org.apache.pekko.cluster.ddata.VersionVector v =
          org.apache.pekko.cluster.ddata.VersionVector.empty();
      for (java.util.Map.Entry<Integer, Long> e : counters.entrySet()) {
        v =
            v.merge(
                org.apache.pekko.cluster.ddata.VersionVector.apply(
                    nodes.get(e.getKey()), e.getValue()));
      }
      return new org.apache.pekko.cluster.ddata.ORSet<>(elements, v, scala.Option.empty());
    }
  }

  /**
   * Returns a Converge set as a peer receives it: encoded to Converge's protobuf state message and
   * decoded again, so it shares no object with {@code set}.
   *
   * @param set a state or a delta
   * @return the decoded copy, with no pending delta
   */
  public static ORSet<String> wireCopy(ORSet<String> set) {
    return OR_SET_CODEC.decode(OR_SET_CODEC.encode(set));
  }

  /**
   * Returns the codec of Converge OR-Sets of strings, the one {@code Key.orSet(name,
   * ElementCodec.strings())} uses.
   *
   * @return the codec
   */
  public static CrdtCodec<ORSet<String>> orSetCodec() {
    return OR_SET_CODEC;
  }
}
