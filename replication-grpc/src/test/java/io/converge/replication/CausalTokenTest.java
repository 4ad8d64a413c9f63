package io.converge.replication;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.crdt.GCounter;
import io.converge.crdt.LWWRegister;
import io.converge.crdt.ORSet;
import io.converge.replication.codec.ElementCodec;
import io.converge.replication.transport.InMemoryNetwork;
import io.converge.replication.wire.v1.CausalTokenData;
import io.converge.replication.wire.v1.KeyedDelta;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Read-your-writes across regions with {@link CausalToken}: over the in-memory network with an
 * injected replication delay of 400 to 800 ms (virtual), the reader's thread waits while the test
 * drives the network.
 */
final class CausalTokenTest {

  private static final Key<ORSet<String>> CART = Key.orSet("cart:alice", ElementCodec.strings());
  private static final Key<GCounter> VISITS = Key.gCounter("visits");
  private static final Key<LWWRegister<String>> ADDRESS =
      Key.lwwRegister("address:alice", ElementCodec.strings());
  private static final Duration SECOND = Duration.ofSeconds(1);
  private static final Duration STEP = Duration.ofMillis(5);
  private static final Duration GENEROUS = Duration.ofSeconds(20);
  private static final Duration DELAY_MIN = Duration.ofMillis(400);

  private SimulatedCluster cluster;
  private Replica us;
  private Replica eu;
  private Replica ap;

  @BeforeEach
  void setUp() {
    cluster =
        new SimulatedCluster(
            InMemoryNetwork.builder().seed(5).delay(DELAY_MIN, Duration.ofMillis(800)).build());
    us = start("us");
    eu = start("eu");
    ap = start("ap");
    cluster.advance(Duration.ofSeconds(3));
  }

  private Replica start(String name) {
    return cluster.start(name, b -> b.key(CART).key(VISITS).key(ADDRESS));
  }

  @Test
  void readInAnotherRegion_withToken_waitsForTheWrite() throws Exception {
    Written<ORSet<String>> written = us.write(CART, s -> s.add(us.self(), "socks"));
    CausalToken token = written.token();
    assertEquals(Set.of("cart:alice"), token.keys());
    assertEquals(1, token.size());

    // Without the token the other region does not have it yet: the delay is real.
    assertEquals(Set.of(), eu.get(CART).elements());
    assertFalse(eu.hasSeen(token));

    Duration before = cluster.network.now();
    ORSet<String> read = cluster.driving(STEP, () -> eu.get(CART, token, GENEROUS));
    Duration waited = cluster.network.now().minus(before);
    assertEquals(Set.of("socks"), read.elements());
    assertTrue(eu.hasSeen(token));
    assertTrue(
        waited.compareTo(DELAY_MIN) >= 0,
        () -> "returned before any delivery could happen: " + waited);
  }

  @Test
  void writersOwnRegion_hasSeenItsTokenAtOnce() {
    CausalToken token = us.write(VISITS, c -> c.increment(us.self(), 2)).token();
    assertTrue(us.hasSeen(token));
    assertEquals(2, us.get(VISITS, token, Duration.ZERO).value());
  }

  @Test
  void tokenCarriedAsText_readsBackTheWrite() throws Exception {
    String header = us.write(CART, s -> s.add(us.self(), "hat")).token().toString();
    assertTrue(header.matches("[A-Za-z0-9_-]+"), () -> "not URL-safe: " + header);
    CausalToken parsed = CausalToken.parse(header);
    assertEquals(
        Set.of("hat"), cluster.driving(STEP, () -> ap.get(CART, parsed, GENEROUS)).elements());
    assertEquals(parsed, CausalToken.fromBytes(parsed.toByteArray()));
  }

  @Test
  void writeThatReachesTheReaderOnlyThroughAThirdRegion_isSeen() throws Exception {
    // us and ap cannot talk; deltas are not relayed, so ap learns us's write from eu's
    // anti-entropy.
    cluster.network.partition(Set.of(us.self()), Set.of(ap.self()));
    cluster.advance(SECOND);
    CausalToken token = us.write(CART, s -> s.add(us.self(), "scarf")).token();
    ORSet<String> read = cluster.driving(STEP, () -> ap.get(CART, token, GENEROUS));
    assertEquals(Set.of("scarf"), read.elements());
    assertTrue(ap.stats().fullStatesReceived() > 0, "it arrived by anti-entropy");
  }

