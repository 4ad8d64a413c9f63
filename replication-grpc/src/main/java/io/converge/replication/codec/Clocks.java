package io.converge.replication.codec;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Converts the types of {@code io.converge.clocks} to their protocol messages ({@code toWire}) and
 * back ({@code fromWire}).
 *
 * <p>Encoding is canonical: version vector entries sorted by replica id, cloud dots by replica id
 * then counter, so equal values give equal messages and equal bytes. Decoding treats the message as
 * untrusted and accepts only that canonical form: a malformed replica id, a counter of 0, entries
 * out of order or repeated, a cloud dot that the vector covers or that should have been compacted
 * into it, a negative packed timestamp are refused with {@link WireException.Reason#MALFORMED};
 * more entries than the {@link WireLimits} allow with {@link WireException.Reason#OVERSIZED}; a
 * counter above {@link #MAX_COUNTER} with {@link WireException.Reason#COUNTER_RANGE}. The message
 * of the exception names the offending value and where it was.
 *
 * <p>This class is stateless and thread-safe.
 */
public final class Clocks {

  /**
   * The largest counter the protocol carries: 2<sup>53</sup>, for every dot, version vector and
   * causal context entry and every per-replica count of a counter. A replica writing a million
   * times a second reaches it in 285 years, so a larger counter is forged or corrupt; and bounding
   * it far below {@link Long#MAX_VALUE} means nothing a peer sends can bring a counter near
   * overflow and leave a replica unable to write. It is also the largest integer a JSON number (an
   * IEEE double) holds exactly. Decoders refuse larger counters with {@link
   * WireException.Reason#COUNTER_RANGE}; encoders refuse to write them, so a local write that would
   * pass it fails before it is applied.
   */
  public static final long MAX_COUNTER = 1L << 53;

  private Clocks() {}

  /**
   * Returns the wire form of a replica id: its name.
   *
   * @param replica the replica id
   * @return its name
   * @throws NullPointerException if {@code replica} is null
   */
  public static String toWire(ReplicaId replica) {
    return replica.name();
  }

  /**
   * Returns the replica id of a received name.
   *
   * @param name 1 to {@value ReplicaId#MAX_LENGTH} ASCII letters, digits, {@code '.'}, {@code '_'}
   *     and {@code '-'}
   * @return the replica id
   * @throws NullPointerException if {@code name} is null
   * @throws WireException MALFORMED if the name is not a replica id; the message shows it
   */
  public static ReplicaId replicaIdFromWire(String name) {
    return replicaId(name, "replica id");
  }

  static ReplicaId replicaId(String name, String where) {
    Objects.requireNonNull(name, "name");
    try {
      return ReplicaId.of(name);
    } catch (IllegalArgumentException e) {
      throw new WireException(
          WireException.Reason.MALFORMED, "bad " + where + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the wire form of a timestamp: {@link HlcTimestamp#packed()}.
   *
   * @param timestamp the timestamp
   * @return the message
   * @throws NullPointerException if {@code timestamp} is null
   */
  public static io.converge.replication.wire.v1.HlcTimestamp toWire(HlcTimestamp timestamp) {
    return io.converge.replication.wire.v1.HlcTimestamp.newBuilder()
        .setPacked(timestamp.packed())
        .build();
  }

  /**
   * Returns the timestamp of a received message.
   *
   * @param message the message
   * @return the timestamp
   * @throws NullPointerException if {@code message} is null
   * @throws WireException MALFORMED if the packed value has bit 63 set; the message shows it
   */
  public static HlcTimestamp fromWire(io.converge.replication.wire.v1.HlcTimestamp message) {
    return timestamp(message, "HLC timestamp");
  }

  static HlcTimestamp timestamp(
      io.converge.replication.wire.v1.HlcTimestamp message, String where) {
    long packed = message.getPacked();
    if (packed < 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "bad "
              + where
              + ": packed HLC timestamp must be in [0, "
              + Long.MAX_VALUE
              + "]: packed="
              + Long.toUnsignedString(packed)
              + " (0x"
              + Long.toHexString(packed)
              + ")");
    }
    return HlcTimestamp.fromPacked(packed);
  }

  /**
   * Returns the wire form of a dot.
   *
   * @param dot the dot
   * @return the message
   * @throws NullPointerException if {@code dot} is null
   */
  public static io.converge.replication.wire.v1.Dot toWire(Dot dot) {
    return io.converge.replication.wire.v1.Dot.newBuilder()
        .setReplica(dot.replica().name())
        .setCounter(outgoing(dot.counter(), dot.replica()))
        .build();
  }

  /**
   * Returns the dot of a received message.
   *
   * @param message the message
   * @return the dot
   * @throws NullPointerException if {@code message} is null
   * @throws WireException MALFORMED if the replica id is bad or the counter is 0; COUNTER_RANGE if
   *     it is above {@link #MAX_COUNTER}; the message shows the value
   */
  public static Dot fromWire(io.converge.replication.wire.v1.Dot message) {
    return dot(message, "dot");
  }

  private static Dot dot(io.converge.replication.wire.v1.Dot message, String where) {
    ReplicaId replica = replicaId(message.getReplica(), where + " replica");
    return new Dot(replica, counter(message.getCounter(), where, replica));
  }

  /** Checks a counter read from a {@code uint64}: 1 to {@link #MAX_COUNTER}. */
  private static long counter(long counter, String where, ReplicaId replica) {
    if (counter == 0) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "bad "
              + where
              + ": counter must be in [1, "
              + MAX_COUNTER
              + "]: counter=0, replica="
              + Wire.quote(replica.name()));
    }
    if (counter < 0 || counter > MAX_COUNTER) {
      throw new WireException(
          WireException.Reason.COUNTER_RANGE,
          where
              + ": counter="
              + Long.toUnsignedString(counter)
              + " of replica "
              + Wire.quote(replica.name())
              + " is beyond MAX_COUNTER="
              + MAX_COUNTER
              + " (2^53): forged or corrupt");
    }
    return counter;
  }

  /** Refuses to encode a counter a peer would refuse (see {@link #MAX_COUNTER}). */
  private static long outgoing(long counter, ReplicaId replica) {
    if (counter > MAX_COUNTER) {
      throw new WireException(
          WireException.Reason.COUNTER_RANGE,
          "counter="
              + counter
              + " of replica "
              + Wire.quote(replica.name())
              + " is beyond MAX_COUNTER="
              + MAX_COUNTER
              + " (2^53), which no peer accepts");
    }
    return counter;
  }

  /**
   * Returns the wire form of a version vector, entries sorted by replica id.
   *
   * @param vector the vector
   * @return the message
   * @throws NullPointerException if {@code vector} is null
   */
  public static io.converge.replication.wire.v1.VersionVector toWire(VersionVector vector) {
    io.converge.replication.wire.v1.VersionVector.Builder b =
        io.converge.replication.wire.v1.VersionVector.newBuilder();
    // VersionVector keeps its entries sorted by replica id: walk them in that order.
    for (int i = 0; i < vector.size(); i++) {
      b.addEntriesBuilder()
          .setReplica(vector.replica(i).name())
          .setCounter(outgoing(vector.counter(i), vector.replica(i)));
    }
    return b.build();
  }

  /**
   * Returns the version vector of a received message.
   *
   * @param message the message
   * @param limits how many entries to accept
   * @return the vector
   * @throws NullPointerException if an argument is null
   * @throws WireException OVERSIZED if it has more than {@link WireLimits#maxReplicas()} entries;
   *     COUNTER_RANGE if a counter is above {@link #MAX_COUNTER}; MALFORMED if a replica id is bad,
   *     a counter is 0, or the entries are not sorted by replica id without duplicates. The message
   *     shows the value
   */
  public static VersionVector fromWire(
      io.converge.replication.wire.v1.VersionVector message, WireLimits limits) {
    return versionVector(message, limits, "version vector");
  }

  static VersionVector versionVector(
      io.converge.replication.wire.v1.VersionVector message, WireLimits limits, String where) {
    int n = message.getEntriesCount();
    limits.checkReplicas(where, n);
    Map<ReplicaId, Long> entries = new LinkedHashMap<>();
    ReplicaId previous = null;
    for (int i = 0; i < n; i++) {
      io.converge.replication.wire.v1.VersionVector.Entry e = message.getEntries(i);
      String entry = where + " entry " + i;
      ReplicaId replica = replicaId(e.getReplica(), entry + " replica");
      if (previous != null) {
        int c = previous.compareTo(replica);
        if (c == 0) {
          throw new WireException(
              WireException.Reason.MALFORMED,
              where
                  + " has a duplicate replica: entry "
                  + i
                  + " replica="
                  + Wire.quote(replica.name())
                  + " repeats entry "
                  + (i - 1));
        }
        if (c > 0) {
          throw new WireException(
              WireException.Reason.MALFORMED,
              where
                  + " entries must be sorted by replica id: entry "
                  + i
                  + " replica="
                  + Wire.quote(replica.name())
                  + " comes after "
                  + Wire.quote(previous.name()));
        }
      }
      entries.put(replica, counter(e.getCounter(), entry, replica));
      previous = replica;
    }
    return VersionVector.of(entries);
  }

  /**
   * Returns the wire form of a causal context: its compact vector and its cloud, sorted.
   *
   * @param context the context
   * @return the message
   * @throws NullPointerException if {@code context} is null
   */
  public static io.converge.replication.wire.v1.CausalContext toWire(CausalContext context) {
    io.converge.replication.wire.v1.CausalContext.Builder b =
        io.converge.replication.wire.v1.CausalContext.newBuilder();
    if (!context.versionVector().isEmpty()) {
      b.setCompact(toWire(context.versionVector()));
    }
    // CausalContext keeps its cloud sorted by replica id, then counter.
    for (Dot d : context.cloud()) {
      b.addCloud(toWire(d));
    }
    return b.build();
  }

  /**
   * Returns the causal context of a received message.
   *
   * @param message the message
   * @param limits how many vector entries and cloud dots to accept
   * @return the context
   * @throws NullPointerException if an argument is null
   * @throws WireException OVERSIZED if the vector has more than {@link WireLimits#maxReplicas()}
   *     entries or the cloud more than {@link WireLimits#maxElements()} dots; MALFORMED if the
   *     vector is malformed (see {@link #fromWire(io.converge.replication.wire.v1.VersionVector,
   *     WireLimits)}), a dot is malformed, the cloud is not sorted without duplicates, or a cloud
   *     dot is covered by the vector or continues it (the context is not compacted). The message
   *     shows the value
   */
  public static CausalContext fromWire(
      io.converge.replication.wire.v1.CausalContext message, WireLimits limits) {
    return causalContext(message, limits, "causal context");
  }

  static CausalContext causalContext(
      io.converge.replication.wire.v1.CausalContext message, WireLimits limits, String where) {
    VersionVector compact = versionVector(message.getCompact(), limits, where + " compact");
    int n = message.getCloudCount();
    limits.checkElements(where + " cloud", n);
    List<Dot> cloud = new ArrayList<>(n);
    Dot previous = null;
    for (int i = 0; i < n; i++) {
      String at = where + " cloud dot " + i;
      Dot d = dot(message.getCloud(i), at);
      if (previous != null) {
        int c = previous.compareTo(d);
        if (c == 0) {
          throw new WireException(
              WireException.Reason.MALFORMED,
              where + " cloud has a duplicate dot: dot " + i + " " + d + " repeats dot " + (i - 1));
        }
        if (c > 0) {
          throw new WireException(
              WireException.Reason.MALFORMED,
              where
                  + " cloud must be sorted by replica id, then counter: dot "
                  + i
                  + " "
                  + d
                  + " comes after "
                  + previous);
        }
      }
      long seen = compact.get(d.replica());
      // Written so that it cannot overflow when seen is Long.MAX_VALUE.
      if (d.counter() <= seen || d.counter() - seen == 1) {
        throw new WireException(
            WireException.Reason.MALFORMED,
            where
                + " is not compacted: cloud dot "
                + i
                + " "
                + d
                + (d.counter() <= seen
                    ? " is covered by the compact vector "
                    : " continues the compact vector ")
                + compact);
      }
      cloud.add(d);
      previous = d;
    }
    return CausalContext.of(compact, cloud);
  }
}
