package io.converge.replication.antientropy;

import static io.converge.replication.antientropy.TreeFixtures.hash;
import static io.converge.replication.antientropy.TreeFixtures.range;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import io.converge.replication.wire.v1.KeyRange;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;

final class ReconcilerTest {

  /** Runs a reconciliation and checks every message against both sides' bounds. */
  static ReconciliationSession drive(
      Reconciler requester, KeyDigestTree local, Reconciler responder, KeyDigestTree remote) {
    ReconciliationSession session = requester.start(local);
    int guard = 0;
    while (!session.isDone()) {
      DigestRequest request = session.nextRequest();
      assertTrue(
          Reconciler.entries(request) <= responder.maxEntriesPerMessage(),
          "request of " + Reconciler.entries(request) + " ranges");
      DigestResponse response = responder.respond(remote, request);
      long entries = Reconciler.entries(response);
      assertTrue(
          entries <= responder.maxEntriesPerMessage(),
          "response of " + entries + " entries, bound " + responder.maxEntriesPerMessage());
      session.accept(response);
      assertTrue(++guard < 1_000_000, "reconciliation does not end");
    }
    assertTrue(session.stats().largestMessage() <= requester.maxEntriesPerMessage());
    return session;
  }

  /**
   * Two replicas of n keys that differ on d of them: a third changed, missing here, missing there.
   */
  record Pair(KeyDigestTree local, KeyDigestTree remote, Divergence expected) {}

  static Pair pair(int n, int d, long seed) {
    KeyDigestTree local = new KeyDigestTree();
    KeyDigestTree remote = new KeyDigestTree();
    for (int i = 0; i < n; i++) {
      String key = "user:" + i;
      local.put(key, "ORMap", hash(i));
      remote.put(key, "ORMap", hash(i));
    }
    TreeSet<String> onlyLocal = new TreeSet<>(Utf8Order.COMPARATOR);
    TreeSet<String> onlyRemote = new TreeSet<>(Utf8Order.COMPARATOR);
    TreeSet<String> differing = new TreeSet<>(Utf8Order.COMPARATOR);
    SplittableRandom random = new SplittableRandom(seed);
    TreeSet<Integer> chosen = new TreeSet<>();
    while (chosen.size() < d) {
      chosen.add(random.nextInt(n));
    }
    int j = 0;
    for (int i : chosen) {
      String key = "user:" + i;
      switch (j++ % 4) {
        case 0 -> {
          remote.put(key, "ORMap", hash(n + i));
          differing.add(key);
        }
        case 1 -> {
          remote.put(key, "MVRegister", hash(i));
          differing.add(key);
        }
        case 2 -> {
          local.remove(key);
          onlyRemote.add(key);
        }
        default -> {
          remote.remove(key);
          onlyLocal.add(key);
        }
      }
    }
    return new Pair(local, remote, new Divergence(onlyLocal, onlyRemote, differing));
  }

  /** The counts of a reconciliation's stats, without its bytes. */
  static List<Long> counts(ExchangeStats stats) {
    return List.of(
        (long) stats.rounds(),
        stats.rangeDigests(),
        stats.keyDigests(),
        (long) stats.largestMessage());
  }

  @Test
  void reconcile_equalTrees_oneRoundOfOneEntryAndNoDivergence() {
    Pair p = pair(1000, 0, 1);

    ReconciliationSession session = Reconciler.defaults().reconcile(p.local(), p.remote());

    assertTrue(session.divergence().isEmpty());
    assertEquals(List.of(1L, 1L, 0L, 1L), counts(session.stats()));
    // Round, salt, one range of two empty bounds, its count and 8-byte hash; an empty response.
    assertEquals(34, session.stats().bytes());
  }

  @Test
  void reconcile_bothEmpty_oneRoundAndNoDivergence() {
    ReconciliationSession session =
        Reconciler.defaults().reconcile(new KeyDigestTree(), new KeyDigestTree());

    assertEquals(Divergence.none(), session.divergence());
    assertEquals(1, session.stats().rounds());
  }