  @Test
  void remove_readElsewhereWithItsToken_doesNotShowTheRemovedItem() throws Exception {
    CausalToken added = us.write(CART, s -> s.add(us.self(), "gloves")).token();
    cluster.driving(STEP, () -> eu.get(CART, added, GENEROUS));
    CausalToken removed = eu.write(CART, s -> s.remove(eu.self(), "gloves")).token();
    assertEquals(Set.of("gloves"), us.get(CART).elements(), "us has not seen the remove yet");
    assertFalse(us.hasSeen(removed));
    assertEquals(Set.of(), cluster.driving(STEP, () -> us.get(CART, removed, GENEROUS)).elements());
  }

  @Test
  void supersededWrite_isSeen() throws Exception {
    CausalToken first = us.write(ADDRESS, r -> r.set("1 Main St", us.clock(), us.self())).token();
    cluster.driving(STEP, () -> eu.get(ADDRESS, first, GENEROUS));
    CausalToken second = eu.write(ADDRESS, r -> r.set("9 Elm St", eu.clock(), eu.self())).token();
    assertTrue(eu.hasSeen(first), "a later write that replaced it still counts as seen");
    assertEquals(
        "9 Elm St",
        cluster.driving(STEP, () -> us.get(ADDRESS, second, GENEROUS)).value().orElseThrow());
  }

  @Test
  void joinedTokens_waitForEveryWrite_onAnyKey() throws Exception {
    CausalToken session =
        us.write(CART, s -> s.add(us.self(), "a"))
            .token()
            .and(eu.write(VISITS, c -> c.increment(eu.self(), 1)).token());
    assertEquals(2, session.size());
    assertEquals(Set.of("cart:alice", "visits"), session.keys());
    assertSame(session, session.and(CausalToken.empty()));
    assertEquals(session, session.and(session), "each write once");
    ORSet<String> read = cluster.driving(STEP, () -> ap.get(CART, session, GENEROUS));
    assertEquals(Set.of("a"), read.elements());
    assertEquals(1, ap.get(VISITS).value(), "the visits write was waited for too");
  }

  @Test
  void partitionedReader_timesOutNamingTheMissingKeys_andTheWriteIsNotLost() throws Exception {
    cluster.network.isolate(eu.self());
    cluster.advance(SECOND);
    CausalToken token = us.write(CART, s -> s.add(us.self(), "belt")).token();
    ReadTimeoutException e =
        assertThrows(
            ReadTimeoutException.class,
            () -> cluster.driving(STEP, () -> eu.get(CART, token, Duration.ofMillis(200))));
    assertEquals(Set.of("cart:alice"), e.unseenKeys());
    assertTrue(e.getMessage().contains("eu has not seen 1 of the 1 writes"), e::getMessage);
    assertTrue(e.getMessage().contains("not lost"), e::getMessage);
    ReadTimeoutException once =
        assertThrows(ReadTimeoutException.class, () -> eu.get(VISITS, token, Duration.ZERO));
    assertTrue(once.getMessage().contains("within PT0S"), once::getMessage);

    cluster.network.heal();
    assertEquals(
        Set.of("belt"), cluster.driving(STEP, () -> eu.get(CART, token, GENEROUS)).elements());
  }

  @Test
  void emptyToken_isSeenEverywhere() {
    CausalToken empty = CausalToken.empty();
    assertTrue(empty.isEmpty());
    assertTrue(eu.hasSeen(empty));
    assertEquals(empty, CausalToken.parse(empty.toString()));
    assertTrue(us.write(VISITS, c -> c).token().isEmpty(), "no delta, no write, empty token");
  }

  @Test
  void tokenNamingAnUndeclaredKeyOrAnotherType_refusedNamingIt() {
    Replica other = cluster.start("other", b -> b.key(Key.gCounter("cart:alice")));
    CausalToken token = us.write(CART, s -> s.add(us.self(), "x")).token();
    IllegalArgumentException wrongType =
        assertThrows(IllegalArgumentException.class, () -> other.hasSeen(token));
    assertTrue(wrongType.getMessage().contains("cart:alice as ORSet"), wrongType::getMessage);
    assertTrue(wrongType.getMessage().contains("declares it as GCounter"), wrongType::getMessage);

    CausalToken visits = us.write(VISITS, c -> c.increment(us.self(), 1)).token();
    IllegalArgumentException undeclared =
        assertThrows(
            IllegalArgumentException.class,
            () -> other.get(Key.gCounter("cart:alice"), visits, SECOND));
    assertTrue(undeclared.getMessage().contains("key visits"), undeclared::getMessage);
    assertTrue(undeclared.getMessage().contains("does not declare"), undeclared::getMessage);
  }

