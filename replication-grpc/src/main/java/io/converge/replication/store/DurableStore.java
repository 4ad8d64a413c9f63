package io.converge.replication.store;

import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * A replica's durable storage: an append-only log of records (deltas) plus a checkpoint of full
 * states per key that lets the log be truncated.
 *
 * <p>Typical use: {@link #recover()} once after opening to rebuild the state; then, for each local
 * write, {@link #append} its deltas and {@link #awaitDurable} the ticket before acknowledging the
 * write; from time to time, {@link #checkpoint} the full states of the keys the log touched, which
 * drops the log records they cover.
 *
 * <p>Crash semantics: each {@link #append} and each {@link #checkpoint} is atomic (after a crash
 * all of it is there or none of it), and a crash keeps a prefix of the appends in ticket order. A
 * batch whose {@link #awaitDurable} returned is never lost, within what the {@link FsyncPolicy}
 * promises.
 *
 * <p>Implementations are thread-safe: every method may be called from any thread; appends are
 * ordered by their tickets.
 */
public interface DurableStore extends AutoCloseable {

  /**
   * Returns what the store held when it was opened: the checkpointed states, the log after them and
   * the hlc bound. Call it once, before the first {@link #append} or {@link #checkpoint}; the store
   * releases the recovered records after handing them out.
   *
   * @return the recovered contents, never null
   * @throws IllegalStateException if it was called before, after an append or checkpoint, or after
   *     {@link #close()}
   */
  Recovered recover();

  /**
   * Appends one batch atomically and returns without waiting for an fsync. The batch is written to
   * the operating system before this method returns, so it survives a crash of the process. The
   * store also keeps {@code max(hlcBound)} over every call.
   *
   * @param records the batch, in order; may be empty (then only the hlc bound is recorded)
   * @param hlcBound an upper bound of the hybrid logical clock timestamps in the batch, {@code >=
   *     0}
   * @return the batch's ticket, larger than every ticket issued before by this store, including
   *     before it was reopened; pass it to {@link #awaitDurable}
   * @throws NullPointerException if {@code records} or an element is null
   * @throws IllegalArgumentException if {@code hlcBound < 0} or a record cannot be stored (for
   *     example its key is not well-formed UTF-16); the message names it
   * @throws StoreException with reason {@link StoreException.Reason#IO} if the write failed
   * @throws IllegalStateException if the store is closed
   */
  long append(List<StoredRecord> records, long hlcBound);

  /**
   * Blocks until the batch with this ticket is durable per the {@link #fsyncPolicy()}: fsynced
   * under {@code always()} and {@code group(d)}, at once under {@code none()}. Every earlier batch
   * is then durable too.
   *
   * <p>A failed fsync is final: the store cannot know what reached the disk, so this and every
   * later call for a batch not known to be durable throws; close and reopen the store to recover
   * what is there.
   *
   * @param ticket a ticket returned by {@link #append} (of this or an earlier opening)
   * @throws InterruptedException if the thread is interrupted while waiting
   * @throws IllegalArgumentException if {@code ticket} was never issued; the message shows it
   * @throws StoreException with reason {@link StoreException.Reason#IO} if the fsync failed
   * @throws IllegalStateException if the store is closed before the batch became durable
   */
  void awaitDurable(long ticket) throws InterruptedException;

  /**
   * Atomically writes these full states, each replacing its key's previous checkpoint, drops the
   * logged records with tickets {@code <= upToTicket}, and records {@code max(hlcBound)}; returns
   * after the whole checkpoint, and every batch appended before it, is fsynced (whatever the
   * policy). Keys not in {@code states} keep their previous checkpoint.
   *
   * @param states the full states, at most one per key
   * @param upToTicket the last ticket whose records the states cover, from 0 (drops nothing) to the
   *     last ticket issued
   * @param hlcBound an upper bound of the timestamps in the states, {@code >= 0}
   * @throws NullPointerException if {@code states} or an element is null
   * @throws IllegalArgumentException if {@code upToTicket} was never issued, {@code hlcBound < 0},
   *     or two states have the same key; the message names the value
   * @throws StoreException with reason {@link StoreException.Reason#IO} if the write or fsync
   *     failed
   * @throws IllegalStateException if the store is closed
   */
  void checkpoint(Collection<StoredRecord> states, long upToTicket, long hlcBound);

  /**
   * Returns the directory the store lives in.
   *
   * @return the directory, as given when opening, never null
   */
  Path directory();

  /**
   * Returns when appends are fsynced.
   *
   * @return the policy given when opening, never null
   */
  FsyncPolicy fsyncPolicy();

  /**
   * Closes the store: fsyncs what was appended (unless the policy is {@code none()}), releases the
   * directory's lock and every native resource. Waiters in {@link #awaitDurable} whose batch was
   * synced return; the others get an {@link IllegalStateException}. Idempotent; after it, every
   * other method throws {@link IllegalStateException}.
   *
   * @throws StoreException with reason {@link StoreException.Reason#IO} if the final fsync failed;
   *     the store is closed all the same
   */
  @Override
  void close();
}