  @Test
  void reconcile_emptyRemote_everyLocalKeyIsOnlyLocalInOneRound() {
    Pair p = pair(5000, 0, 1);

    ReconciliationSession session = Reconciler.defaults().reconcile(p.local(), new KeyDigestTree());

    assertEquals(5000, session.divergence().onlyLocal().size());
    assertTrue(session.divergence().onlyRemote().isEmpty());
    assertEquals(List.of(1L, 2L, 0L, 1L), counts(session.stats()));
  }

  @Test
  void reconcile_emptyLocal_everyRemoteKeyIsOnlyRemote() {
    Pair p = pair(5000, 0, 1);

    ReconciliationSession session =
        drive(Reconciler.defaults(), new KeyDigestTree(), Reconciler.defaults(), p.remote());

    assertEquals(5000, session.divergence().onlyRemote().size());
    assertEquals(p.remote().size(), session.stats().keyDigests());
  }

  @Test
  void reconcile_100kKeys100Divergent_findsExactlyThemWithEntriesProportionalToDivergence(
      TestReporter reporter) {
    int n = 100_000;
    int d = 100;
    Pair p = pair(n, d, 42);
    Reconciler reconciler = Reconciler.defaults();

    ReconciliationSession session = drive(reconciler, p.local(), reconciler, p.remote());

    assertEquals(p.expected(), session.divergence());
    assertEquals(d, session.divergence().size());
    ExchangeStats stats = session.stats();
    // Levels of splitting until a range holds leafKeys keys, plus the listing round.
    int levels = levels(n, reconciler);
    long rangeBound = (long) d * (2 + reconciler.fanout()) * levels;
    reporter.publishEntry(
        "exchange",
        String.format(
            "N=%d d=%d %s: rounds=%d rangeDigests=%d keyDigests=%d entries=%d"
                + " (%.1f per divergent key) largestMessage=%d; bounds: keyDigests < %d,"
                + " rangeDigests < %d",
            n,
            d,
            reconciler,
            stats.rounds(),
            stats.rangeDigests(),
            stats.keyDigests(),
            stats.entries(),
            (double) stats.entries() / d,
            stats.largestMessage(),
            20 * d,
            rangeBound));
    assertTrue(stats.keyDigests() < 20L * d, "key digests: " + stats.keyDigests());
    assertTrue(stats.rangeDigests() < rangeBound, "range digests: " + stats.rangeDigests());
    assertTrue(stats.entries() < n / 10, "entries: " + stats.entries());
  }

  @Test
  void reconcile_100kKeysOtherSettings_entriesStayProportionalToDivergence(TestReporter reporter) {
    int n = 100_000;
    Pair[] pairs = {pair(n, 1, 7), pair(n, 100, 7), pair(n, 1000, 7)};
    List<Reconciler> settings =
        List.of(
            Reconciler.defaults().withFanout(4).withLeafKeys(4),
            Reconciler.defaults().withFanout(8).withLeafKeys(8),
            Reconciler.defaults().withLeafKeys(4),
            Reconciler.defaults(),
            Reconciler.defaults().withLeafKeys(16),
            Reconciler.defaults().withFanout(32).withLeafKeys(32),
            Reconciler.defaults().withMaxEntriesPerMessage(64));
    for (Reconciler reconciler : settings) {
      for (Pair p : pairs) {
        int d = p.expected().size();
        ReconciliationSession session = drive(reconciler, p.local(), reconciler, p.remote());
        assertEquals(p.expected(), session.divergence());
        ExchangeStats stats = session.stats();
        reporter.publishEntry(
            "exchange",
            String.format(
                "N=%d d=%-4d fanout=%-2d leafKeys=%-2d maxEntries=%-4d: rounds=%-3d"
                    + " rangeDigests=%-6d keyDigests=%-5d entries/d=%.1f largestMessage=%d",
                n,
                d,
                reconciler.fanout(),
                reconciler.leafKeys(),
                reconciler.maxEntriesPerMessage(),
                stats.rounds(),
                stats.rangeDigests(),
                stats.keyDigests(),
                (double) stats.entries() / d,
                stats.largestMessage()));
        assertTrue(stats.keyDigests() <= (long) d * reconciler.leafKeys());
        assertTrue(
            stats.rangeDigests() < (long) d * (2 + reconciler.fanout()) * levels(n, reconciler));
      }
    }
  }

