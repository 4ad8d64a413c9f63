package io.converge.replication;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.FullStateChunk;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The full states one peer is sending this replica, reassembled in memory, with bounds on what the
 * peer can make this replica hold: at most {@code maxTransfers} partial states at once, and their
 * announced sizes ({@code FullStateChunk.total_bytes}, reserved when a transfer starts) at most
 * {@code budgetBytes} together. A transfer beyond either is refused when it starts, for now (the
 * sender tries again in a later anti-entropy round), while those under way finish; one whose state
 * is over the per-key limit is refused for good. Neither refusal ends the connection; a chunk that
 * contradicts its transfer does ({@link WireException.Reason#MALFORMED}).
 *
 * <p>A plain state machine under the engine's lock; {@code tick}s are the engine's anti-entropy
 * rounds. Partial states that received no chunk for {@value #EXPIRE_TICKS} ticks are dropped (their
 * sender gave them up), so lost transfers do not hold memory or slots.
 */
final class IncomingTransfers {

  /**
   * Ticks without a chunk after which a partial state is dropped: well after its sender gives it up
   * ({@link OutgoingTransfers#ABANDON_TICKS}, on a timer of its own, with its own interval), so
   * that the chunks a sender sends again after a loss still find the ones before them.
   */
  static final int EXPIRE_TICKS = 8;

  /** How many refused transfers are remembered, so that their later chunks are dropped quietly. */
  static final int REMEMBERED_REFUSALS = 64;

  /** What became of a chunk. */
  sealed interface Outcome permits Dropped, Partial, Complete, Refused {}

  /** A chunk of a transfer refused before: dropped, not answered. */
  record Dropped() implements Outcome {}

  /** Kept; the peer holds chunks {@code 0 .. received - 1}. */
  record Partial(int received) implements Outcome {}

  /** The last chunk: the whole state, and its chunk count. */
  record Complete(byte[] bytes, int count) implements Outcome {}

  /**
   * The transfer is refused (nothing of it kept): over the per-key limit ({@code retryLater}
   * false), or beyond this peer's bounds now ({@code retryLater} true).
   */
  record Refused(WireException reason, boolean retryLater) implements Outcome {}

  private static final Dropped DROPPED = new Dropped();

  private final int maxTransfers;
  private final long budgetBytes;
  private final Map<String, Assembly> byKey = new HashMap<>();

  private final Map<String, Long> refused =
      new LinkedHashMap<>() {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
          return size() > REMEMBERED_REFUSALS;
        }
      };

  private long reserved;

  /**
   * Makes the reassembly of one peer's transfers.
   *
   * @param maxTransfers partial states held at once, at least 1
   * @param budgetBytes the announced sizes of the partial states held, together, at most; at least
   *     1
   */
  IncomingTransfers(int maxTransfers, long budgetBytes) {
    if (maxTransfers < 1) {
      throw new IllegalArgumentException("must be >= 1: maxTransfers=" + maxTransfers);
    }
    if (budgetBytes < 1) {
      throw new IllegalArgumentException("must be >= 1: budgetBytes=" + budgetBytes);
    }
    this.maxTransfers = maxTransfers;
    this.budgetBytes = budgetBytes;
  }

  /** Partial states held. */
  int size() {
    return byKey.size();
  }

  /** The bytes reserved by the partial states held (their announced sizes). */
  long reserved() {
    return reserved;
  }

  /**
   * Checks what a chunk says of itself, before anything else looks at it.
   *
   * @throws WireException MALFORMED if its index, count, size or total contradict each other
   */
  static void validate(FullStateChunk chunk) {
    int count = chunk.getChunkCount();
    int index = chunk.getChunkIndex();
    long total = chunk.getTotalBytes();
    String what =
        "full state chunk "
            + Integer.toUnsignedString(index)
            + " of "
            + Integer.toUnsignedString(count)
            + " (total_bytes "
            + Long.toUnsignedString(total)
            + ") for key "
            + chunk.getKey();
    if (count < 1 || count > OutgoingTransfer.MAX_CHUNKS || index < 0 || index >= count) {
      throw new WireException(WireException.Reason.MALFORMED, what);
    }
    if (total >= 0 && count > Math.max(1, total)) {
      throw new WireException(WireException.Reason.MALFORMED, what + ": more chunks than bytes");
    }
    if (total >= 0 && chunk.getPayload().size() > total) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          what + ": a payload of " + chunk.getPayload().size() + " bytes");
    }
  }

  /** Whether the chunk belongs to a transfer refused before (drop it, do not answer). */
  boolean dropped(FullStateChunk chunk) {
    Long transfer = refused.get(chunk.getKey());
    return transfer != null && transfer == chunk.getTransfer();
  }

  /** Refuses a transfer (its key is not declared so): its later chunks are dropped. */
  void refuse(String key, long transfer) {
    Assembly assembly = byKey.get(key);
    if (assembly != null && assembly.transfer == transfer) {
      release(key, assembly);
    }
    refused.put(key, transfer);
  }

  /**
   * Takes a chunk that {@link #validate} accepted.
   *
   * @param maxKeyBytes the largest full state of one key that this replica accepts
   * @param tick the engine's current anti-entropy round
   * @return what became of it
   * @throws WireException MALFORMED if it contradicts the transfer it belongs to (another count or
   *     total, payloads adding up to more than the total, or to less once all have arrived)
   */
  Outcome accept(FullStateChunk chunk, long maxKeyBytes, long tick) {
    String key = chunk.getKey();
    if (dropped(chunk)) {
      return DROPPED;
    }
    int count = chunk.getChunkCount();
    long total = chunk.getTotalBytes();
    Assembly assembly = byKey.get(key);
    if (assembly != null && assembly.transfer == chunk.getTransfer()) {
      if (assembly.parts.length != count || assembly.total != total) {
        release(key, assembly);
        throw new WireException(
            WireException.Reason.MALFORMED,
            "full state chunk of key "
                + key
                + " transfer "
                + Long.toUnsignedString(chunk.getTransfer())
                + " says "
                + count
                + " chunks and "
                + Long.toUnsignedString(total)
                + " bytes; its first said "
                + assembly.parts.length
                + " and "
                + assembly.total);
      }
    } else {
      if (assembly != null) {
        release(key, assembly); // a newer transfer of the key replaces the unfinished one
      }
      Refused refusal = admit(key, chunk.getTransfer(), total, maxKeyBytes);
      if (refusal != null) {
        refused.put(key, chunk.getTransfer());
        return refusal;
      }
      assembly = new Assembly(chunk.getTransfer(), count, total);
      byKey.put(key, assembly);
      reserved += total;
    }
    assembly.touched = tick;
    int index = chunk.getChunkIndex();
    if (assembly.parts[index] == null) {
      ByteString payload = chunk.getPayload();
      if (assembly.bytes + payload.size() > total) {
        release(key, assembly);
        throw new WireException(
            WireException.Reason.MALFORMED,
            "full state chunks of key " + key + " add up to more than their total_bytes " + total);
      }
      assembly.parts[index] = payload;
      assembly.bytes += payload.size();
      assembly.received++;
      while (assembly.contiguous < count && assembly.parts[assembly.contiguous] != null) {
        assembly.contiguous++;
      }
    }
    if (assembly.received < count) {
      return new Partial(assembly.contiguous);
    }
    release(key, assembly);
    if (assembly.bytes != total) {
      throw new WireException(
          WireException.Reason.MALFORMED,
          "full state chunks of key "
              + key
              + " add up to "
              + assembly.bytes
              + " bytes, not their total_bytes "
              + total);
    }
    byte[] whole = new byte[(int) total];
    int at = 0;
    for (ByteString part : assembly.parts) {
      part.copyTo(whole, at);
      at += part.size();
    }
    return new Complete(whole, count);
  }

  /** Refuses a new transfer over the key limit or beyond this peer's bounds; null to admit it. */
  private Refused admit(String key, long transfer, long total, long maxKeyBytes) {
    if (total < 0 || total > maxKeyBytes) {
      return new Refused(
          new WireException(
              WireException.Reason.OVERSIZED,
              "full state of key "
                  + key
                  + " is "
                  + Long.toUnsignedString(total)
                  + " bytes, more than maxKeyBytes="
                  + maxKeyBytes),
          false);
    }
    if (byKey.size() >= maxTransfers || reserved + total > budgetBytes) {
      return new Refused(
          new WireException(
              WireException.Reason.OVERSIZED,
              "full state of key "
                  + key
                  + " (transfer "
                  + Long.toUnsignedString(transfer)
                  + ", "
                  + total
                  + " bytes) would make "
                  + (byKey.size() + 1)
                  + " partial states of "
                  + (reserved + total)
                  + " bytes from one peer; at most "
                  + maxTransfers
                  + " of "
                  + budgetBytes
                  + " bytes at once: try later"),
          true);
    }
    return null;
  }

  /**
   * Drops partial states that received no chunk for {@value #EXPIRE_TICKS} ticks.
   *
   * @return how many were dropped
   */
  int expire(long tick) {
    int expired = 0;
    for (Iterator<Map.Entry<String, Assembly>> it = byKey.entrySet().iterator(); it.hasNext(); ) {
      Assembly assembly = it.next().getValue();
      if (tick - assembly.touched >= EXPIRE_TICKS) {
        it.remove();
        reserved -= assembly.total;
        expired++;
      }
    }
    return expired;
  }

  /** The connection went down, or the peer restarted: every partial state goes. */
  void clear() {
    byKey.clear();
    refused.clear();
    reserved = 0;
  }

  private void release(String key, Assembly assembly) {
    if (byKey.remove(key, assembly)) {
      reserved -= assembly.total;
    }
  }

  /** The chunks of one full state received so far. */
  private static final class Assembly {
    final long transfer;
    final long total;
    final ByteString[] parts;
    int received;
    int contiguous;
    long bytes;
    long touched;

    Assembly(long transfer, int count, long total) {
      this.transfer = transfer;
      this.total = total;
      this.parts = new ByteString[count];
    }
  }
}
