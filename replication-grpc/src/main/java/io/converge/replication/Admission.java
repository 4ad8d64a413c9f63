package io.converge.replication;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.crdt.CausalCounter;
import io.converge.crdt.DWFlag;
import io.converge.crdt.EWFlag;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.MVRegister;
import io.converge.crdt.ORMap;
import io.converge.crdt.ORSet;
import io.converge.crdt.PNCounter;
import io.converge.crdt.Versioned;
import io.converge.crdt.WireParts;
import io.converge.replication.codec.WireException;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks what a value received from a peer <i>means</i>, after its codec checked its shape: the
 * rules of DESIGN.md's "Trust" that a decoder alone cannot know, because they depend on the
 * receiver's clock and on who sent the value.
 *
 * <ul>
 *   <li><b>Timestamps, at any depth.</b> Every timestamp the value carries (a last-writer-wins
 *       register's, each multi-value register sibling's, nested in maps too) is at most the
 *       receiver's physical clock plus the maximum clock offset ({@link
 *       HybridLogicalClock#acceptableUntil()}), else {@link WireException.Reason#CLOCK_OFFSET}.
 *       Without it, one value stamped in the year 2200 wins every later write of its register, on
 *       every replica, forever. The envelope's own timestamp is checked by the clock's receive
 *       event; this covers what it carries.
 *   <li><b>Deltas carry only their sender's events.</b> A delta is sent only by the replica that
 *       made it, so every event it introduces belongs to its sender: each live dot (of a set's
 *       elements, a register's siblings, a flag's enables and disables, a causal counter's changes,
 *       at any depth of a map), each of a set's or map's delta events, each per-replica count of a
 *       counter, a last-writer-wins register's writer. Anything else is forged ({@link
 *       WireException.Reason#FORGED_EVENT}). A delta's context may name other replicas' events:
 *       those it overwrote or removed, which its writer had seen. Full states (anti-entropy) may
 *       carry anyone's events.
 * </ul>
 *
 * Counters beyond {@link io.converge.replication.codec.Clocks#MAX_COUNTER} are refused by the
 * decoders themselves. Types this class does not know (an application's own codec) are checked by
 * their codec alone.
 *
 * <p>Stateless apart from the clock it reads; thread-safe.
 */
final class Admission {

  private final HybridLogicalClock clock;

  Admission(HybridLogicalClock clock) {
    this.clock = clock;
  }

  /**
   * Checks a decoded value.
   *
   * @param value the decoded delta or full state
   * @param origin the sender of a delta, whose events alone it may introduce; null for a full state
   * @param where names the value in the exception's message (the key, the peer); called only to
   *     build that message
   * @throws WireException CLOCK_OFFSET or FORGED_EVENT, naming the value
   */
  void check(Object value, ReplicaId origin, Supplier<String> where) {
    new Walk(clock.acceptableUntil(), origin, where).value(value);
  }

  /**
   * Checks a timestamp that travels beside a value (a delta's origin time).
   *
   * @throws WireException CLOCK_OFFSET if it is beyond the maximum offset
   */
  void checkTimestamp(HlcTimestamp timestamp, Supplier<String> where) {
    new Walk(clock.acceptableUntil(), null, where).timestamp(timestamp, "origin_time");
  }

  /** One check of one value. */
  private record Walk(long until, ReplicaId origin, Supplier<String> where) {

    void value(Object value) {
      if (value instanceof GCounter c) {
        counts(c.counts(), "count");
      } else if (value instanceof PNCounter c) {
        counts(c.increments().counts(), "increment count");
        counts(c.decrements().counts(), "decrement count");
      } else if (value instanceof LWWRegister<?> r) {
        if (r.timestamp().isPresent()) {
          timestamp(r.timestamp().get(), "register timestamp");
        }
        if (r.writer().isPresent()) {
          event(r.writer().get(), "register writer " + r.writer().get());
        }
      } else if (value instanceof ORSet<?> s) {
        WireParts.ORSetParts<?> parts = WireParts.of(s);
        for (List<Dot> dots : parts.entries().values()) {
          dots(dots, "element dot");
        }
        if (parts.delta() != null) {
          events(parts.delta().events());
        }
      } else if (value instanceof ORMap<?, ?> m) {
        WireParts.ORMapParts<?, ?> parts = WireParts.of(m);
        for (Map.Entry<?, ?> e : parts.values().entrySet()) {
          value(e.getValue());
        }
        if (parts.delta() != null) {
          events(parts.delta().events());
        }
      } else if (value instanceof MVRegister<?> r) {
        for (Versioned<?> sibling : WireParts.of(r).siblings()) {
          timestamp(sibling.timestamp(), "sibling " + sibling.dot() + " timestamp");
          dot(sibling.dot(), "sibling dot");
        }
      } else if (value instanceof EWFlag f) {
        dots(WireParts.of(f).enables(), "enable dot");
      } else if (value instanceof DWFlag f) {
        WireParts.FlagParts parts = WireParts.of(f);
        dots(parts.enables(), "enable dot");
        dots(parts.disables(), "disable dot");
      } else if (value instanceof CausalCounter c) {
        for (WireParts.Change change : WireParts.of(c).changes()) {
          dot(change.dot(), "change dot");
        }
      }
    }

    void timestamp(HlcTimestamp timestamp, String what) {
      if (timestamp.physical() > until) {
        throw new WireException(
            WireException.Reason.CLOCK_OFFSET,
            where.get()
                + ": "
                + what
                + " "
                + timestamp
                + " is "
                + (timestamp.physical() - until)
                + " ms beyond this replica's clock plus the maximum offset");
      }
    }

    private void counts(VersionVector counts, String what) {
      for (int i = 0; i < counts.size(); i++) {
        event(counts.replica(i), what + " of " + counts.replica(i) + "=" + counts.counter(i));
      }
    }

    private void events(CausalContext events) {
      VersionVector compact = events.versionVector();
      for (int i = 0; i < compact.size(); i++) {
        event(compact.replica(i), "delta events of " + compact.replica(i));
      }
      dots(events.cloud(), "delta event");
    }

    private void dots(List<Dot> dots, String what) {
      for (Dot d : dots) {
        dot(d, what);
      }
    }

    private void dot(Dot dot, String what) {
      event(dot.replica(), what + " " + dot);
    }

    /** Refuses, in a delta, an event of another replica than its origin. */
    private void event(ReplicaId replica, String what) {
      if (origin != null && !origin.equals(replica)) {
        throw new WireException(
            WireException.Reason.FORGED_EVENT,
            where.get()
                + ": a delta from "
                + origin
                + " carries "
                + what
                + " of another replica; deltas carry only their sender's events");
      }
    }
  }
}
