package io.converge.replication.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.converge.clocks.ReplicaId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a real process (SIGKILL on Linux) that is appending with a syncing policy, and checks that
 * every number it acknowledged after {@code awaitDurable} is in the store when it is reopened.
 */
final class RocksDbStoreCrashTest {

  private static final int ACKS_BEFORE_KILL = 300;
  private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final String EOF = "\u0000eof";

  @TempDir Path tmp;

  @Test
  void kill9_always_keepsEveryAcknowledgedAppend() throws Exception {
    killAndCheck("always");
  }

  @Test
  void kill9_group5ms_keepsEveryAcknowledgedAppend() throws Exception {
    killAndCheck("5");
  }

  private void killAndCheck(String policy) throws Exception {
    Path dir = tmp.resolve("store");
    Path stderr = tmp.resolve("child-stderr.txt");
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-cp",
            System.getProperty("java.class.path"),
            CrashChild.class.getName(),
            dir.toString(),
            policy);
    pb.redirectError(stderr.toFile());
    Process child = pb.start();
    long lastAck = 0;
    try {
      BlockingQueue<String> lines = readLines(child);
      long deadline = System.nanoTime() + DEADLINE_NANOS;
      assertEquals("ready", next(lines, deadline, child, stderr));
      // While the child holds the store, this process cannot open it.
      StoreException locked =
          assertThrows(
              StoreException.class,
              () -> RocksDbStore.open(dir, ReplicaId.of("crash"), FsyncPolicy.always()));
      assertEquals(StoreException.Reason.LOCKED, locked.reason(), locked.getMessage());
      while (lastAck < ACKS_BEFORE_KILL) {
        long n = Long.parseLong(next(lines, deadline, child, stderr));
        assertEquals(lastAck + 1, n, "acknowledgements must come in order");
        lastAck = n;
      }
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
    }
    try (RocksDbStore store = RocksDbStore.open(dir, ReplicaId.of("crash"), FsyncPolicy.none())) {
      List<StoredRecord> log = store.recover().log();
      assertTrue(
          log.size() >= lastAck,
          "acknowledged " + lastAck + " appends, recovered only " + log.size());
      for (int i = 0; i < log.size(); i++) {
        assertEquals(
            Integer.toString(i + 1), new String(log.get(i).payload(), StandardCharsets.UTF_8));
      }
    }
  }

  /** Reads the child's stdout on a daemon thread, so the test can wait with a deadline. */
  private static BlockingQueue<String> readLines(Process child) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the child was killed while we read: end of stream
              } finally {
                lines.add(EOF);
              }
            },
            "crash-child-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  private static String next(BlockingQueue<String> lines, long deadline, Process child, Path stderr)
      throws InterruptedException, IOException {
    String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    if (line == null || line.equals(EOF)) {
      fail(
          (line == null ? "no output from the child before the deadline" : "the child exited")
              + ", alive="
              + child.isAlive()
              + ", stderr:\n"
              + Files.readString(stderr));
    }
    assertNotNull(line);
    return line;
  }
}