  @Test
  void forgedDelta_thatDoesNotDecode_refused() {
    CausalToken forged =
        CausalToken.fromBytes(
            token(
                    KeyedDelta.newBuilder()
                        .setKey("visits")
                        .setType("GCounter")
                        .setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff, 0x01, 0x02})))
                .toByteArray());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> eu.get(VISITS, forged, SECOND));
    assertTrue(e.getMessage().contains("key visits does not decode"), e::getMessage);
  }

  @Test
  void parse_refusesWhatIsNotAToken_namingWhy() {
    assertMessage(
        () -> CausalToken.parse("not base64 !"), "causal token text is not URL-safe base64");
    assertMessage(() -> CausalToken.fromBytes(new byte[] {0x0a, 0x7f}), "not a causal token");
    assertMessage(
        () ->
            CausalToken.fromBytes(CausalTokenData.newBuilder().setVersion(2).build().toByteArray()),
        "format version 2");
    byte[] tooLong = new byte[CausalToken.MAX_BYTES + 1];
    assertMessage(() -> CausalToken.fromBytes(tooLong), "65537 bytes is over MAX_BYTES=65536");
    assertMessage(
        () -> CausalToken.parse("A".repeat(100_000)), "100000 characters is longer than a token");
    assertMessage(
        () ->
            CausalToken.fromBytes(token(KeyedDelta.newBuilder().setType("GCounter")).toByteArray()),
        "key name of 0 characters");
    assertMessage(
        () ->
            CausalToken.fromBytes(
                token(KeyedDelta.newBuilder().setKey("k".repeat(Key.MAX_NAME_LENGTH + 1)))
                    .toByteArray()),
        "key name of 257 characters");
    assertMessage(
        () -> CausalToken.fromBytes(token(KeyedDelta.newBuilder().setKey("visits")).toByteArray()),
        "(key visits) has no type");
    assertMessage(
        () ->
            CausalToken.fromBytes(
                token(KeyedDelta.newBuilder().setKey("visits").setType("GCounter")).toByteArray()),
        "(key visits) has no delta");
    assertThrows(NullPointerException.class, () -> CausalToken.parse(null));
    assertThrows(NullPointerException.class, () -> CausalToken.fromBytes(null));
  }

  @Test
  void and_beyondMaxBytes_refused() {
    CausalToken session = CausalToken.empty();
    byte[] payload = new byte[1_000];
    Arrays.fill(payload, (byte) 1);
    IllegalArgumentException e = null;
    for (int i = 0; i < 100 && e == null; i++) {
      CausalToken one =
          CausalToken.fromBytes(
              token(
                      KeyedDelta.newBuilder()
                          .setKey("k" + i)
                          .setType("GCounter")
                          .setPayload(ByteString.copyFrom(payload)))
                  .toByteArray());
      try {
        session = session.and(one);
      } catch (IllegalArgumentException refused) {
        e = refused;
      }
    }
    assertTrue(e != null, "a token grew past MAX_BYTES");
    assertTrue(e.getMessage().contains("over MAX_BYTES=65536"), e.getMessage());
    assertTrue(session.toByteArray().length <= CausalToken.MAX_BYTES);
  }

  @Test
  void tokenOfAWriteLargerThanMaxBytes_worksInProcess_butCannotBeEncoded() {
    String big = "z".repeat(CausalToken.MAX_BYTES);
    CausalToken token = us.write(CART, s -> s.add(us.self(), big)).token();
    assertTrue(us.hasSeen(token));
    IllegalStateException e = assertThrows(IllegalStateException.class, token::toString);
    assertTrue(e.getMessage().contains("cannot be encoded"), e::getMessage);
  }

  @Test
  void closedReplica_readWithUnseenToken_endsWithTheReason() throws Exception {
    cluster.network.isolate(eu.self());
    CausalToken token = us.write(CART, s -> s.add(us.self(), "tie")).token();
    // Closes before or while the reader waits: either way the read ends and says why.
    Thread closer = new Thread(eu::close);
    closer.setDaemon(true);
    closer.start();
    ReadTimeoutException e =
        assertThrows(ReadTimeoutException.class, () -> eu.get(CART, token, GENEROUS));
    assertTrue(e.getMessage().contains("closed"), e::getMessage);
  }

  private static CausalTokenData token(KeyedDelta.Builder write) {
    return CausalTokenData.newBuilder().setVersion(1).addWrites(write).build();
  }

  private static void assertMessage(Runnable call, String expected) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
    assertTrue(
        e.getMessage().contains(expected),
        () -> "expected '" + expected + "' in: " + e.getMessage());
  }
}
