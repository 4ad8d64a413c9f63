package io.converge.replication.codec;

import static io.converge.replication.codec.WireAssertions.assertRefused;
import static io.converge.replication.codec.WireException.Reason.COUNTER_RANGE;
import static io.converge.replication.codec.WireException.Reason.MALFORMED;
import static io.converge.replication.codec.WireException.Reason.OVERSIZED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.converge.clocks.CausalContext;
import io.converge.clocks.Dot;
import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.ReplicaId;
import io.converge.clocks.VersionVector;
import io.converge.replication.wire.v1.VersionVector.Entry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ClocksTest {

  private static final ReplicaId r1 = ReplicaId.of("r1");
  private static final ReplicaId r2 = ReplicaId.of("r2");
  private static final ReplicaId r3 = ReplicaId.of("r3");

  private static final WireLimits LIMITS = WireLimits.defaults();

  private static Entry entry(String replica, long counter) {
    return Entry.newBuilder().setReplica(replica).setCounter(counter).build();
  }

  private static io.converge.replication.wire.v1.VersionVector vector(Entry... entries) {
    return io.converge.replication.wire.v1.VersionVector.newBuilder()
        .addAllEntries(List.of(entries))
        .build();
  }

  private static io.converge.replication.wire.v1.Dot dot(String replica, long counter) {
    return io.converge.replication.wire.v1.Dot.newBuilder()
        .setReplica(replica)
        .setCounter(counter)
        .build();
  }

  private static io.converge.replication.wire.v1.CausalContext context(
      io.converge.replication.wire.v1.VersionVector compact,
      io.converge.replication.wire.v1.Dot... cloud) {
    return io.converge.replication.wire.v1.CausalContext.newBuilder()
        .setCompact(compact)
        .addAllCloud(List.of(cloud))
        .build();
  }

  @Test
  void toWire_versionVector_writesEntriesSortedByReplica() {
    VersionVector v = VersionVector.of(Map.of(r3, 3L, r1, 1L, r2, 2L));

    assertEquals(vector(entry("r1", 1), entry("r2", 2), entry("r3", 3)), Clocks.toWire(v));
  }

  @Test
  void toWire_causalContext_writesSortedCloudAndNoCompactWhenEmpty() {
    CausalContext c =
        CausalContext.of(VersionVector.empty(), List.of(Dot.of(r2, 5), Dot.of(r1, 3)));

    io.converge.replication.wire.v1.CausalContext m = Clocks.toWire(c);

    assertEquals(false, m.hasCompact());
    assertEquals(List.of(dot("r1", 3), dot("r2", 5)), m.getCloudList());
  }

  @Test
  void toWire_timestamp_isPacked() {
    HlcTimestamp t = HlcTimestamp.of(1_700_000_000_000L, 7);

    assertEquals(t.packed(), Clocks.toWire(t).getPacked());
  }

  @Test
  void fromWire_emptyVersionVector_isEmpty() {
    assertEquals(VersionVector.empty(), Clocks.fromWire(vector(), LIMITS));
  }

  @Test
  void replicaIdFromWire_badCharacter_isMalformedNamingTheId() {
    assertRefused(MALFORMED, () -> Clocks.replicaIdFromWire("us east"), "\"us east\"");
  }

  @Test
  void replicaIdFromWire_empty_isMalformed() {
    assertRefused(MALFORMED, () -> Clocks.replicaIdFromWire(""), "replica id", "length=0");
  }

  @Test
  void replicaIdFromWire_tooLong_isMalformedNamingTheLength() {
    String name = "r".repeat(ReplicaId.MAX_LENGTH + 1);

    assertRefused(MALFORMED, () -> Clocks.replicaIdFromWire(name), "length=65", name);
  }

  @Test
  void replicaIdFromWire_null_throwsNullPointerException() {
    assertThrows(NullPointerException.class, () -> Clocks.replicaIdFromWire(null));
  }

  @Test
  void fromWire_timestampWithBit63Set_isMalformedNamingThePackedValue() {
    io.converge.replication.wire.v1.HlcTimestamp m =
        io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(-1L).build();

    assertRefused(
        MALFORMED, () -> Clocks.fromWire(m), "packed=18446744073709551615", "0xffffffffffffffff");
  }

  @Test
  void fromWire_dotWithCounterZero_isMalformedNamingCounterAndReplica() {
    assertRefused(MALFORMED, () -> Clocks.fromWire(dot("r1", 0)), "counter=0", "\"r1\"");
  }

  @Test
  void fromWire_dotWithCounterAboveLongMax_isCounterRangeNamingTheUnsignedCounter() {
    assertRefused(
        COUNTER_RANGE,
        () -> Clocks.fromWire(dot("r1", Long.MIN_VALUE)),
        "counter=9223372036854775808");
  }

  @Test
  void fromWire_dotAtLongMax_isCounterRange() {
    // Issue 13, finding 1: such a dot, once merged, made every later write of its replica throw
    // "dot counter overflow".
    assertRefused(
        COUNTER_RANGE,
        () -> Clocks.fromWire(dot("us-east", Long.MAX_VALUE)),
        "counter=9223372036854775807",
        "\"us-east\"",
        "MAX_COUNTER=9007199254740992");
  }

  @Test
  void fromWire_dotAtMaxCounter_accepted_oneMoreIsCounterRange() {
    assertEquals(
        Dot.of(ReplicaId.of("r1"), Clocks.MAX_COUNTER),
        Clocks.fromWire(dot("r1", Clocks.MAX_COUNTER)));
    assertRefused(COUNTER_RANGE, () -> Clocks.fromWire(dot("r1", Clocks.MAX_COUNTER + 1)), "r1");
  }

  @Test
  void toWire_counterBeyondMaxCounter_refusedCounterRange() {
    assertRefused(
        COUNTER_RANGE,
        () -> Clocks.toWire(Dot.of(ReplicaId.of("r1"), Clocks.MAX_COUNTER + 1)),
        "9007199254740993");
    assertRefused(
        COUNTER_RANGE,
        () -> Clocks.toWire(VersionVector.of(Map.of(ReplicaId.of("r1"), Long.MAX_VALUE))),
        "9223372036854775807");
  }

  @Test
  void fromWire_dotWithBadReplica_isMalformedNamingTheReplica() {
    assertRefused(MALFORMED, () -> Clocks.fromWire(dot("r/1", 1)), "dot replica", "\"r/1\"");
  }

  @Test
  void fromWire_vectorWithUnsortedEntries_isMalformedNamingBothReplicas() {
    io.converge.replication.wire.v1.VersionVector m = vector(entry("r2", 1), entry("r1", 1));

    assertRefused(
        MALFORMED, () -> Clocks.fromWire(m, LIMITS), "sorted", "entry 1", "\"r1\"", "\"r2\"");
  }

  @Test
  void fromWire_vectorWithDuplicateReplica_isMalformedNamingTheReplica() {
    io.converge.replication.wire.v1.VersionVector m =
        vector(entry("r1", 1), entry("r2", 2), entry("r2", 3));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "duplicate", "\"r2\"", "entry 2");
  }

  @Test
  void fromWire_vectorWithCounterZero_isMalformedNamingTheEntry() {
    io.converge.replication.wire.v1.VersionVector m = vector(entry("r1", 1), entry("r2", 0));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "entry 1", "counter=0", "\"r2\"");
  }

  @Test
  void fromWire_vectorWithCounterAboveLongMax_isCounterRange() {
    io.converge.replication.wire.v1.VersionVector m = vector(entry("r1", -1L));

    assertRefused(COUNTER_RANGE, () -> Clocks.fromWire(m, LIMITS), "counter=18446744073709551615");
  }

  @Test
  void fromWire_vectorWithBadReplicaId_isMalformedNamingIt() {
    io.converge.replication.wire.v1.VersionVector m = vector(entry("r1", 1), entry("é", 1));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "entry 1 replica", "\"é\"");
  }

  @Test
  void fromWire_vectorWithEmptyReplicaId_isMalformed() {
    assertRefused(
        MALFORMED, () -> Clocks.fromWire(vector(entry("", 1)), LIMITS), "entry 0", "length=0");
  }

  @Test
  void fromWire_vectorWithMoreEntriesThanLimit_isOversizedNamingCountAndLimit() {
    io.converge.replication.wire.v1.VersionVector m =
        vector(entry("r1", 1), entry("r2", 1), entry("r3", 1));

    assertRefused(
        OVERSIZED,
        () -> Clocks.fromWire(m, LIMITS.withMaxReplicas(2)),
        "3 replica entries",
        "maxReplicas=2");
  }

  @Test
  void fromWire_vectorAtLimit_isAccepted() {
    io.converge.replication.wire.v1.VersionVector m = vector(entry("r1", 1), entry("r2", 1));

    assertEquals(2, Clocks.fromWire(m, LIMITS.withMaxReplicas(2)).size());
  }

  @Test
  void fromWire_contextWithGap_keepsTheCloud() {
    CausalContext c = Clocks.fromWire(context(vector(entry("r1", 2)), dot("r1", 4)), LIMITS);

    assertEquals(CausalContext.of(VersionVector.of(r1, 2), List.of(Dot.of(r1, 4))), c);
  }

  @Test
  void fromWire_contextWithUnsortedCloud_isMalformedNamingBothDots() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(), dot("r2", 5), dot("r1", 5));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "sorted", "r1:5", "r2:5");
  }

  @Test
  void fromWire_contextWithUnsortedCountersOfOneReplica_isMalformed() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(), dot("r1", 7), dot("r1", 5));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "sorted", "r1:5", "r1:7");
  }

  @Test
  void fromWire_contextWithDuplicateDot_isMalformedNamingIt() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(), dot("r1", 5), dot("r1", 5));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "duplicate", "r1:5");
  }

  @Test
  void fromWire_contextWithCloudDotCoveredByVector_isMalformedNamingDotAndVector() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(entry("r1", 5)), dot("r1", 3));

    assertRefused(
        MALFORMED, () -> Clocks.fromWire(m, LIMITS), "not compacted", "r1:3", "covered", "{r1=5}");
  }

  @Test
  void fromWire_contextWithCloudDotContinuingVector_isMalformed() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(entry("r1", 5)), dot("r1", 6));

    assertRefused(
        MALFORMED, () -> Clocks.fromWire(m, LIMITS), "not compacted", "r1:6", "continues");
  }

  @Test
  void fromWire_contextWithCloudDotStartingAReplica_isMalformed() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(), dot("r1", 1));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "not compacted", "r1:1");
  }

  @Test
  void fromWire_contextWhoseVectorIsAtMaxCounter_refusesCoveredDot() {
    io.converge.replication.wire.v1.CausalContext m =
        context(vector(entry("r1", Clocks.MAX_COUNTER)), dot("r1", Clocks.MAX_COUNTER));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "covered");
  }

  @Test
  void fromWire_contextWithCloudDotCounterZero_isMalformed() {
    io.converge.replication.wire.v1.CausalContext m = context(vector(), dot("r1", 0));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "cloud dot 0", "counter=0");
  }

  @Test
  void fromWire_contextWithMalformedCompact_isMalformedNamingTheCompactPart() {
    io.converge.replication.wire.v1.CausalContext m =
        context(vector(entry("r2", 1), entry("r1", 1)));

    assertRefused(MALFORMED, () -> Clocks.fromWire(m, LIMITS), "causal context compact");
  }

  @Test
  void fromWire_contextWithMoreCloudDotsThanLimit_isOversized() {
    io.converge.replication.wire.v1.CausalContext m =
        context(vector(), dot("r1", 3), dot("r1", 5), dot("r1", 7));

    assertRefused(
        OVERSIZED,
        () -> Clocks.fromWire(m, LIMITS.withMaxElements(2)),
        "cloud has 3 elements",
        "maxElements=2");
  }
}
