package io.converge.replication;

import io.converge.replication.wire.v1.FullStateChunk;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The full states on their way to one peer, paced by a byte budget: chunks sent and not
 * acknowledged take at most {@code budget} bytes (and one chunk always may go, whatever its size),
 * so a large state never fills the connection and deltas keep flowing beside it. Transfers go in
 * the order they started, each sent whole before the next one's first chunk, so the peer holds few
 * partial states at once. A plain state machine under the engine's lock; {@code tick}s are the
 * engine's anti-entropy rounds.
 *
 * <p>Acknowledgements that stop (a chunk lost, a peer that hangs) are noticed by {@link #tick}: a
 * transfer with bytes in flight and no progress for {@value #GO_BACK_TICKS} ticks sends again from
 * its first unacknowledged chunk, and after {@value #ABANDON_TICKS} it is given up (the next
 * anti-entropy round starts a new one if the key still differs).
 *
 * <p>It also remembers which version of a key the peer refused for good (over its size limit, a
 * type it does not declare, ...), by the hash of its encoding, so that version is not sent to it
 * again; a new version of the key, or a new connection ({@link #forgetRefusals}), may be.
 */
final class OutgoingTransfers {

  /** Ticks without progress after which a transfer sends again what is not acknowledged. */
  static final int GO_BACK_TICKS = 2;

  /** Ticks without progress after which a transfer is given up. */
  static final int ABANDON_TICKS = 3;

  /** What an acknowledgement did. */
  enum Acked {
    /** It names no transfer under way (finished, abandoned, or of an older transfer). */
    IGNORED,
    /** It repeats what was known. */
    NOTHING_NEW,
    /** It released budget; the transfer goes on. */
    PROGRESS,
    /** The peer holds every chunk: the transfer is finished and removed. */
    DONE
  }

  private final Map<String, OutgoingTransfer> byKey = new HashMap<>();

  /** Transfers with chunks to send (or bytes to wait for), by id: the first one sends next. */
  private final TreeMap<Long, OutgoingTransfer> unsent = new TreeMap<>();

  /** Key → the hash of the version the peer refused for good. */
  private final Map<String, byte[]> refused = new HashMap<>();

  private long inFlight;

  /** The transfer of a key under way, or null. */
  OutgoingTransfer get(String key) {
    return byKey.get(key);
  }

  /** Transfers under way. */
  int size() {
    return byKey.size();
  }

  /** The budget taken: bytes of chunks sent and not acknowledged, with their overheads. */
  long inFlight() {
    return inFlight;
  }

  /**
   * Starts a transfer. One of the same key that has not sent a chunk yet is replaced (the newer
   * version goes instead, in its place); one that has sent some goes on, and {@code transfer} is
   * not added.
   *
   * @return whether {@code transfer} was added
   */
  boolean offer(OutgoingTransfer transfer, long tick) {
    OutgoingTransfer current = byKey.get(transfer.key);
    if (current != null) {
      if (current.started) {
        return false;
      }
      unsent.remove(current.id);
    }
    transfer.progressTick = tick;
    byKey.put(transfer.key, transfer);
    unsent.put(transfer.id, transfer);
    return true;
  }

  /** Whether the peer refused this version (by hash) of the key for good. */
  boolean refused(String key, byte[] hash) {
    byte[] refusedHash = refused.get(key);
    return refusedHash != null && hash != null && Arrays.equals(refusedHash, hash);
  }

  /**
   * Returns the next chunk to send if the budget allows it, counted as sent; null if none may go:
   * nothing to send, the first transfer's bytes are not ready yet, or its next chunk would take the
   * bytes in flight beyond {@code budget} (one chunk always goes when nothing is in flight).
   */
  FullStateChunk poll(long budget, long tick) {
    Map.Entry<Long, OutgoingTransfer> first = unsent.firstEntry();
    if (first == null) {
      return null;
    }
    OutgoingTransfer t = first.getValue();
    if (!t.encoded()) {
      return null;
    }
    if (inFlight > 0 && inFlight + t.nextCost() > budget) {
      return null;
    }
    if (!t.started) {
      t.started = true;
      t.progressTick = tick; // it starts now: waiting behind others was not a stall
    }
    long before = t.inFlight();
    FullStateChunk chunk = t.sendNext();
    inFlight += t.inFlight() - before;
    if (!t.hasUnsent()) {
      unsent.remove(t.id);
    }
    return chunk;
  }

  /**
   * Takes the peer's acknowledgement of chunks {@code 0 .. received - 1} of a transfer.
   *
   * @throws io.converge.replication.codec.WireException MALFORMED if it names the transfer under
   *     way for the key with a count beyond its chunks
   */
  Acked acknowledge(String key, long transfer, long received, long tick) {
    OutgoingTransfer t = byKey.get(key);
    if (t == null || t.id != transfer) {
      return Acked.IGNORED;
    }
    long before = t.inFlight();
    boolean progress = t.acknowledge(received);
    inFlight += t.inFlight() - before;
    if (t.done()) {
      remove(t);
      return Acked.DONE;
    }
    if (!progress) {
      return Acked.NOTHING_NEW;
    }
    t.progressTick = tick;
    if (!t.hasUnsent()) {
      unsent.remove(t.id); // its go-back is covered by this acknowledgement
    }
    return Acked.PROGRESS;
  }

  /**
   * Ends the transfer the peer refused; with {@code forGood}, also remembers its version so that it
   * is not sent again.
   *
   * @return the transfer ended, or null if {@code transfer} is not the one under way for the key
   */
  OutgoingTransfer refuse(String key, long transfer, boolean forGood) {
    OutgoingTransfer t = byKey.get(key);
    if (t == null || t.id != transfer) {
      return null;
    }
    remove(t);
    if (forGood && t.hash != null) {
      refused.put(key, t.hash);
    }
    return t;
  }

  /** The transport refused chunk {@code index} of a transfer: it goes again. */
  void rewind(String key, long transfer, int index) {
    OutgoingTransfer t = byKey.get(key);
    if (t == null || t.id != transfer) {
      return;
    }
    long before = t.inFlight();
    t.rewind(index);
    inFlight += t.inFlight() - before;
    if (t.hasUnsent()) {
      unsent.put(t.id, t);
    }
  }

  /** Ends a transfer that could not be encoded (or is no longer wanted). */
  void cancel(OutgoingTransfer transfer) {
    if (byKey.get(transfer.key) == transfer) {
      remove(transfer);
    }
  }

  /**
   * An anti-entropy round: transfers with bytes in flight and no progress for {@value
   * #GO_BACK_TICKS} ticks send again what is not acknowledged; after {@value #ABANDON_TICKS} they
   * are given up.
   *
   * @return the transfers given up
   */
  List<OutgoingTransfer> tick(long tick) {
    List<OutgoingTransfer> abandoned = new ArrayList<>();
    for (Iterator<OutgoingTransfer> it = byKey.values().iterator(); it.hasNext(); ) {
      OutgoingTransfer t = it.next();
      if (t.inFlight() == 0) {
        continue; // nothing in flight: waiting for its turn, its bytes or a resend
      }
      long stalled = tick - t.progressTick;
      if (stalled >= ABANDON_TICKS) {
        it.remove();
        unsent.remove(t.id);
        inFlight -= t.inFlight();
        abandoned.add(t);
      } else if (stalled >= GO_BACK_TICKS) {
        long before = t.inFlight();
        t.goBack();
        inFlight += t.inFlight() - before;
        unsent.put(t.id, t);
      }
    }
    return abandoned;
  }

  /** Transfers still waiting for their bytes, oldest first. */
  List<OutgoingTransfer> waitingForBytes() {
    List<OutgoingTransfer> waiting = new ArrayList<>();
    for (OutgoingTransfer t : unsent.values()) {
      if (!t.encoded()) {
        waiting.add(t);
      }
    }
    return waiting;
  }

  /** The connection went down: every transfer ends (the peer drops its partial states too). */
  void clear() {
    byKey.clear();
    unsent.clear();
    inFlight = 0;
  }

  /** A new connection: versions refused before may be sent again (the peer's limits may differ). */
  void forgetRefusals() {
    refused.clear();
  }

  private void remove(OutgoingTransfer t) {
    byKey.remove(t.key);
    unsent.remove(t.id);
    inFlight -= t.inFlight();
  }

  @Override
  public String toString() {
    return "OutgoingTransfers[inFlight=" + inFlight + ", transfers=" + byKey.values() + "]";
  }
}