  private static int levels(int n, Reconciler reconciler) {
    return 2
        + (int)
            Math.ceil(Math.log((double) n / reconciler.leafKeys()) / Math.log(reconciler.fanout()));
  }

  @Test
  void reconcile_smallMessageBound_neverExceedsItAndStillFindsExactlyTheDivergentKeys() {
    Pair p = pair(10_000, 300, 3);
    Reconciler small = Reconciler.defaults().withMaxEntriesPerMessage(20);

    ReconciliationSession session = drive(small, p.local(), small, p.remote());

    assertEquals(p.expected(), session.divergence());
    assertTrue(session.stats().largestMessage() <= 20, session.stats().toString());
  }

  @Test
  void reconcile_smallestMessageBound_stillFindsExactlyTheDivergentKeys() {
    Pair p = pair(2_000, 50, 5);
    Reconciler smallest =
        Reconciler.defaults().withMaxEntriesPerMessage(Reconciler.MIN_ENTRIES_PER_MESSAGE);

    ReconciliationSession session = drive(smallest, p.local(), smallest, p.remote());

    assertEquals(p.expected(), session.divergence());
    assertEquals(Reconciler.MIN_ENTRIES_PER_MESSAGE, session.stats().largestMessage());
  }

  @Test
  void reconcile_responderGivesLessDetail_defersAndStillFindsExactlyTheDivergentKeys() {
    Pair p = pair(20_000, 200, 9);
    Reconciler requester =
        Reconciler.defaults().withMaxEntriesPerMessage(100).withFanout(4).withLeafKeys(4);
    Reconciler responder =
        Reconciler.defaults().withMaxEntriesPerMessage(60).withFanout(16).withLeafKeys(32);

    ReconciliationSession session = drive(requester, p.local(), responder, p.remote());

    assertEquals(p.expected(), session.divergence());
  }

  /** A request that asks for the detail of {@code ranges}, without counts or hashes. */
  static DigestRequest detailRequest(long round, KeyRange... ranges) {
    List<String> bounds = new java.util.ArrayList<>();
    for (KeyRange r : ranges) {
      bounds.add(r.getStart());
      bounds.add(r.getEnd());
    }
    return DigestRequest.newBuilder()
        .setRound(round)
        .setSalt(ByteString.copyFrom(new byte[8]))
        .setBounds(KeyList.encode(bounds))
        .build();
  }

  @Test
  void respond_moreDifferingRangesThanDetailFits_defersTheRestWithTheirCountAlone() {
    Pair p = pair(1000, 0, 1);
    // All 4 ranges are detailed; 4 differences + 2 * 2 children = 8 entries.
    DigestRequest request =
        detailRequest(
            1,
            range("user:1", "user:3"),
            range("user:3", "user:5"),
            range("user:5", "user:7"),
            range("user:7", "user:9"));
    Reconciler responder =
        Reconciler.defaults().withMaxEntriesPerMessage(8).withFanout(2).withLeafKeys(2);

    DigestResponse response = responder.respond(p.remote(), request);

    assertEquals(List.of(0, 1, 2, 3), response.getIndexesList());
    assertEquals(List.of(2, 2, 0, 0), response.getDetailsList());
    assertTrue(response.getKeyCounts(2) > 0);
    assertTrue(response.getKeyCounts(3) > 0);
    assertEquals(8, Reconciler.entries(response));
  }

  @Test
  void respond_agreeingRanges_areLeftOut() {
    Pair p = pair(1000, 10, 1);
    // The remote's own view of both halves, as a first request carries it: no difference.
    ReconciliationSession mirror = Reconciler.defaults().start(p.remote(), 5);
    DigestRequest whole = mirror.nextRequest();

    DigestResponse response = Reconciler.defaults().respond(p.remote(), whole);

    assertEquals(1, response.getRound());
    assertEquals(0, response.getIndexesCount());
    assertEquals(
        1, Reconciler.defaults().respond(p.local(), whole).getIndexesCount(), "the other side");
  }

