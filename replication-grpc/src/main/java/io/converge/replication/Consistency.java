package io.converge.replication;

/**
 * How many replicas must hold a write before {@link Replica#update} (or {@link Replica#write})
 * returns. Every level applies the write locally first, and every level replicates it to every
 * peer: the level only chooses how long the writer waits. A write that times out is not rolled back
 * (see {@link WriteTimeoutException}).
 *
 * <p>The replicas counted are this one and the peers its transport is configured with ({@link
 * io.converge.replication.transport.Transport#peers()}), connected or not. A peer holds a write
 * when it acknowledged the write's delta: with a {@linkplain Replica.Builder#dataDirectory data
 * directory} a replica acknowledges a delta only once it is committed to its disk, so {@code
 * QUORUM} and {@code ALL} writes on durable replicas survive the loss of any region but the ones
 * that acknowledged them (an in-memory peer acknowledges once the delta is applied in memory).
 */
public enum Consistency {
  /**
   * Returns once the write is applied (and, with a data directory, committed) on this replica. The
   * default. A write survives the loss of this region only if a peer received it before.
   */
  LOCAL,

  /**
   * Returns once a majority of the {@code n} replicas (this one and its {@code n - 1} configured
   * peers) hold the write: {@code n / 2} peers (rounded down) must acknowledge it. With three
   * regions one peer must; the write then survives the loss of any one region.
   */
  QUORUM,

  /** Returns once every configured peer acknowledged the write. */
  ALL;

  /**
   * How many of {@code peers} configured peers must acknowledge a write of this level.
   *
   * @param peers the number of configured peers, {@code >= 0}
   * @return the acknowledgements needed, from 0 to {@code peers}
   */
  int peerAcksNeeded(int peers) {
    return switch (this) {
      case LOCAL -> 0;
      case QUORUM -> (peers + 1) / 2;
      case ALL -> peers;
    };
  }
}
