package io.converge.replication.codec;

import io.converge.clocks.VersionVector;
import io.converge.crdt.GCounter;
import io.converge.crdt.PNCounter;
import io.converge.replication.wire.v1.GCounterState;
import io.converge.replication.wire.v1.PNCounterState;
import java.util.Objects;

/**
 * The codecs of the counters. crdt-core has no factory that makes a counter from its counts, so a
 * decoder replays one increment (or decrement) per entry onto the empty counter, which gives the
 * same state, and then drops the delta that replay made: O(replicas<sup>2</sup>) with the
 * copy-on-write vector, which {@link WireLimits#maxReplicas()} keeps small.
 */
final class CounterCodecs {

  private CounterCodecs() {}

  static GCounter replay(VersionVector counts) {
    GCounter counter = GCounter.empty();
    for (int i = 0; i < counts.size(); i++) {
      counter = counter.increment(counts.replica(i), counts.counter(i));
    }
    return counter.resetDelta();
  }

  /** {@code GCounterState}. */
  static final class GCounterCodec implements CrdtCodec<GCounter> {

    private static final String MESSAGE = "GCounterState";

    private final WireLimits limits;

    GCounterCodec(WireLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public String typeName() {
      return "GCounter";
    }

    @Override
    public byte[] encode(GCounter state) {
      VersionVector counts = state.counts();
      limits.checkReplicas(MESSAGE + ".counts", counts.size());
      GCounterState.Builder b = GCounterState.newBuilder();
      if (!counts.isEmpty()) {
        b.setCounts(Clocks.toWire(counts));
      }
      return Wire.serialize(b.build(), MESSAGE, limits);
    }

    @Override
    public GCounter decode(byte[] bytes) {
      GCounterState state = Wire.parse(bytes, GCounterState.parser(), MESSAGE, limits);
      return replay(Clocks.versionVector(state.getCounts(), limits, MESSAGE + ".counts"));
    }

    @Override
    public String toString() {
      return "CrdtCodec.gCounter(" + limits + ")";
    }
  }

  /** {@code PNCounterState}. */
  static final class PNCounterCodec implements CrdtCodec<PNCounter> {

    private static final String MESSAGE = "PNCounterState";

    private final WireLimits limits;

    PNCounterCodec(WireLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
    }

    @Override
    public String typeName() {
      return "PNCounter";
    }

    @Override
    public byte[] encode(PNCounter state) {
      VersionVector p = state.increments().counts();
      VersionVector n = state.decrements().counts();
      limits.checkReplicas(MESSAGE + ".p", p.size());
      limits.checkReplicas(MESSAGE + ".n", n.size());
      PNCounterState.Builder b = PNCounterState.newBuilder();
      if (!p.isEmpty()) {
        b.setP(Clocks.toWire(p));
      }
      if (!n.isEmpty()) {
        b.setN(Clocks.toWire(n));
      }
      return Wire.serialize(b.build(), MESSAGE, limits);
    }

    @Override
    public PNCounter decode(byte[] bytes) {
      PNCounterState state = Wire.parse(bytes, PNCounterState.parser(), MESSAGE, limits);
      VersionVector p = Clocks.versionVector(state.getP(), limits, MESSAGE + ".p");
      VersionVector n = Clocks.versionVector(state.getN(), limits, MESSAGE + ".n");
      PNCounter counter = PNCounter.empty();
      for (int i = 0; i < p.size(); i++) {
        counter = counter.increment(p.replica(i), p.counter(i));
      }
      for (int i = 0; i < n.size(); i++) {
        counter = counter.decrement(n.replica(i), n.counter(i));
      }
      return counter.resetDelta();
    }

    @Override
    public String toString() {
      return "CrdtCodec.pnCounter(" + limits + ")";
    }
  }
}