  @Test
  void respond_moreRangesThanTheBound_isOversized() {
    KeyDigestTree tree = new KeyDigestTree();
    KeyRange[] ranges = new KeyRange[4];
    for (int i = 0; i < 4; i++) {
      ranges[i] = range("k" + i, "k" + i + "z");
    }
    Reconciler reconciler = Reconciler.defaults().withMaxEntriesPerMessage(3);

    WireException e =
        assertThrows(WireException.class, () -> reconciler.respond(tree, detailRequest(1, ranges)));

    assertEquals(WireException.Reason.OVERSIZED, e.reason());
    assertTrue(e.getMessage().contains("more than 6 strings"), e.getMessage());
  }

  @Test
  void respond_brokenRequests_areMalformed() {
    KeyDigestTree tree = new KeyDigestTree();
    DigestRequest good = detailRequest(1, range("a", "c"));
    List<DigestRequest> broken =
        List.of(
            // overlapping, or after a range that runs to the end, or empty
            detailRequest(1, range("a", "c"), range("b", "d")),
            detailRequest(1, range("a", ""), range("b", "d")),
            detailRequest(1, range("b", "b")),
            // a salt of the wrong length
            good.toBuilder().setSalt(ByteString.copyFrom(new byte[7])).build(),
            // an odd number of bounds
            good.toBuilder().setBounds(KeyList.encode(List.of("a", "c", "d"))).build(),
            // counts without hashes, hashes without counts, a hash of the wrong length
            good.toBuilder().addKeyCounts(1).build(),
            good.toBuilder().setHashes(ByteString.copyFrom(new byte[8])).build(),
            good.toBuilder().addKeyCounts(1).setHashes(ByteString.copyFrom(new byte[7])).build(),
            // a key list that shares more than the previous string has, or ends early
            good.toBuilder().setBounds(ByteString.copyFrom(new byte[] {1, 1, 'a'})).build(),
            good.toBuilder().setBounds(ByteString.copyFrom(new byte[] {0, 5, 'a'})).build(),
            // a bound that is not UTF-8 (a lone surrogate, CESU-style)
            good.toBuilder()
                .setBounds(
                    ByteString.copyFrom(
                        new byte[] {0, 3, (byte) 0xED, (byte) 0xA0, (byte) 0x80, 0, 0}))
                .build());

    for (DigestRequest request : broken) {
      WireException e =
          assertThrows(
              WireException.class,
              () -> Reconciler.defaults().respond(tree, request),
              request::toString);
      assertEquals(WireException.Reason.MALFORMED, e.reason(), e.getMessage());
    }
  }

  @Test
  void respond_prefixBombRequest_isOversized() {
    // Each bound shares all of the previous one and adds a byte: n^2 / 2 bytes from 3n.
    ByteString.Output out = ByteString.newOutput();
    int n = 3000;
    out.write(0);
    out.write(1);
    out.write('a');
    for (int i = 1; i < n; i++) {
      writeVarint(out, i);
      out.write(1);
      out.write('a');
    }
    DigestRequest bomb =
        DigestRequest.newBuilder()
            .setRound(1)
            .setSalt(ByteString.copyFrom(new byte[8]))
            .setBounds(out.toByteString())
            .build();
    Reconciler reconciler = Reconciler.defaults().withMaxEntriesPerMessage(1 << 20);

    WireException e =
        assertThrows(WireException.class, () -> reconciler.respond(new KeyDigestTree(), bomb));

    assertEquals(WireException.Reason.OVERSIZED, e.reason(), e.getMessage());
  }

