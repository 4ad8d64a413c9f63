package io.converge.replication.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.VersionVector;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Round trips of every {@link Clocks} conversion, and determinism: equal values built differently
 * give byte-identical messages.
 */
final class ClocksProperties {

  private static final WireLimits LIMITS = WireLimits.defaults();

  @Test
  void replicaId_roundTrip_isIdentity() {
    qt().forAll(WireGenerators.replicaIds())
        .checkAssert(r -> assertEquals(r, Clocks.replicaIdFromWire(Clocks.toWire(r))));
  }

  @Test
  void timestamp_roundTrip_isIdentity() {
    qt().forAll(WireGenerators.timestamps())
        .checkAssert(
            t -> {
              io.converge.replication.wire.v1.HlcTimestamp m = Clocks.toWire(t);
              assertEquals(t.packed(), m.getPacked());
              assertEquals(t, Clocks.fromWire(reparse(m)));
            });
  }

  @Test
  void dot_roundTrip_isIdentity() {
    qt().forAll(WireGenerators.dots())
        .checkAssert(d -> assertEquals(d, Clocks.fromWire(reparse(Clocks.toWire(d)))));
  }

  @Test
  void versionVector_roundTrip_isIdentityAndReencodesToSameBytes() {
    qt().forAll(WireGenerators.versionVectors())
        .checkAssert(
            v -> {
              byte[] bytes = Clocks.toWire(v).toByteArray();
              VersionVector back =
                  Clocks.fromWire(
                      parse(bytes, io.converge.replication.wire.v1.VersionVector.parser()), LIMITS);
              assertEquals(v, back);
              assertArrayEquals(bytes, Clocks.toWire(back).toByteArray());
            });
  }

  @Test
  void versionVector_mergedInAnyOrder_encodesToSameBytes() {
    qt().forAll(WireGenerators.listsOf(WireGenerators.versionVectors(), 5))
        .checkAssert(
            vectors -> {
              List<VersionVector> reversed = new ArrayList<>(vectors);
              Collections.reverse(reversed);
              VersionVector forward = mergeAll(vectors);
              VersionVector backward = mergeAll(reversed);
              assertArrayEquals(
                  Clocks.toWire(forward).toByteArray(), Clocks.toWire(backward).toByteArray());
            });
  }

  @Test
  void versionVector_builtByIncrementsInAnyOrder_encodesToSameBytes() {
    qt().forAll(WireGenerators.listsOf(WireGenerators.replicaIds(), 12))
        .checkAssert(
            replicas -> {
              VersionVector forward = VersionVector.empty();
              for (int i = 0; i < replicas.size(); i++) {
                forward = forward.increment(replicas.get(i));
              }
              VersionVector backward = VersionVector.empty();
              for (int i = replicas.size() - 1; i >= 0; i--) {
                backward = backward.increment(replicas.get(i));
              }
              assertArrayEquals(
                  Clocks.toWire(forward).toByteArray(), Clocks.toWire(backward).toByteArray());
            });
  }

  @Test
  void causalContext_roundTrip_isIdentityAndReencodesToSameBytes() {
    qt().forAll(WireGenerators.causalContexts())
        .checkAssert(
            c -> {
              byte[] bytes = Clocks.toWire(c).toByteArray();
              CausalContext back =
                  Clocks.fromWire(
                      parse(bytes, io.converge.replication.wire.v1.CausalContext.parser()), LIMITS);
              assertEquals(c, back);
              assertArrayEquals(bytes, Clocks.toWire(back).toByteArray());
            });
  }

  @Test
  void causalContext_dotsAddedInAnyOrder_encodeToSameBytes() {
    qt().forAll(WireGenerators.listsOf(WireGenerators.dots(), 12))
        .checkAssert(
            dots -> {
              CausalContext forward = CausalContext.empty();
              for (Dot d : dots) {
                forward = forward.add(d);
              }
              CausalContext backward = CausalContext.empty();
              for (int i = dots.size() - 1; i >= 0; i--) {
                backward = backward.add(dots.get(i));
              }
              assertArrayEquals(
                  Clocks.toWire(forward).toByteArray(), Clocks.toWire(backward).toByteArray());
            });
  }

  @Test
  void causalContext_mergedInAnyOrder_encodesToSameBytes() {
    qt().forAll(
            WireGenerators.causalContexts(),
            WireGenerators.causalContexts(),
            WireGenerators.causalContexts())
        .checkAssert(
            (a, b, c) ->
                assertArrayEquals(
                    Clocks.toWire(a.merge(b).merge(c)).toByteArray(),
                    Clocks.toWire(c.merge(a.merge(b))).toByteArray()));
  }

  private static VersionVector mergeAll(List<VersionVector> vectors) {
    VersionVector out = VersionVector.empty();
    for (VersionVector v : vectors) {
      out = out.merge(v);
    }
    return out;
  }

  /** Sends a message through bytes, as the wire does. */
  @SuppressWarnings("unchecked")
  private static <M extends Message> M reparse(M message) {
    return (M) parse(message.toByteArray(), message.getParserForType());
  }

  private static <M> M parse(byte[] bytes, Parser<M> parser) {
    try {
      return parser.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("our own encoding does not parse: " + e.getMessage(), e);
    }
  }
}
