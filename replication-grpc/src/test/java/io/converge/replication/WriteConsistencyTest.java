package io.converge.replication;

import static io.converge.replication.Consistency.ALL;
import static io.converge.replication.Consistency.LOCAL;
import static io.converge.replication.Consistency.QUORUM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.GCounter;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.codec.WireException;
import io.converge.replication.transport.InMemoryNetwork;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Consistency} over the in-memory network: how long a write waits, what a timeout says, and
 * that nothing is rolled back. The writer waits on its own thread while the test drives virtual
 * time ({@link SimulatedCluster#driving}); timeouts are virtual time too.
 */
final class WriteConsistencyTest {

  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<GCounter> ORDERS = Key.gCounter("order:count");
  private static final Key<ORSet<String>> TAGS = Key.orSet("tags", ElementCodec.strings());
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration STEP = Duration.ofMillis(5);
  private static final Duration GENEROUS = Duration.ofSeconds(20);
  private static final Duration SHORT = Duration.ofMillis(300);

  private SimulatedCluster cluster;

  @BeforeEach
  void setUp() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder()
                .seed(11)
                .delay(Duration.ofMillis(20), Duration.ofMillis(40))
                .build());
  }

  private Replica start(String name) {
    return cluster.start(name, b -> b.key(VISITS).key(TAGS).key(ORDERS));
  }

  private List<Replica> three() {
    List<Replica> rs = List.of(start("r1"), start("r2"), start("r3"));
    cluster.advance(SECOND);
    return rs;
  }

  private static GCounter increment(Replica r, GCounter c) {
    return c.increment(r.self(), 1);
  }

  @Test
  void quorum_ofThree_returnsOnceOnePeerHoldsTheWrite() throws Exception {
    List<Replica> rs = three();
    Replica r1 = rs.get(0);
    Written<GCounter> written =
        cluster.driving(STEP, () -> r1.write(VISITS, c -> increment(r1, c), QUORUM, GENEROUS));
    assertEquals(1, written.value().value());
    long holders = rs.stream().skip(1).filter(r -> r.get(VISITS).value() == 1).count();
    assertTrue(holders >= 1, "QUORUM returned before any peer held the write");
  }

  @Test
  void quorum_writeThatChangesNothing_waitsForWhatItObserved() throws Exception {
    // Issue 13, finding 8: r1, cut off, removed "x" with a LOCAL write (on its disk alone); a
    // QUORUM remove of "x" then changes nothing, and used to return at once with an empty token,
    // acknowledging a value no peer held.
    List<Replica> rs = three();
    Replica r1 = rs.get(0);
    Replica r2 = rs.get(1);
    cluster.driving(STEP, () -> r1.write(TAGS, s -> s.add(r1.self(), "x"), QUORUM, GENEROUS));
    cluster.network.isolate(r1.self());
    cluster.advance(SECOND);
    r1.write(TAGS, s -> s.remove(r1.self(), "x"), LOCAL, GENEROUS);
    WriteTimeoutException e =
        assertThrows(
            WriteTimeoutException.class,
            () ->
                cluster.driving(
                    STEP, () -> r1.write(TAGS, s -> s.remove(r1.self(), "x"), QUORUM, SHORT)));
    assertEquals(Set.of(), e.acknowledgedBy());
    assertTrue(r2.get(TAGS).contains("x"), "no peer holds the remove yet");
    CausalToken observed = e.token();
    assertFalse(observed.isEmpty(), "the token names what the write observed");
    assertFalse(r2.hasSeen(observed));

    cluster.network.heal();
    Written<ORSet<String>> again =
        cluster.driving(
            STEP, () -> r1.write(TAGS, s -> s.remove(r1.self(), "x"), QUORUM, GENEROUS));
    assertFalse(again.token().isEmpty());
    long holders = rs.stream().skip(1).filter(r -> !r.get(TAGS).contains("x")).count();
    assertTrue(holders >= 1, "QUORUM returned before any peer held the observed remove");
    Replica r3 = rs.get(2);
    assertFalse(
        cluster.driving(STEP, () -> r3.get(TAGS, again.token(), GENEROUS)).contains("x"),
        "a read with the no-op write's token waits for the remove it observed");
  }

  @Test
  void quorum_writeThatChangesNothing_noEarlierWriteHere_returnsAtOnce() throws Exception {
    List<Replica> rs = three();
    Replica r1 = rs.get(0);
    cluster.network.isolate(r1.self());
    Written<ORSet<String>> w = r1.write(TAGS, s -> s.remove(r1.self(), "absent"), QUORUM, SHORT);
    assertTrue(w.value().elements().isEmpty());
  }

  @Test
  void all_returnsOnceEveryPeerHoldsTheWrite() throws Exception {
    List<Replica> rs = three();
    Replica r1 = rs.get(0);
    cluster.driving(STEP, () -> r1.write(VISITS, c -> increment(r1, c), ALL, GENEROUS));
    for (Replica r : rs) {
      assertEquals(1, r.get(VISITS).value(), r::toString);
    }
  }

  @Test
  void local_returnsBeforeAnyPeerHasTheWrite() {
    List<Replica> rs = three();
    Replica r1 = rs.get(0);
    r1.write(VISITS, c -> increment(r1, c), LOCAL, GENEROUS);
    assertEquals(1, r1.get(VISITS).value());
    assertEquals(0, rs.get(1).get(VISITS).value(), "no virtual time passed: nothing delivered");
    assertEquals(0, rs.get(2).get(VISITS).value());
  }

  @Test
  void quorum_oneOfThreeRegionsDown_stillSucceeds() throws Exception {
    List<Replica> rs = three();
    cluster.network.crash(ReplicaId.of("r3"));
    cluster.advance(SECOND);
    Replica r1 = rs.get(0);
    cluster.driving(STEP, () -> r1.write(VISITS, c -> increment(r1, c), QUORUM, GENEROUS));
    assertEquals(1, rs.get(1).get(VISITS).value());
  }

  @Test
  void quorum_cutOffFromEveryPeer_timesOutSayingTheWriteIsAppliedAndStillReplicates()
      throws Exception {
    List<Replica> rs = three();
    Replica r1 = rs.get(0);
    cluster.network.isolate(r1.self());
    cluster.advance(SECOND);
    WriteTimeoutException e =
        assertThrows(
            WriteTimeoutException.class,
            () ->
                cluster.driving(
                    STEP, () -> r1.write(VISITS, c -> increment(r1, c), QUORUM, SHORT)));
    assertEquals(QUORUM, e.consistency());
    assertEquals("visits", e.key());
    assertEquals(1, e.peersNeeded());
    assertEquals(Set.of(), e.acknowledgedBy());
    String message = e.getMessage();
    assertTrue(message.contains("applied on r1"), message);
    assertTrue(message.contains("will still replicate"), message);
    assertTrue(message.contains("nothing is rolled back"), message);
    assertTrue(message.contains("[r2, r3]"), () -> "the missing peers are not named: " + message);

    assertEquals(1, r1.get(VISITS).value(), "a timed-out write is not rolled back");
    cluster.network.heal();
    cluster.advance(Duration.ofSeconds(3));
    for (Replica r : rs) {
      assertEquals(1, r.get(VISITS).value(), r::toString);
      assertTrue(r.hasSeen(e.token()), r::toString);
    }
  }

  @Test
  void all_onePeerDown_timesOutNamingIt_andTheOtherPeerAcknowledged() throws Exception {
    List<Replica> rs = three();
    cluster.network.crash(ReplicaId.of("r3"));
    cluster.advance(SECOND);
    Replica r1 = rs.get(0);
    WriteTimeoutException e =
        assertThrows(
            WriteTimeoutException.class,
            () -> cluster.driving(STEP, () -> r1.write(VISITS, c -> increment(r1, c), ALL, SHORT)));
    assertEquals(2, e.peersNeeded());
    assertEquals(Set.of(ReplicaId.of("r2")), e.acknowledgedBy());
    assertTrue(e.getMessage().contains("not by [r3]"), e::getMessage);
  }

  @Test
  void quorum_peerThatRefusesTheKey_isNotCountedAsHoldingIt() throws Exception {
    Replica r1 = start("r1");
    Replica r2 = cluster.start("r2", b -> b); // declares nothing: refuses visits (TYPE_MISMATCH)
    cluster.advance(SECOND);
    WriteTimeoutException e =
        assertThrows(
            WriteTimeoutException.class,
            () ->
                cluster.driving(
                    STEP, () -> r1.write(VISITS, c -> increment(r1, c), QUORUM, SHORT)));
    assertEquals(Set.of(), e.acknowledgedBy());
    assertTrue(r1.peers().get(r2.self()).ackedSequence() >= 1, "r2 did ack the sequence");
    assertTrue(r1.stats().rejectsReceived().get(WireException.Reason.TYPE_MISMATCH) >= 1);
  }

  @Test
  void noPeers_quorumAndAllReturnAtOnce() {
    Replica alone = start("r1");
    alone.write(VISITS, c -> increment(alone, c), QUORUM, Duration.ZERO);
    alone.write(VISITS, c -> increment(alone, c), ALL, Duration.ZERO);
    assertEquals(2, alone.get(VISITS).value());
  }

  @Test
  void update_usesTheLongestMatchingPrefixConsistency() throws Exception {
    Replica r1 =
        cluster.start(
            "r1",
            b ->
                b.key(VISITS)
                    .key(ORDERS)
                    .key(TAGS)
                    .consistency("order:", QUORUM)
                    .consistency("order:cou", LOCAL)
                    .consistency("ord", ALL)
                    .writeTimeout(SHORT));
    start("r2");
    cluster.advance(SECOND);
    assertEquals(LOCAL, r1.consistencyOf("visits"));
    assertEquals(LOCAL, r1.consistencyOf("order:count"));
    assertEquals(QUORUM, r1.consistencyOf("order:42"));
    assertEquals(ALL, r1.consistencyOf("ordinal"));
    assertEquals(LOCAL, r1.consistencyOf("or"));

    Replica r1b = r1;
    cluster.network.isolate(r1.self());
    cluster.advance(SECOND);
    r1.update(VISITS, c -> increment(r1b, c)); // LOCAL: returns at once
    r1.update(ORDERS, c -> increment(r1b, c)); // "order:cou" -> LOCAL
    Key<GCounter> order42 = Key.gCounter("order:42");
    WriteTimeoutException e =
        assertThrows(
            WriteTimeoutException.class,
            () -> cluster.driving(STEP, () -> r1.update(order42, c -> increment(r1b, c))));
    assertEquals(QUORUM, e.consistency());
    assertEquals(1, r1.get(order42).value());
  }

  @Test
  void builderDefault_appliesToEveryKeyWithoutAPrefixRule() throws Exception {
    Replica r1 = cluster.start("r1", b -> b.key(VISITS).consistency(QUORUM).writeTimeout(GENEROUS));
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    assertEquals(QUORUM, r1.consistencyOf("anything"));
    cluster.driving(STEP, () -> r1.update(VISITS, c -> increment(r1, c)));
    assertEquals(1, r2.get(VISITS).value(), "the default QUORUM waited for r2");
  }

  @Test
  void quorum_deltaLargerThanOneMessage_refusedBeforeItIsApplied() {
    cluster =
        new SimulatedCluster(InMemoryNetwork.builder().seed(1).maxMessageBytes(2_000).build());
    Replica r1 = start("r1");
    start("r2");
    cluster.advance(SECOND);
    String big = "x".repeat(4_000);
    WireException e =
        assertThrows(
            WireException.class,
            () -> r1.write(TAGS, s -> s.add(r1.self(), big), QUORUM, GENEROUS));
    assertEquals(WireException.Reason.OVERSIZED, e.reason());
    assertTrue(e.getMessage().contains("unchanged"), e::getMessage);
    assertEquals(Set.of(), r1.get(TAGS).elements());
    // LOCAL takes it: anti-entropy ships it.
    r1.write(TAGS, s -> s.add(r1.self(), big), LOCAL, GENEROUS);
    assertEquals(Set.of(big), r1.get(TAGS).elements());
  }

  @Test
  void quorum_writeThatChangesNothing_afterALocalWriteTooLargeForADelta_waitsForItsFullState()
      throws Exception {
    // Issue 14: a write too large for a delta has no sequence for an Ack to name; a QUORUM write
    // that changed nothing after it used to return at once (it found no sequence to wait for),
    // though the write was on r1 alone.
    cluster =
        new SimulatedCluster(InMemoryNetwork.builder().seed(1).maxMessageBytes(2_000).build());
    Replica r1 = start("r1");
    Replica r2 = start("r2");
    cluster.advance(SECOND);
    cluster.network.isolate(r1.self());
    String big = "x".repeat(4_000);
    r1.write(TAGS, s -> s.add(r1.self(), big), LOCAL, GENEROUS);

    assertThrows(WriteTimeoutException.class, () -> r1.write(TAGS, s -> s, QUORUM, Duration.ZERO));

    cluster.network.heal();
    cluster.driving(STEP, () -> r1.write(TAGS, s -> s, QUORUM, GENEROUS));
    assertEquals(Set.of(big), r2.get(TAGS).elements(), "returned once r2 held it");
  }

  @Test
  void write_noDelta_noEarlierWriteHere_returnsWithoutWaiting_tokenNamesTheObservedValue() {
    // Issue 13 (finding 8) changed this: the token of a QUORUM/ALL write that changes nothing
    // names the value it observed (was: the empty token).
    List<Replica> rs = three();
    cluster.network.isolate(ReplicaId.of("r1"));
    Replica r1 = rs.get(0);
    Written<GCounter> written = r1.write(VISITS, c -> c, ALL, Duration.ZERO);
    assertEquals(0, written.value().value());
    assertEquals(1, written.token().size());
    assertTrue(rs.get(1).hasSeen(written.token()), "the observed value is the empty counter");
  }

  @Test
  void arguments_checked() {
    Replica r1 = start("r1");
    assertThrows(
        IllegalArgumentException.class,
        () -> r1.write(VISITS, c -> increment(r1, c), QUORUM, Duration.ofMillis(-1)));
    assertThrows(NullPointerException.class, () -> r1.write(VISITS, c -> c, null, SECOND));
    assertThrows(NullPointerException.class, () -> r1.write(VISITS, c -> c, QUORUM, null));
    assertThrows(NullPointerException.class, () -> r1.consistencyOf(null));
    assertEquals(0, r1.get(VISITS).value(), "refused writes changed nothing");

    Replica.Builder b = Replica.builder();
    IllegalArgumentException empty =
        assertThrows(IllegalArgumentException.class, () -> b.consistency("", QUORUM));
    assertTrue(empty.getMessage().contains("keyPrefix"), empty::getMessage);
    assertThrows(IllegalArgumentException.class, () -> b.writeTimeout(Duration.ZERO));
    IllegalArgumentException negative =
        assertThrows(IllegalArgumentException.class, () -> b.writeTimeout(Duration.ofSeconds(-1)));
    assertTrue(negative.getMessage().contains("PT-1S"), negative::getMessage);
    assertThrows(NullPointerException.class, () -> b.consistency((Consistency) null));
  }

  @Test
  void peerAcksNeeded_majorityOfAllReplicas() {
    int[] quorum = {0, 1, 1, 2, 2, 3, 3};
    for (int peers = 0; peers < quorum.length; peers++) {
      assertEquals(0, LOCAL.peerAcksNeeded(peers));
      assertEquals(quorum[peers], QUORUM.peerAcksNeeded(peers), "peers=" + peers);
      assertEquals(peers, ALL.peerAcksNeeded(peers));
      int replicas = peers + 1;
      assertTrue(2 * (quorum[peers] + 1) > replicas, "not a majority: peers=" + peers);
    }
  }
}
