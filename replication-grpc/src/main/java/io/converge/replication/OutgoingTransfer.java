package io.converge.replication;

import com.google.protobuf.UnsafeByteOperations;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.FullStateChunk;
import java.util.Objects;

/**
 * One full state on its way to one peer: the encoding of one version of a key, cut into chunks that
 * leave as the peer's budget allows and are released by the peer's {@code FullStateAck}s. A plain
 * state machine, with no I/O and no lock of its own: its owner ({@link OutgoingTransfers}) calls it
 * under the engine's lock.
 *
 * <p>Its life: <i>waiting for bytes</i> (made with the state only, encoded later outside the
 * engine's lock) → <i>sending</i> (chunks {@code 0 .. next - 1} handed to the transport) → <i>all
 * sent</i> → <i>done</i> once the peer holds every chunk ({@code acked == count}). A chunk the
 * transport refused is sent again ({@link #rewind}); when acknowledgements stop, the owner goes
 * back to the first chunk not acknowledged ({@link #goBack}) and then gives the transfer up.
 *
 * <p>The bytes are never modified once set, so chunks wrap them without a copy.
 */
final class OutgoingTransfer {

  /**
   * What each chunk counts against the budget beyond its payload: its envelope (key, type, numbers,
   * sender, timestamp), so that a transfer of an empty state still costs something.
   */
  static final int CHUNK_OVERHEAD = 64;

  /** The most chunks of one state (FullStateChunk.chunk_count). */
  static final int MAX_CHUNKS = 1 << 16;

  final String key;
  final String type;
  final long id;

  /** The state being sent (an immutable value), to encode when {@link #bytes} is null. */
  final Object state;

  /** The SHA-256 of the state's encoding, as in the digest tree; names the version sent. */
  final byte[] hash;

  private final int chunkSize;
  private byte[] bytes;
  private int count;

  /** The next chunk to hand to the transport. */
  private int next;

  /** Chunks the peer holds, from the first, without a gap. */
  private int acked;

  /** Whether a chunk was ever sent (a transfer that started goes on rather than be replaced). */
  boolean started;

  /** The owner's tick at the last progress: the first chunk sent, or an acknowledgement. */
  long progressTick;

  /**
   * For the engine: how many of its own writes to the key the state holds (its {@code Slot.writes}
   * when the transfer started). Once the peer holds every chunk, it holds them.
   */
  long ownWrites;

  /**
   * Makes a transfer waiting for its bytes.
   *
   * @param chunkSize the largest payload of one chunk, at least 1
   * @throws IllegalArgumentException if {@code chunkSize} is below 1
   */
  OutgoingTransfer(String key, String type, long id, Object state, byte[] hash, int chunkSize) {
    if (chunkSize < 1) {
      throw new IllegalArgumentException("must be >= 1: chunkSize=" + chunkSize);
    }
    this.key = Objects.requireNonNull(key, "key");
    this.type = Objects.requireNonNull(type, "type");
    this.id = id;
    this.state = Objects.requireNonNull(state, "state");
    this.hash = hash;
    this.chunkSize = chunkSize;
  }

  /** Whether the bytes are set. */
  boolean encoded() {
    return bytes != null;
  }

  /**
   * Sets the encoded state, once.
   *
   * @throws IllegalStateException if already set
   * @throws WireException OVERSIZED if it needs more than {@value #MAX_CHUNKS} chunks of this size
   */
  void encoded(byte[] encoded) {
    Objects.requireNonNull(encoded, "encoded");
    if (bytes != null) {
      throw new IllegalStateException("transfer " + id + " of key " + key + " is already encoded");
    }
    long chunks = Math.max(1, (encoded.length + (long) chunkSize - 1) / chunkSize);
    if (chunks > MAX_CHUNKS) {
      throw new WireException(
          WireException.Reason.OVERSIZED,
          "full state of key "
              + key
              + " is "
              + encoded.length
              + " bytes: "
              + chunks
              + " chunks of "
              + chunkSize
              + " bytes, more than "
              + MAX_CHUNKS);
    }
    this.bytes = encoded;
    this.count = (int) chunks;
  }

  /** The encoded state's size; 0 before it is encoded. */
  long totalBytes() {
    return bytes == null ? 0 : bytes.length;
  }

  /** The number of chunks; 0 before the state is encoded. */
  int count() {
    return count;
  }

  /** The next chunk to send. */
  int next() {
    return next;
  }

  /** Chunks the peer holds, from the first. */
  int acked() {
    return acked;
  }

  /** Whether chunks are left to hand to the transport (false while waiting for bytes). */
  boolean hasUnsent() {
    return bytes != null && next < count;
  }

  /** Whether the peer holds every chunk. */
  boolean done() {
    return bytes != null && acked == count;
  }

  /** The budget chunks {@code 0 .. index - 1} take: their payloads and their overheads. */
  private long costBefore(int index) {
    return Math.min((long) index * chunkSize, bytes.length) + (long) index * CHUNK_OVERHEAD;
  }

  /** What the next chunk takes from the budget; 0 if none is left. */
  long nextCost() {
    return hasUnsent() ? costBefore(next + 1) - costBefore(next) : 0;
  }

  /** The budget this transfer takes: the chunks sent and not acknowledged. */
  long inFlight() {
    return bytes == null || next <= acked ? 0 : costBefore(next) - costBefore(acked);
  }

  /**
   * Returns the next chunk and counts it as sent.
   *
   * @throws IllegalStateException if no chunk is left to send
   */
  FullStateChunk sendNext() {
    if (!hasUnsent()) {
      throw new IllegalStateException(
          "transfer " + id + " of key " + key + " has no chunk to send: " + this);
    }
    int from = next * chunkSize;
    int length = Math.min(chunkSize, bytes.length - from);
    FullStateChunk chunk =
        FullStateChunk.newBuilder()
            .setKey(key)
            .setType(type)
            .setTransfer(id)
            .setChunkIndex(next)
            .setChunkCount(count)
            .setTotalBytes(bytes.length)
            .setPayload(UnsafeByteOperations.unsafeWrap(bytes, from, length))
            .build();
    next++;
    return chunk;
  }

  /**
   * Takes the peer's acknowledgement that it holds chunks {@code 0 .. received - 1}. One that says
   * less than an earlier one changes nothing (acknowledgements may be reordered or repeated).
   *
   * @return whether it acknowledged more than before
   * @throws WireException MALFORMED if {@code received} is beyond the count, or the transfer is not
   *     even encoded (so no chunk was sent): a peer cannot hold chunks it was never sent
   */
  boolean acknowledge(long received) {
    if (bytes == null || received < 0 || received > count) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "full state ack of key "
              + key
              + " transfer "
              + id
              + " says "
              + Long.toUnsignedString(received)
              + " chunks received, of "
              + count);
    }
    if (received <= acked) {
      return false;
    }
    acked = (int) received;
    next = Math.max(next, acked); // chunks it holds need not be sent again
    return true;
  }

  /**
   * The transport refused chunk {@code index}: it and the ones after it are sent again (the peer
   * keeps the chunks it gets twice only once).
   */
  void rewind(int index) {
    next = Math.max(acked, Math.min(next, index));
  }

  /** Sends again everything the peer has not acknowledged (one of those chunks was lost). */
  void goBack() {
    next = acked;
  }

  @Override
  public String toString() {
    return "OutgoingTransfer[key="
        + key
        + ", id="
        + id
        + ", bytes="
        + (bytes == null ? "not encoded" : bytes.length)
        + ", chunks="
        + count
        + ", next="
        + next
        + ", acked="
        + acked
        + "]";
  }
}
