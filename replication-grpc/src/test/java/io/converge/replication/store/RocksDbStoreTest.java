package io.converge.replication.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.converge.clocks.ReplicaId;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

final class RocksDbStoreTest {

  private static final ReplicaId US = ReplicaId.of("us-east");
  private static final ReplicaId EU = ReplicaId.of("eu-west");
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path tmp;

  static Stream<FsyncPolicy> policies() {
    return Stream.of(
        FsyncPolicy.always(),
        FsyncPolicy.group(Duration.ofMillis(5)),
        FsyncPolicy.group(Duration.ofNanos(1000)),
        FsyncPolicy.none());
  }

  private static StoredRecord rec(String key, String payload) {
    return new StoredRecord(key, "GCounter", payload.getBytes(StandardCharsets.UTF_8));
  }

  private Path dir() {
    return tmp.resolve("store");
  }

  private RocksDbStore open() {
    return RocksDbStore.open(dir(), US, FsyncPolicy.always());
  }

  @Test
  void open_missingDirectory_createsEmptyStore() {
    try (RocksDbStore store = open()) {
      Recovered r = store.recover();
      assertTrue(r.created());
      assertTrue(r.states().isEmpty());
      assertTrue(r.log().isEmpty());
      assertEquals(0, r.hlcBound());
      assertEquals(dir(), store.directory());
      assertEquals(FsyncPolicy.always(), store.fsyncPolicy());
    }
    try (RocksDbStore store = open()) {
      assertFalse(store.recover().created());
    }
  }

  @Test
  void open_emptyExistingDirectory_createsStore() throws IOException {
    Files.createDirectories(dir());
    try (RocksDbStore store = open()) {
      assertTrue(store.recover().created());
    }
  }

  @Test
  void open_interruptedCreation_completesIt() throws IOException {
    // What RocksDB leaves when the process dies before it wrote CURRENT.
    Files.createDirectories(dir());
    Files.write(dir().resolve("LOCK"), new byte[0]);
    Files.write(dir().resolve("LOG"), "partial".getBytes(StandardCharsets.UTF_8));
    try (RocksDbStore store = open()) {
      assertTrue(store.recover().created());
    }
  }

