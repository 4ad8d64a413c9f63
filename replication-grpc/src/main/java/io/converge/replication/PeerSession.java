package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.KeyedDelta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The delta link with one peer, as a plain state machine: what this replica sent it and what it
 * acknowledged (the window, the batching rule, the skip past a trimmed log, the resend after a
 * stall), and what it expects from the peer next. It sends nothing itself: {@link #nextBatches}
 * says what to send, and the engine sends it. The rules are those of the engine's class javadoc,
 * <i>Flow and resends</i> and <i>Bounded log</i>.
 *
 * <p>Times are nanoseconds of one monotonic clock, given by the caller. Not thread-safe: the engine
 * uses it under its lock.
 */
class PeerSession {

  /** Deltas in one batch, at most. */
  static final int MAX_DELTAS_PER_BATCH = 256;

  /** What a batch counts for its envelope, before its deltas, against the size budget. */
  static final int BATCH_OVERHEAD = 64;

  /**
   * Deltas sent to a peer and not yet acknowledged, at most: further ones wait for its Acks, which
   * clock them out (so a fast writer cannot overflow the transport's buffer for a slow peer).
   */
  static final int WINDOW = 1024;

  /**
   * While deltas wait beyond a full window, the fewest that an Ack sends: the window must have
   * opened by this much first, so that a saturated link carries large batches.
   */
  static final int MIN_WINDOW_OPENING = WINDOW / 16;

  /**
   * Batches in flight (sent, not acknowledged) beyond which a batch that is not full waits for an
   * Ack: writes made meanwhile then leave together, in one message.
   */
  static final int MAX_PARTIAL_BATCHES_IN_FLIGHT = 1;

  /** The longest wait, in resend intervals, before unacknowledged deltas are sent again. */
  static final int MAX_STALL_TICKS = 16;

  /** A stall is declared after this many smoothed round trips without progress, at least. */
  static final int STALL_ROUND_TRIPS = 4;

  /** Refused sequences remembered, at most. */
  static final int MAX_REFUSED = 10_000;

  final ReplicaId id;

  /** The last sequence this peer acknowledged. */
  long acked;

  /** The last sequence sent on this connection (deltas up to it are in flight or acknowledged). */
  long sent;

  /** The next sequence expected from the peer. */
  long expected = 1;

  /** {@link #acked} at the last resend tick: no progress in an interval means a delta was lost. */
  long ackedAtLastTick;

  /** Resend ticks in a row without progress while deltas were in flight. */
  int ticksWithoutProgress;

  /**
   * After how many such ticks everything unacknowledged is sent again: 1, doubled after each resend
   * of everything up to {@link #MAX_STALL_TICKS}, so a round trip longer than the interval is
   * learned; but never more than {@link #STALL_ROUND_TRIPS} measured round trips, so a link that is
   * fast again (a partition healed, a clock fixed) is answered within an interval or so, not after
   * sixteen; back to 1 when the connection comes up again.
   */
  int stallTicks = 1;

  /**
   * Sequences below this were skipped by the peer (log overflow): acked, never applied; and never
   * sent, so the window counts what is in flight from here when the skip is not yet acknowledged.
   */
  long skippedBelow;

  /** The smoothed round trip of a batch to its Ack, in nanoseconds; -1 before the first sample. */
  long smoothedRoundTrip = -1;

  /**
   * Each batch sent and not yet known acknowledged, oldest first: {last sequence, send time}. Those
   * beyond {@link #sent} (a refused send, a go-back) or up to {@link #acked} are dropped by {@link
   * #batchesInFlight}.
   */
  private final ArrayDeque<long[]> inFlight = new ArrayDeque<>();

  /** Recent sequences the peer refused (TYPE_MISMATCH) and so acks without holding them. */
  private final TreeSet<Long> refused = new TreeSet<>();

  PeerSession(ReplicaId id) {
    this.id = id;
  }

  /** A connection came up: what was in flight on the last one is sent again. */
  void connected() {
    sent = acked;
    ackedAtLastTick = acked;
    ticksWithoutProgress = 0;
    stallTicks = 1;
  }

  /**
   * The peer acknowledged every delta up to {@code upTo} (already capped at the last sequence
   * written); a batch acknowledged for the first time gives a round-trip sample.
   */
  void acknowledged(long upTo, long now) {
    if (upTo <= acked) {
      return;
    }
    long[] newest = null;
    while (!inFlight.isEmpty() && inFlight.peekFirst()[0] <= upTo) {
      newest = inFlight.pollFirst();
    }
    if (newest != null) {
      long sample = Math.max(0, now - newest[1]);
      smoothedRoundTrip =
          smoothedRoundTrip < 0 ? sample : smoothedRoundTrip + (sample - smoothedRoundTrip) / 8;
    }
    acked = upTo;
  }

  /** Whether the peer acknowledged this replica's delta {@code sequence} and applied it. */
  boolean holds(long sequence) {
    return acked >= sequence && sequence >= skippedBelow && !refused.contains(sequence);
  }

  /** Whether the peer refused one of this replica's deltas {@code from} to {@code to}. */
  boolean refusedBetween(long from, long to) {
    Long first = refused.ceiling(from);
    return first != null && first <= to;
  }

  /** Notes a refused delta, keeping the last {@value #MAX_REFUSED} such sequences. */
  void refused(long sequence) {
    refused.add(sequence);
    if (refused.size() > MAX_REFUSED) {
      refused.pollFirst();
    }
  }

  /** The transport did not accept the batch starting at {@code firstSequence}: send it again. */
  void sendRefused(long firstSequence) {
    sent = Math.min(sent, firstSequence - 1);
  }

  /** Batches sent and not acknowledged (after dropping stale entries). */
  int batchesInFlight() {
    while (!inFlight.isEmpty() && inFlight.peekFirst()[0] <= acked) {
      inFlight.pollFirst();
    }
    while (!inFlight.isEmpty() && inFlight.peekLast()[0] > sent) {
      inFlight.pollLast();
    }
    return inFlight.size();
  }

  /**
   * One resend interval passed: if nothing was acknowledged for {@link #stallTicks} intervals while
   * deltas are in flight, one was lost (the receiver ignores what follows a gap), so the next
   * {@link #nextBatches} goes back to the first unacknowledged.
   *
   * @param interval the resend interval, in nanoseconds
   * @return whether it went back
   */
  boolean resendTick(long interval) {
    boolean back = false;
    if (acked < sent && acked == ackedAtLastTick) {
      if (++ticksWithoutProgress >= Math.min(stallTicks, roundTripTicks(interval))) {
        sent = acked;
        ticksWithoutProgress = 0;
        stallTicks = Math.min(stallTicks * 2, MAX_STALL_TICKS);
        back = true;
      }
    } else {
      ticksWithoutProgress = 0;
    }
    ackedAtLastTick = acked;
    return back;
  }

  /**
   * {@link #STALL_ROUND_TRIPS} smoothed round trips in intervals (at least 1); the most if none.
   */
  private int roundTripTicks(long interval) {
    if (smoothedRoundTrip < 0 || interval <= 0) {
      return MAX_STALL_TICKS;
    }
    long ticks = (STALL_ROUND_TRIPS * smoothedRoundTrip + interval - 1) / interval;
    return (int) Math.max(1, Math.min(MAX_STALL_TICKS, ticks));
  }

  /**
   * What to send the peer now, in order, and notes it as sent: the deltas after {@link #sent}, up
   * to {@link #WINDOW} beyond what it acknowledged (or beyond the skip it was sent, if later), in
   * batches of at most {@code budget} bytes and {@link #MAX_DELTAS_PER_BATCH} deltas; when more
   * deltas wait than the window lets out, only once at least {@link #MIN_WINDOW_OPENING} fit; a
   * batch that is not full only while fewer than {@code maxPartial} batches are in flight. If the
   * log dropped deltas the peer still needs, first a skip (an empty batch), once none is in flight.
   *
   * @param log this replica's outbound log
   * @param next the next sequence to be written (the log holds up to {@code next - 1})
   * @param budget the size budget of a batch, in bytes
   * @param maxPartial batches in flight beyond which a batch that is not full waits
   * @param now the current time, for round-trip samples
   */
  List<DeltaBatch> nextBatches(OutboundLog log, long next, int budget, int maxPartial, long now) {
    return nextBatches(log, next, budget, maxPartial, now, true);
  }

  /**
   * {@link #nextBatches(OutboundLog, long, int, int, long)}, where a batch that is not full goes
   * only if {@code partialAllowed} (false while a linger holds it for more writes; full batches go
   * whatever it says).
   */
  List<DeltaBatch> nextBatches(
      OutboundLog log, long next, int budget, int maxPartial, long now, boolean partialAllowed) {
    List<DeltaBatch> out = new ArrayList<>(1);
    long first = log.firstSequence(next);
    if (sent < first - 1) {
      if (acked < sent) {
        // Deltas in flight were dropped from the log since they were sent: the skip waits for
        // their Acks (or a resend tick's go-back), so that a log trimmed by one entry per write
        // does not send one skip per write.
        return out;
      }
      // What it still needs was dropped from the bounded log: tell it to skip; anti-entropy fills
      // the gap.
      out.add(DeltaBatch.newBuilder().setFirstSequence(first).build());
      skippedBelow = Math.max(skippedBelow, first);
      sent = first - 1;
    }
    // In flight: from the last acknowledged, or from the skip if later (what it skipped was not
    // sent, and the skip is sent only with nothing in flight).
    long inFlightFrom = Math.max(acked, skippedBelow - 1);
    long limit = Math.min(next - 1, inFlightFrom + WINDOW);
    if (limit < next - 1 && limit - sent < MIN_WINDOW_OPENING) {
      // Window-limited and barely open: wait for more Acks rather than send a sliver (the silly
      // window). Acks are coming: at least WINDOW - MIN_WINDOW_OPENING deltas are in flight.
      return out;
    }
    // Counted before any is sent here: batches beyond what was sent before (a refused send, a
    // go-back) are no longer in flight.
    int batches = batchesInFlight();
    if ((batches >= maxPartial || !partialAllowed)
        && limit - sent < MAX_DELTAS_PER_BATCH
        && BATCH_OVERHEAD + log.bytesBetween(sent, limit) <= budget) {
      return out; // they would make one batch that is not full: it waits (not rebuilt each time)
    }
    DeltaBatches.Builder batch = null;
    int bytes = 0;
    for (long sequence = sent + 1; sequence <= limit; sequence++) {
      KeyedDelta delta = log.get(sequence);
      int size = OutboundLog.sizeInBatch(delta);
      if (batch != null && (bytes + size > budget || batch.count() >= MAX_DELTAS_PER_BATCH)) {
        out.add(sent(batch, now)); // full: it goes whatever is in flight
        batches++;
        batch = null;
      }
      if (batch == null) {
        batch = new DeltaBatches.Builder(sequence);
        bytes = BATCH_OVERHEAD;
      }
      batch.add(delta);
      bytes += size;
      sent = sequence;
    }
    if (batch != null) {
      if (batches < maxPartial && partialAllowed) {
        out.add(sent(batch, now));
      } else {
        // Not full, and batches are in flight (or a linger holds it): it waits for their Ack (or
        // the linger's end), gathering the writes made meanwhile into one batch.
        sent = batch.firstSequence() - 1;
      }
    }
    return out;
  }

  private DeltaBatch sent(DeltaBatches.Builder batch, long now) {
    inFlight.addLast(new long[] {batch.firstSequence() + batch.count() - 1, now});
    return batch.build();
  }
}
