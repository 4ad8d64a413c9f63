package io.converge.benchmarks.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.StoredRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every engine's {@link DurableLog} keeps what was appended, in order, across a reopen. */
class DurableLogTest {

  static Stream<Arguments> engines() {
    return Stream.of(Engine.values())
        .flatMap(e -> Stream.of(Sync.values()).map(s -> Arguments.of(e, s)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("engines")
  void appendsSurviveReopenInOrder(Engine engine, Sync sync, @TempDir Path dir)
      throws InterruptedException {
    List<StoredRecord> written = new ArrayList<>();
    try (DurableLog log = engine.open(dir, sync)) {
      assertEquals(List.of(), log.readAll());
      for (int i = 0; i < 50; i++) {
        StoredRecord r = new StoredRecord("cart:user-" + i, "ORSet", new byte[] {(byte) i, 1, 2});
        log.append(r.key(), r.type(), r.payload());
        written.add(r);
      }
    }
    try (DurableLog log = engine.open(dir, sync)) {
      assertEquals(written, log.readAll());
      // Appends after a reopen continue the sequence instead of overwriting records.
      log.append("cart:user-x", "ORSet", new byte[0]);
    }
    written.add(new StoredRecord("cart:user-x", "ORSet", new byte[0]));
    try (DurableLog log = engine.open(dir, sync)) {
      assertEquals(written, log.readAll());
    }
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("engines")
  void concurrentAppendsAreAllKept(Engine engine, Sync sync, @TempDir Path dir) throws Exception {
    assertConcurrentAppendsKept(() -> engine.open(dir, sync), () -> engine.open(dir, Sync.NONE));
  }

  @Test
  void rocksDbGroupPolicyKeepsConcurrentAppends(@TempDir Path dir) throws Exception {
    assertConcurrentAppendsKept(
        () -> RocksDbLog.open(dir, FsyncPolicy.group(Duration.ofMillis(2))),
        () -> RocksDbLog.open(dir, FsyncPolicy.none()));
  }

  private static void assertConcurrentAppendsKept(
      Supplier<DurableLog> writer, Supplier<DurableLog> reader) throws Exception {
    int threads = 4;
    int each = 25;
    try (DurableLog log = writer.get()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          String key = "cart:user-" + t;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < each; i++) {
                      log.append(key, "ORSet", new byte[] {(byte) i});
                    }
                    return null;
                  }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
    }
    try (DurableLog log = reader.get()) {
      List<StoredRecord> all = log.readAll();
      assertEquals(threads * each, all.size());
      for (int t = 0; t < threads; t++) {
        String key = "cart:user-" + t;
        List<StoredRecord> mine = all.stream().filter(r -> r.key().equals(key)).toList();
        for (int i = 0; i < each; i++) {
          assertEquals(i, mine.get(i).payload()[0], key + " record " + i);
        }
      }
    }
  }
}