  @Test
  void append_reopen_recoversBatchesInOrder() throws InterruptedException {
    List<StoredRecord> expected = new ArrayList<>();
    try (RocksDbStore store = open()) {
      store.recover();
      for (int batch = 0; batch < 5; batch++) {
        List<StoredRecord> records = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
          records.add(rec("k" + (i % 2), batch + "/" + i));
        }
        long ticket = store.append(records, batch * 10L);
        assertEquals(batch + 1, ticket);
        store.awaitDurable(ticket);
        expected.addAll(records);
      }
    }
    try (RocksDbStore store = open()) {
      Recovered r = store.recover();
      assertFalse(r.created());
      assertEquals(expected, r.log());
      assertEquals(40, r.hlcBound());
      assertTrue(r.states().isEmpty());
    }
  }

  @Test
  void checkpoint_replacesStatesAndDropsCoveredLogOnly() throws InterruptedException {
    try (RocksDbStore store = open()) {
      store.recover();
      long t1 = store.append(List.of(rec("a", "1")), 1);
      store.append(List.of(rec("b", "2")), 2);
      store.checkpoint(List.of(rec("a", "A1"), rec("b", "B1")), 2, 2);
      long t3 = store.append(List.of(rec("a", "3")), 3);
      store.checkpoint(List.of(rec("a", "A3")), t3, 3);
      long t4 = store.append(List.of(rec("b", "4")), 4);
      long t5 = store.append(List.of(rec("c", "5"), rec("a", "5")), 5);
      store.checkpoint(List.of(rec("b", "B4")), t4, 4);
      store.awaitDurable(t5);
      assertEquals(1, t1);
    }
    try (RocksDbStore store = open()) {
      Recovered r = store.recover();
      assertEquals(Map.of("a", rec("a", "A3"), "b", rec("b", "B4")), Map.copyOf(r.states()));
      assertEquals(List.of("a", "b"), List.copyOf(r.states().keySet()));
      assertEquals(List.of(rec("c", "5"), rec("a", "5")), r.log());
      assertEquals(5, r.hlcBound());
    }
  }

  @Test
  void checkpoint_upToZero_dropsNothing() {
    try (RocksDbStore store = open()) {
      store.append(List.of(rec("a", "1")), 0);
      store.checkpoint(List.of(rec("z", "Z")), 0, 0);
    }
    try (RocksDbStore store = open()) {
      Recovered r = store.recover();
      assertEquals(List.of(rec("a", "1")), r.log());
      assertEquals(rec("z", "Z"), r.states().get("z"));
    }
  }

  @Test
  void hlcBound_keepsMaximum() {
    try (RocksDbStore store = open()) {
      store.append(List.of(rec("a", "1")), 50);
      store.append(List.of(rec("a", "2")), 7);
      store.checkpoint(List.of(), 0, 30);
    }
    try (RocksDbStore store = open()) {
      assertEquals(50, store.recover().hlcBound());
      store.checkpoint(List.of(), 0, 90);
      store.append(List.of(), 60);
    }
    try (RocksDbStore store = open()) {
      assertEquals(90, store.recover().hlcBound());
    }
  }

  @Test
  void tickets_continueAfterReopen_evenWhenLogIsEmpty() throws InterruptedException {
    try (RocksDbStore store = open()) {
      assertEquals(1, store.append(List.of(rec("a", "1")), 0));
      assertEquals(2, store.append(List.of(rec("a", "2")), 0));
      assertEquals(3, store.append(List.of(), 0));
      store.checkpoint(List.of(rec("a", "A")), 3, 0);
    }
    try (RocksDbStore store = open()) {
      assertTrue(store.recover().log().isEmpty());
      store.awaitDurable(3); // a ticket of the previous opening is durable
      assertEquals(4, store.append(List.of(rec("a", "4")), 0));
    }
    try (RocksDbStore store = open()) {
      assertEquals(List.of(rec("a", "4")), store.recover().log());
      assertEquals(5, store.append(List.of(rec("a", "5")), 0));
    }
  }

  @Test
  void open_foreignNonEmptyDirectory_notAStore() throws IOException {
    Files.createDirectories(dir());
    Files.writeString(dir().resolve("notes.txt"), "mine");
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.NOT_A_STORE, e.reason());
    assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    assertEquals(List.of(dir().resolve("notes.txt")), list(dir()));
  }

  @Test
  void open_regularFile_notAStore() throws IOException {
    Files.writeString(dir(), "a file");
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.NOT_A_STORE, e.reason());
    assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
  }

  @Test
  void open_otherRocksDbWithoutMetadata_notAStore() throws RocksDBException {
    try (Options o = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(o, dir().toString())) {
      db.put("x".getBytes(StandardCharsets.UTF_8), "y".getBytes(StandardCharsets.UTF_8));
    }
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.NOT_A_STORE, e.reason());
    assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
  }

  @Test
  void open_otherReplica_otherReplicaNamingBoth() {
    open().close();
    StoreException e =
        assertThrows(
            StoreException.class, () -> RocksDbStore.open(dir(), EU, FsyncPolicy.always()));
    assertEquals(StoreException.Reason.OTHER_REPLICA, e.reason());
    assertEquals(
        "OTHER_REPLICA: data directory "
            + dir().toAbsolutePath()
            + " belongs to replica us-east, not eu-west",
        e.getMessage());
  }

  @Test
  void open_otherFormatVersion_incompatibleVersion() throws RocksDBException {
    open().close();
    putRaw(RocksDbStore.META_FORMAT, new byte[] {0, 0, 0, 2});
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.INCOMPATIBLE_VERSION, e.reason());
    assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("version 2"), e.getMessage());
  }

  @Test
  void open_recordDoesNotDecode_corruptNamingKey() throws RocksDBException {
    try (RocksDbStore store = open()) {
      store.append(List.of(rec("a", "1"), rec("b", "2")), 0);
    }
    putRaw(RocksDbStore.logKey(1, 1), new byte[] {1, 0, 0, 0, 99});
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains(dir().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("log/ticket=1/index=1"), e.getMessage());
  }

  @Test
  void open_stateUnderWrongKey_corrupt() throws RocksDBException {
    open().close();
    putRaw(RocksDbStore.stateKey("a"), RecordCodec.encode(rec("b", "x")));
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.CORRUPT, e.reason());
    assertTrue(e.getMessage().contains("state/a"), e.getMessage());
  }

  @Test
  void open_damagedSstFile_corrupt() throws IOException {
    Random random = new Random(42);
    try (RocksDbStore store = open()) {
      List<StoredRecord> states = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        byte[] payload = new byte[1000];
        random.nextBytes(payload); // incompressible, so the file is mostly data blocks
        states.add(new StoredRecord("key-" + i, "ORSet", payload));
      }
      store.checkpoint(states, 0, 1);
      store.flushForTest();
    }
    List<Path> ssts = list(dir()).stream().filter(p -> p.toString().endsWith(".sst")).toList();
    assertFalse(ssts.isEmpty(), "no .sst file after a flush");
    for (Path sst : ssts) {
      try (RandomAccessFile f = new RandomAccessFile(sst.toFile(), "rw")) {
        byte[] garbage = new byte[64];
        random.nextBytes(garbage);
        f.seek(f.length() / 2);
        f.write(garbage);
      }
    }
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.CORRUPT, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(dir().toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void open_damagedCurrentFile_corrupt() throws IOException {
    open().close();
    Files.writeString(dir().resolve("CURRENT"), "garbage\n");
    StoreException e = assertThrows(StoreException.class, this::open);
    assertEquals(StoreException.Reason.CORRUPT, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(dir().toAbsolutePath().toString()), e.getMessage());
  }

  @Test
  void open_twice_locked() {
    try (RocksDbStore store = open()) {
      StoreException e = assertThrows(StoreException.class, this::open);
      assertEquals(StoreException.Reason.LOCKED, e.reason(), e.getMessage());
      assertTrue(e.getMessage().contains(dir().toAbsolutePath().toString()), e.getMessage());
      store.append(List.of(rec("a", "1")), 0); // the first instance is unharmed
    }
    try (RocksDbStore store = open()) {
      assertEquals(1, store.recover().log().size());
    }
  }

  @Test
  void arguments_invalid_throwNamingTheValue() {
    try (RocksDbStore store = open()) {
      assertThrows(NullPointerException.class, () -> store.append(null, 0));
      List<StoredRecord> withNull = new ArrayList<>();
      withNull.add(rec("a", "1"));
      withNull.add(null);
      var npe = assertThrows(NullPointerException.class, () -> store.append(withNull, 0));
      assertTrue(npe.getMessage().contains("records[1]"), npe.getMessage());
      var e = assertThrows(IllegalArgumentException.class, () -> store.append(List.of(), -5));
      assertTrue(e.getMessage().contains("hlcBound=-5"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.awaitDurable(1));
      assertTrue(e.getMessage().contains("ticket=1"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.awaitDurable(0));
      assertTrue(e.getMessage().contains("ticket=0"), e.getMessage());
      long t = store.append(List.of(rec("a", "1")), 0);
      e = assertThrows(IllegalArgumentException.class, () -> store.checkpoint(List.of(), t + 1, 0));
      assertTrue(e.getMessage().contains("upToTicket=2"), e.getMessage());
      e = assertThrows(IllegalArgumentException.class, () -> store.checkpoint(List.of(), -1, 0));
      assertTrue(e.getMessage().contains("upToTicket=-1"), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> store.checkpoint(List.of(rec("dup", "1"), rec("dup", "2")), 0, 0));
      assertTrue(e.getMessage().contains("key=\"dup\""), e.getMessage());
      e =
          assertThrows(
              IllegalArgumentException.class,
              () -> store.append(List.of(rec("bad\uDC00", "1")), 0));
      assertTrue(e.getMessage().contains("key"), e.getMessage());
      assertThrows(
          NullPointerException.class, () -> RocksDbStore.open(null, US, FsyncPolicy.none()));
      assertThrows(
          NullPointerException.class, () -> RocksDbStore.open(dir(), null, FsyncPolicy.none()));
      assertThrows(NullPointerException.class, () -> RocksDbStore.open(dir(), US, null));
    }
    try (RocksDbStore store = open()) {
      assertEquals(1, store.recover().log().size()); // failed calls wrote nothing
    }
  }

  @Test
  void recover_secondCallOrAfterAppend_throws() {
    try (RocksDbStore store = open()) {
      store.recover();
      var e = assertThrows(IllegalStateException.class, store::recover);
      assertTrue(e.getMessage().contains("already called"), e.getMessage());
    }
    try (RocksDbStore store = open()) {
      store.append(List.of(), 0);
      var e = assertThrows(IllegalStateException.class, store::recover);
      assertTrue(e.getMessage().contains("append"), e.getMessage());
    }
  }

  @Test
  void close_idempotent_thenEveryMethodThrows() {
    RocksDbStore store = open();
    long t = store.append(List.of(rec("a", "1")), 0);
    store.close();
    store.close();
    assertThrows(IllegalStateException.class, store::recover);
    assertThrows(IllegalStateException.class, () -> store.append(List.of(), 0));
    assertThrows(IllegalStateException.class, () -> store.awaitDurable(t));
    assertThrows(IllegalStateException.class, () -> store.checkpoint(List.of(), 0, 0));
    assertThrows(IllegalStateException.class, store::directory);
    assertThrows(IllegalStateException.class, store::fsyncPolicy);
    var e = assertThrows(IllegalStateException.class, store::flushForTest);
    assertTrue(e.getMessage().contains(dir().toAbsolutePath().toString()), e.getMessage());
    try (RocksDbStore again = open()) {
      assertEquals(1, again.recover().log().size());
    }
  }

  @ParameterizedTest
  @MethodSource("policies")
  void awaitDurable_eachPolicy_returnsAndRecordsSurviveReopen(FsyncPolicy policy) {
    assertTimeoutPreemptively(
        DEADLINE,
        () -> {
          try (RocksDbStore store = RocksDbStore.open(dir(), US, policy)) {
            assertEquals(policy, store.fsyncPolicy());
            for (int i = 1; i <= 20; i++) {
              store.awaitDurable(store.append(List.of(rec("k", "v" + i)), i));
            }
            long last = store.append(List.of(rec("k", "last")), 21);
            store.awaitDurable(1); // an old ticket returns at once
            store.awaitDurable(last);
          }
          try (RocksDbStore store = RocksDbStore.open(dir(), US, policy)) {
            Recovered r = store.recover();
            assertEquals(21, r.log().size());
            assertEquals(rec("k", "last"), r.log().get(20));
            assertEquals(21, r.hlcBound());
          }
        });
  }

  @ParameterizedTest
  @MethodSource("policies")
  void append_fourConcurrentThreads_allRecoveredInPerThreadOrder(FsyncPolicy policy) {
    int threads = 4;
    int perThread = 200;
    assertTimeoutPreemptively(
        DEADLINE,
        () -> {
          ExecutorService pool = Executors.newFixedThreadPool(threads);
          try (RocksDbStore store = RocksDbStore.open(dir(), US, policy)) {
            List<Future<List<Long>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
              int thread = t;
              futures.add(
                  pool.submit(
                      () -> {
                        List<Long> tickets = new ArrayList<>();
                        for (int i = 0; i < perThread; i++) {
                          long ticket =
                              store.append(List.of(rec("t" + thread, Integer.toString(i))), i);
                          store.awaitDurable(ticket);
                          tickets.add(ticket);
                        }
                        return tickets;
                      }));
            }
            for (Future<List<Long>> f : futures) {
              List<Long> tickets = f.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
              for (int i = 1; i < tickets.size(); i++) {
                assertTrue(tickets.get(i) > tickets.get(i - 1), "tickets must increase");
              }
            }
          } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(DEADLINE.toSeconds(), TimeUnit.SECONDS));
          }
          try (RocksDbStore store = RocksDbStore.open(dir(), US, policy)) {
            List<StoredRecord> log = store.recover().log();
            assertEquals(threads * perThread, log.size());
            int[] next = new int[threads];
            for (StoredRecord r : log) {
              int thread = r.key().charAt(1) - '0';
              assertEquals(
                  Integer.toString(next[thread]++),
                  new String(r.payload(), StandardCharsets.UTF_8));
            }
          }
        });
  }

  @Test
  void close_whileWaitersWait_waitersReturn() {
    assertTimeoutPreemptively(
        DEADLINE,
        () -> {
          RocksDbStore store =
              RocksDbStore.open(dir(), US, FsyncPolicy.group(Duration.ofSeconds(10)));
          long ticket = store.append(List.of(rec("a", "1")), 0);
          ExecutorService pool = Executors.newSingleThreadExecutor();
          try {
            java.util.concurrent.atomic.AtomicReference<Thread> waiting =
                new java.util.concurrent.atomic.AtomicReference<>();
            Future<?> waiter =
                pool.submit(
                    () -> {
                      waiting.set(Thread.currentThread());
                      store.awaitDurable(ticket);
                      return null;
                    });
            // Close only once the waiter waits: closing first would test awaitDurable on a
            // closed store (which throws, see close_idempotent_thenEveryMethodThrows).
            while (waiting.get() == null
                || (waiting.get().getState() != Thread.State.WAITING
                    && waiting.get().getState() != Thread.State.TIMED_WAITING)) {
              Thread.onSpinWait();
            }
            store.close(); // syncs what is left, so the waiter returns normally
            waiter.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
          } finally {
            pool.shutdownNow();
          }
        });
  }

  private void putRaw(byte[] key, byte[] value) throws RocksDBException {
    try (Options o = new Options();
        RocksDB db = RocksDB.open(o, dir().toString())) {
      db.put(key, value);
    }
  }

  private static List<Path> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }
}
