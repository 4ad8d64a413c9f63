package io.converge.replication;

import io.converge.clocks.ReplicaId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One wait of {@link Waiters}: the future the caller holds, with its deadline on the ticker. The
 * kinds: {@link Acks} (a QUORUM or ALL write waiting for peers), {@link Token} (a read waiting for
 * the writes of a causal token) and {@link Drain}. Guarded by the owner's monitor; completed
 * outside it.
 */
abstract class Waiter<T> extends CompletableFuture<T> {
  final Waiters owner;
  final Duration timeout;
  final long deadline;

  /** Still indexed, neither satisfied nor ended; under the owner's monitor. */
  boolean pending = true;

  Waiter(Waiters owner, Duration timeout) {
    this.owner = owner;
    this.timeout = timeout;
    this.deadline = owner.deadline(timeout);
  }

  /** How this wait ends for {@code why}, to run outside the monitor; under it. */
  abstract Runnable end(Waiters.End why);

  /** A QUORUM or ALL write waiting for enough peers. */
  static final class Acks<T> extends Waiter<Written<T>> {
    final String key;
    final Consistency consistency;
    final long sequence;
    final Set<ReplicaId> group;
    final int needed;

    /** For a write that changed nothing: whether a peer holds the replica's writes to the key. */
    final Predicate<ReplicaId> holds;

    final Written<T> written;
    final Set<ReplicaId> acknowledged = new TreeSet<>();

    Acks(
        Waiters owner,
        Duration timeout,
        String key,
        Consistency consistency,
        long sequence,
        Set<ReplicaId> group,
        int needed,
        Predicate<ReplicaId> holds,
        Written<T> written) {
      super(owner, timeout);
      this.key = key;
      this.consistency = consistency;
      this.sequence = sequence;
      this.group = Set.copyOf(group);
      this.needed = needed;
      this.holds = holds;
      this.written = written;
    }

    void succeed() {
      complete(written);
    }

    @Override
    Runnable end(Waiters.End why) {
      String because =
          switch (why) {
            case CLOSED -> "was not confirmed before the replica closed";
            case TIMED_OUT -> "was not confirmed in time";
            case INTERRUPTED -> "was interrupted while waiting for acknowledgements";
          };
      Set<ReplicaId> waitingFor = new TreeSet<>(group);
      waitingFor.removeAll(acknowledged);
      WriteTimeoutException e =
          new WriteTimeoutException(
              key,
              consistency,
              timeout,
              owner.self,
              acknowledged,
              waitingFor,
              needed,
              written.token(),
              because);
      return () -> completeExceptionally(e);
    }
  }

  /** A read waiting for this replica to see every write of a causal token. */
  static final class Token<T> extends Waiter<T> {
    final int writes;
    final List<Waiters.Unseen> unseen;
    final Supplier<T> value;

    /** The keys of the writes it waited for at first: where it is indexed. */
    final Set<String> indexedUnder;

    /** Set when a write contradicted the value held: the read fails with it. */
    RuntimeException failure;

    Token(
        Waiters owner,
        Duration timeout,
        int writes,
        List<Waiters.Unseen> unseen,
        Supplier<T> value) {
      super(owner, timeout);
      this.writes = writes;
      this.unseen = new ArrayList<>(unseen);
      this.value = value;
      this.indexedUnder = keys();
    }

    /** The keys of the writes not seen yet. */
    Set<String> keys() {
      Set<String> keys = new TreeSet<>();
      for (Waiters.Unseen write : unseen) {
        keys.add(write.key());
      }
      return keys;
    }

    /** Drops the writes of {@code key} now seen; true if none is left. Under both locks. */
    boolean check(String key) {
      unseen.removeIf(write -> write.key().equals(key) && write.seen().getAsBoolean());
      return unseen.isEmpty();
    }

    /** The completion of a read that saw everything (or a contradiction): reads the value now. */
    Runnable result() {
      if (failure != null) {
        RuntimeException e = failure;
        return () -> completeExceptionally(e);
      }
      T read = value.get();
      return () -> complete(read);
    }

    @Override
    Runnable end(Waiters.End why) {
      String because =
          switch (why) {
            case CLOSED -> "and the replica closed";
            case TIMED_OUT -> "within " + timeout;
            case INTERRUPTED -> "and the reading thread was interrupted";
          };
      ReadTimeoutException e =
          new ReadTimeoutException(owner.self.toString(), unseen.size(), writes, keys(), because);
      return () -> completeExceptionally(e);
    }
  }

  /** A drain waiting for every peer to acknowledge this replica's deltas. */
  static final class Drain extends Waiter<Boolean> {
    final BooleanSupplier drained;

    Drain(Waiters owner, Duration timeout, BooleanSupplier drained) {
      super(owner, timeout);
      this.drained = drained;
    }

    @Override
    Runnable end(Waiters.End why) {
      return () -> complete(false);
    }
  }
}