  private static void writeVarint(ByteString.Output out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  @Test
  void nextRequest_whileAwaitingResponseOrWhenDone_throws() {
    ReconciliationSession session = Reconciler.defaults().start(new KeyDigestTree());
    DigestRequest request = session.nextRequest();

    assertTrue(session.isAwaitingResponse());
    assertThrows(IllegalStateException.class, session::nextRequest);
    session.accept(Reconciler.defaults().respond(new KeyDigestTree(), request));
    assertTrue(session.isDone());
    assertThrows(IllegalStateException.class, session::nextRequest);
    assertThrows(
        IllegalStateException.class, () -> session.accept(DigestResponse.getDefaultInstance()));
  }

  @Test
  void accept_responseToAnotherRound_isMalformed() {
    ReconciliationSession session = Reconciler.defaults().start(new KeyDigestTree());
    session.nextRequest();

    WireException e =
        assertThrows(
            WireException.class,
            () -> session.accept(DigestResponse.newBuilder().setRound(2).build()));

    assertEquals(WireException.Reason.MALFORMED, e.reason());
    assertTrue(session.isAwaitingResponse(), "a refused response leaves the session as it was");
  }

  @Test
  void accept_moreEntriesThanTheBound_isOversized() {
    Reconciler reconciler = Reconciler.defaults().withMaxEntriesPerMessage(3);
    ReconciliationSession session = reconciler.start(new KeyDigestTree());
    session.nextRequest();
    Pair p = pair(100, 0, 1);
    DigestResponse tooLarge =
        Reconciler.defaults().respond(p.remote(), detailRequest(1, KeyDigestTree.fullRange()));

    WireException e = assertThrows(WireException.class, () -> session.accept(tooLarge));

    assertEquals(WireException.Reason.OVERSIZED, e.reason());
  }

  private static ByteString hashes(int n) {
    return ByteString.copyFrom(new byte[8 * n]);
  }

  @Test
  void accept_brokenResponses_areMalformedAndLeaveTheSessionUnchanged() {
    // The answer to the first request (the whole key space) by a remote holding a, b, c, d.
    DigestResponse split =
        DigestResponse.newBuilder()
            .setRound(1)
            .addIndexes(0)
            .addKeyCounts(4)
            .addDetails(2)
            .setBoundaries(KeyList.encode(List.of("c")))
            .addChildCounts(2)
            .addChildCounts(2)
            .setChildHashes(hashes(2))
            .build();
    DigestResponse listed =
        DigestResponse.newBuilder()
            .setRound(1)
            .addIndexes(0)
            .addKeyCounts(4)
            .addDetails(1)
            .setKeys(KeyList.encode(List.of("a", "b", "c", "d")))
            .setKeyHashes(hashes(4))
            .build();
    List<DigestResponse> broken =
        List.of(
            // a range that was not requested, an index that does not increase
            split.toBuilder().setIndexes(0, 1).build(),
            split.toBuilder().addIndexes(0).addKeyCounts(0).addDetails(0).build(),
            // arrays of other lengths
            split.toBuilder().addKeyCounts(1).build(),
            split.toBuilder().addChildCounts(1).build(),
            split.toBuilder().setChildHashes(hashes(3)).build(),
            listed.toBuilder().setKeyHashes(hashes(3)).build(),
            // a boundary too many or too few
            split.toBuilder().setBoundaries(KeyList.encode(List.of("b", "c"))).build(),
            split.toBuilder().setBoundaries(ByteString.EMPTY).build(),
            // a boundary at the range's start, or an empty one (the end of the key space)
            split.toBuilder().setBoundaries(KeyList.encode(List.of(""))).build(),
            // boundaries that do not increase
            split.toBuilder()
                .setDetails(0, 3)
                .setBoundaries(KeyList.encode(List.of("c", "b")))
                .setChildCounts(0, 1)
                .addChildCounts(1)
                .setChildHashes(hashes(3))
                .build(),
            // a child without keys, counts that do not add up
            split.toBuilder().setChildCounts(0, 0).setChildCounts(1, 4).build(),
            split.toBuilder().setChildCounts(1, 1).build(),
            // more children than keys
            split.toBuilder().setKeyCounts(0, 1).build(),
            // keys listed for a range without keys
            listed.toBuilder()
                .setKeyCounts(0, 0)
                .setKeys(ByteString.EMPTY)
                .setKeyHashes(ByteString.EMPTY)
                .build(),
            // fewer keys than the count, keys out of order, a duplicated key
            listed.toBuilder().setKeys(KeyList.encode(List.of("a", "b", "c"))).build(),
            listed.toBuilder().setKeys(KeyList.encode(List.of("b", "a", "c", "d"))).build(),
            listed.toBuilder().setKeys(KeyList.encode(List.of("a", "a", "c", "d"))).build(),
            // a key list that is not UTF-8
            listed.toBuilder()
                .setKeys(
                    ByteString.copyFrom(
                        new byte[] {0, 1, (byte) 0xC0, 0, 1, 'b', 0, 1, 'c', 0, 1, 'd'}))
                .build());

    for (DigestResponse response : broken) {
      Reconciler reconciler = Reconciler.defaults();
      ReconciliationSession session = reconciler.start(new KeyDigestTree());
      session.nextRequest();

      WireException e =
          assertThrows(WireException.class, () -> session.accept(response), response::toString);

      assertEquals(WireException.Reason.MALFORMED, e.reason(), e.getMessage());
      assertTrue(session.isAwaitingResponse());
      assertTrue(session.divergence().isEmpty());
    }
    // The unbroken ones are accepted.
    for (DigestResponse response : List.of(split, listed)) {
      ReconciliationSession session = Reconciler.defaults().start(new KeyDigestTree());
      session.nextRequest();
      session.accept(response);
    }
  }

  @Test
  void accept_keyOutsideItsRange_isMalformed() {
    KeyDigestTree remote = new KeyDigestTree();
    for (String k : List.of("a", "b", "c", "d")) {
      remote.put(k, "GCounter", hash(k.charAt(0)));
    }
    Reconciler reconciler = Reconciler.defaults().withFanout(2).withLeafKeys(2);
    ReconciliationSession session = reconciler.start(new KeyDigestTree());
    session.accept(reconciler.respond(remote, session.nextRequest()));
    DigestRequest second = session.nextRequest();
    assertEquals(
        List.of("", "c", "c", ""), KeyList.decode(second.getBounds(), 4, "second request"));
    DigestResponse outside =
        DigestResponse.newBuilder()
            .setRound(second.getRound())
            .addIndexes(0)
            .addKeyCounts(2)
            .addDetails(1)
            .setKeys(KeyList.encode(List.of("a", "d")))
            .setKeyHashes(hashes(2))
            .build();

    WireException e = assertThrows(WireException.class, () -> session.accept(outside));

    assertEquals(WireException.Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("key 1=\"d\" is outside"), e.getMessage());
  }

  @Test
  void accept_deferredRange_isAskedAboutAgainWithoutItsHash() {
    ReconciliationSession session = Reconciler.defaults().start(new KeyDigestTree());
    DigestRequest first = session.nextRequest();

    session.accept(
        DigestResponse.newBuilder()
            .setRound(1)
            .addIndexes(0)
            .addKeyCounts(1)
            .addDetails(0)
            .build());

    assertFalse(session.isDone());
    DigestRequest again = session.nextRequest();
    assertEquals(2, again.getRound());
    assertEquals(first.getBounds(), again.getBounds());
    assertEquals(first.getSalt(), again.getSalt());
    assertEquals(1, first.getKeyCountsCount());
    assertEquals(0, again.getKeyCountsCount());
    assertTrue(again.getHashes().isEmpty());
  }

  @Test
  void settings_belowTheirMinimum_throwNamingTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Reconciler.defaults().withMaxEntriesPerMessage(2));
    assertTrue(e.getMessage().contains("maxEntriesPerMessage=2"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Reconciler.defaults().withFanout(1));
    assertThrows(IllegalArgumentException.class, () -> Reconciler.defaults().withLeafKeys(0));
  }

  @Test
  void settings_withX_returnsACopyAndEqualsBySettings() {
    Reconciler changed = Reconciler.defaults().withFanout(4);

    assertEquals(Reconciler.DEFAULT_FANOUT, Reconciler.defaults().fanout());
    assertEquals(4, changed.fanout());
    assertEquals(Reconciler.defaults().withFanout(4), changed);
    assertEquals(Reconciler.defaults().withFanout(4).hashCode(), changed.hashCode());
    assertEquals("Reconciler{maxEntriesPerMessage=2048, fanout=4, leafKeys=8}", changed.toString());
  }
}
