package io.converge.replication.store;

import io.converge.clocks.ReplicaId;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The child process of {@link RocksDbStoreCrashTest}: opens a store and appends numbered records
 * until it is killed, acknowledging each number on standard output once {@code awaitDurable}
 * returned.
 *
 * <p>Arguments: the store directory, then {@code always} or a group delay in milliseconds.
 */
final class CrashChild {

  private CrashChild() {}

  /**
   * Runs until killed.
   *
   * @param args the directory and the policy
   * @throws InterruptedException never in practice: nothing interrupts the main thread
   */
  public static void main(String[] args) throws InterruptedException {
    Path dir = Path.of(args[0]);
    FsyncPolicy policy =
        args[1].equals("always")
            ? FsyncPolicy.always()
            : FsyncPolicy.group(Duration.ofMillis(Long.parseLong(args[1])));
    // Standard output is the channel to the parent (IPC), not logging: one acknowledged number a
    // line, "ready" first. Flushed per line so the parent sees an ack as soon as it is made.
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    RocksDbStore store = RocksDbStore.open(dir, ReplicaId.of("crash"), policy);
    out.println("ready");
    for (long n = 1; ; n++) {
      long ticket =
          store.append(
              List.of(
                  new StoredRecord(
                      "n", "Counter", Long.toString(n).getBytes(StandardCharsets.UTF_8))),
              n);
      store.awaitDurable(ticket);
      out.println(n);
    }
  }
}
