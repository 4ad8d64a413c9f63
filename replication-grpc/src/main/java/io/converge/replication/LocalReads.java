package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The local reads and waits of a {@link ReplicationEngine}: a key's value, a read that waits until
 * this replica has seen every write of a {@link CausalToken}, and a drain that waits until every
 * connected peer acknowledged every delta sequenced before it; the waits are the {@link Waiters}'.
 *
 * <p>Stateless: each method is an entry point of the engine and takes the engine's lock itself (the
 * helpers are called under it); what the {@link Waiters} leave to do (complete a future, arm its
 * timeout) runs after the lock is released, on the calling thread.
 */
final class LocalReads {

  private final ReplicationEngine engine;
  private final Object lock;
  private final ReplicaId self;
  private final Slots slots;
  private final DeltaLink link;
  private final Waiters waiters;

  LocalReads(
      ReplicationEngine engine,
      Object lock,
      ReplicaId self,
      Slots slots,
      DeltaLink link,
      Waiters waiters) {
    this.engine = engine;
    this.lock = lock;
    this.self = self;
    this.slots = slots;
    this.link = link;
    this.waiters = waiters;
  }

  /** The value of a key here (its zero if it holds none). Takes the lock. */
  <T extends DeltaCrdt<T>> T get(Key<T> key) {
    Objects.requireNonNull(key, "key");
    synchronized (lock) {
      Slot<T> slot = slots.local(key, false);
      return slot == null ? key.zero() : slot.state;
    }
  }

  /**
   * Reads a key once this replica has seen every write of {@code token}: the future completes at
   * once if it has, else when the last of them is merged, or at the timeout. Takes the lock.
   *
   * @throws IllegalArgumentException if the token names a key this replica does not declare with
   *     the token's type, or a delta that does not decode
   */
  <T extends DeltaCrdt<T>> CompletableFuture<T> getAsync(
      Key<T> key, CausalToken token, Duration timeout) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("must be >= 0: timeout=" + timeout);
    }
    List<Runnable> after = new ArrayList<>();
    CompletableFuture<T> read;
    synchronized (lock) {
      slots.local(key, false); // checks the key against its declaration
      List<Waiters.Unseen> unseen = new ArrayList<>();
      for (TokenWrite<?> write : tokenWrites(token)) {
        if (!write.seen()) {
          unseen.add(new Waiters.Unseen(write.key(), write::seen));
        }
      }
      Supplier<T> value =
          () -> {
            Slot<T> slot = slots.local(key, false);
            return slot == null ? key.zero() : slot.state;
          };
      read = waiters.awaitSeen(token.size(), unseen, value, timeout, after);
    }
    after.forEach(Runnable::run);
    return read;
  }

  /** Whether this replica has seen every write of {@code token}. Takes the lock. */
  boolean hasSeen(CausalToken token) {
    Objects.requireNonNull(token, "token");
    synchronized (lock) {
      return tokenWrites(token).stream().allMatch(TokenWrite::seen);
    }
  }

  /** Every write of a token, resolved and decoded (all checked before any is looked at). */
  private List<TokenWrite<?>> tokenWrites(CausalToken token) {
    return TokenWrite.all(
        token,
        self,
        slots::resolve,
        name -> {
          Slot<?> slot = slots.get(name);
          return slot == null ? null : slot.state;
        });
  }

  /**
   * Completes with true once every connected peer has acknowledged every delta sequenced before
   * this call; with false at the timeout, or if the replica closes first. Peers not connected are
   * not waited for. Takes the lock.
   */
  CompletableFuture<Boolean> drainAsync(Duration timeout) {
    List<Runnable> after = new ArrayList<>();
    CompletableFuture<Boolean> drained;
    synchronized (lock) {
      long target = link.lastSequence();
      drained = waiters.awaitDrain(() -> drained(target), timeout, after);
    }
    after.forEach(Runnable::run);
    return drained;
  }

  /** Whether every connected peer acknowledged up to {@code target}; under the lock. */
  private boolean drained(long target) {
    for (Peer peer : engine.knownPeers()) {
      if (peer.connected && peer.acked < target) {
        return false;
      }
    }
    return true;
  }
}
