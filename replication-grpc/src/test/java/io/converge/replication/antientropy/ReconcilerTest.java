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
import io.converge.replication.wire.v1.KeyDigest;
import io.converge.replication.wire.v1.RangeDifference;
import io.converge.replication.wire.v1.RangeDigest;
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
          request.getRangesCount() <= responder.maxEntriesPerMessage(),
          "request of " + request.getRangesCount() + " ranges");
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

  @Test
  void reconcile_equalTrees_oneRoundOfOneEntryAndNoDivergence() {
    Pair p = pair(1000, 0, 1);

    ReconciliationSession session = Reconciler.defaults().reconcile(p.local(), p.remote());

    assertTrue(session.divergence().isEmpty());
    assertEquals(new ExchangeStats(1, 1, 0, 1), session.stats());
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
    assertEquals(new ExchangeStats(1, 2, 0, 1), session.stats());
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

  @Test
  void respond_moreDifferingRangesThanDetailFits_defersTheRestWithTheirDigestAlone() {
    Pair p = pair(1000, 0, 1);
    KeyDigestTree empty = new KeyDigestTree();
    // The requester holds nothing, so all 4 ranges differ; 4 digests + 2 * 2 children = 8 entries.
    DigestRequest request =
        DigestRequest.newBuilder()
            .setRound(1)
            .addRanges(empty.digest(range("user:1", "user:3")))
            .addRanges(empty.digest(range("user:3", "user:5")))
            .addRanges(empty.digest(range("user:5", "user:7")))
            .addRanges(empty.digest(range("user:7", "user:9")))
            .build();
    Reconciler responder =
        Reconciler.defaults().withMaxEntriesPerMessage(8).withFanout(2).withLeafKeys(2);

    DigestResponse response = responder.respond(p.remote(), request);

    assertEquals(4, response.getDifferencesCount());
    assertEquals(2, response.getDifferences(0).getChildrenCount());
    assertEquals(2, response.getDifferences(1).getChildrenCount());
    for (int i = 2; i < 4; i++) {
      RangeDifference deferred = response.getDifferences(i);
      assertEquals(0, deferred.getChildrenCount());
      assertEquals(0, deferred.getKeysCount());
      assertTrue(deferred.getDigest().getKeyCount() > 0);
    }
    assertEquals(8, Reconciler.entries(response));
  }

  @Test
  void respond_agreeingRanges_areLeftOut() {
    Pair p = pair(1000, 10, 1);
    DigestRequest request =
        DigestRequest.newBuilder()
            .setRound(7)
            .addRanges(p.remote().digest(range("", "user:5")))
            .addRanges(p.local().digest(range("user:5", "")))
            .build();

    DigestResponse response = Reconciler.defaults().respond(p.remote(), request);

    assertEquals(7, response.getRound());
    assertTrue(response.getDifferencesCount() <= 1);
    for (RangeDifference d : response.getDifferencesList()) {
      assertEquals(range("user:5", ""), d.getDigest().getRange());
    }
  }

  @Test
  void respond_moreRangesThanTheBound_isOversized() {
    KeyDigestTree tree = new KeyDigestTree();
    DigestRequest.Builder request = DigestRequest.newBuilder().setRound(1);
    for (int i = 0; i < 4; i++) {
      request.addRanges(tree.digest(range("k" + i, "k" + i + "z")));
    }
    Reconciler reconciler = Reconciler.defaults().withMaxEntriesPerMessage(3);

    WireException e =
        assertThrows(WireException.class, () -> reconciler.respond(tree, request.build()));

    assertEquals(WireException.Reason.OVERSIZED, e.reason());
    assertTrue(e.getMessage().contains("ranges=4"), e.getMessage());
  }

  @Test
  void respond_overlappingOrUnsortedRanges_isMalformed() {
    KeyDigestTree tree = new KeyDigestTree();
    DigestRequest overlapping =
        DigestRequest.newBuilder()
            .addRanges(tree.digest(range("a", "c")))
            .addRanges(tree.digest(range("b", "d")))
            .build();
    DigestRequest afterEnd =
        DigestRequest.newBuilder()
            .addRanges(tree.digest(range("a", "")))
            .addRanges(tree.digest(range("b", "d")))
            .build();
    DigestRequest empty =
        DigestRequest.newBuilder()
            .addRanges(RangeDigest.newBuilder().setRange(range("b", "b")))
            .build();

    for (DigestRequest request : List.of(overlapping, afterEnd, empty)) {
      WireException e =
          assertThrows(WireException.class, () -> Reconciler.defaults().respond(tree, request));
      assertEquals(WireException.Reason.MALFORMED, e.reason(), e.getMessage());
    }
  }

  @Test
  void respond_hashOfTheWrongLength_isMalformed() {
    DigestRequest request =
        DigestRequest.newBuilder()
            .addRanges(
                RangeDigest.newBuilder()
                    .setRange(range("", ""))
                    .setKeyCount(1)
                    .setHash(ByteString.copyFrom(new byte[31])))
            .build();

    WireException e =
        assertThrows(
            WireException.class, () -> Reconciler.defaults().respond(new KeyDigestTree(), request));

    assertEquals(WireException.Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("length=31"), e.getMessage());
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
        Reconciler.defaults()
            .respond(
                p.remote(),
                DigestRequest.newBuilder()
                    .setRound(1)
                    .addRanges(new KeyDigestTree().digest(KeyDigestTree.fullRange()))
                    .build());

    WireException e = assertThrows(WireException.class, () -> session.accept(tooLarge));

    assertEquals(WireException.Reason.OVERSIZED, e.reason());
  }

  @Test
  void accept_brokenResponses_areMalformedAndLeaveTheSessionUnchanged() {
    KeyDigestTree remote = new KeyDigestTree();
    for (String k : List.of("a", "b", "c", "d")) {
      remote.put(k, "GCounter", hash(k.charAt(0)));
    }
    RangeDigest whole = remote.digest(KeyDigestTree.fullRange());
    KeyDigest a = remote.get("a");
    RangeDigest ab = remote.digest(range("", "c"));
    RangeDigest cd = remote.digest(range("c", ""));
    List<RangeDifference> broken =
        List.of(
            // a range that was not requested
            RangeDifference.newBuilder().setDigest(remote.digest(range("a", ""))).build(),
            // both children and keys
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addChildren(ab)
                .addChildren(cd)
                .addKeys(a)
                .build(),
            // one child only
            RangeDifference.newBuilder().setDigest(whole).addChildren(ab).build(),
            // a gap between children
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addChildren(ab)
                .addChildren(remote.digest(range("d", "")))
                .build(),
            // children that stop short of the end
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addChildren(ab)
                .addChildren(remote.digest(range("c", "d")))
                .build(),
            // children whose counts do not add up
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addChildren(ab)
                .addChildren(cd.toBuilder().setKeyCount(1))
                .build(),
            // fewer keys than the count
            RangeDifference.newBuilder().setDigest(whole).addKeys(a).build(),
            // keys out of order
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addKeys(remote.get("b"))
                .addKeys(a)
                .addKeys(remote.get("c"))
                .addKeys(remote.get("d"))
                .build(),
            // a duplicated key
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addKeys(a)
                .addKeys(a)
                .addKeys(remote.get("c"))
                .addKeys(remote.get("d"))
                .build(),
            // a key with a short hash
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addKeys(a.toBuilder().setHash(ByteString.copyFrom(new byte[3])))
                .addKeys(remote.get("b"))
                .addKeys(remote.get("c"))
                .addKeys(remote.get("d"))
                .build(),
            // a key without a type
            RangeDifference.newBuilder()
                .setDigest(whole)
                .addKeys(a.toBuilder().setType(""))
                .addKeys(remote.get("b"))
                .addKeys(remote.get("c"))
                .addKeys(remote.get("d"))
                .build(),
            // a range digest with a hash but no key
            RangeDifference.newBuilder().setDigest(whole.toBuilder().setKeyCount(0)).build());

    for (RangeDifference difference : broken) {
      Reconciler reconciler = Reconciler.defaults();
      ReconciliationSession session = reconciler.start(new KeyDigestTree());
      session.nextRequest();
      DigestResponse response =
          DigestResponse.newBuilder().setRound(1).addDifferences(difference).build();

      WireException e = assertThrows(WireException.class, () -> session.accept(response));

      assertEquals(WireException.Reason.MALFORMED, e.reason(), e.getMessage());
      assertTrue(session.isAwaitingResponse());
      assertTrue(session.divergence().isEmpty());
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
    assertEquals(range("", "c"), second.getRanges(0).getRange());
    DigestResponse outside =
        DigestResponse.newBuilder()
            .setRound(second.getRound())
            .addDifferences(
                RangeDifference.newBuilder()
                    .setDigest(remote.digest(range("", "c")))
                    .addKeys(remote.get("a"))
                    .addKeys(remote.get("d")))
            .build();

    WireException e = assertThrows(WireException.class, () -> session.accept(outside));

    assertEquals(WireException.Reason.MALFORMED, e.reason());
    assertTrue(e.getMessage().contains("key=\"d\" is outside"), e.getMessage());
  }

  @Test
  void accept_deferredRange_isAskedAboutAgain() {
    KeyDigestTree remote = new KeyDigestTree();
    remote.put("a", "GCounter", hash(1));
    ReconciliationSession session = Reconciler.defaults().start(new KeyDigestTree());
    DigestRequest first = session.nextRequest();

    session.accept(
        DigestResponse.newBuilder()
            .setRound(1)
            .addDifferences(
                RangeDifference.newBuilder().setDigest(remote.digest(KeyDigestTree.fullRange())))
            .build());

    assertFalse(session.isDone());
    DigestRequest again = session.nextRequest();
    assertEquals(2, again.getRound());
    assertEquals(first.getRangesList(), again.getRangesList());
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
    assertEquals("Reconciler{maxEntriesPerMessage=1024, fanout=4, leafKeys=8}", changed.toString());
  }
}
