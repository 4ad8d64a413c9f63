package io.converge.benchmarks.store;

import io.converge.replication.store.StoredRecord;
import java.util.List;

/**
 * An append-only log of records on one embedded store, reduced to what a replica does with its
 * durable store: append one record and wait until it is durable, and read everything back after a
 * restart. Implementations are thread-safe.
 */
public interface DurableLog extends AutoCloseable {

  /**
   * Appends one record and returns once it is durable per the log's sync mode: fsynced to stable
   * storage under {@link Sync#FSYNC}, handed to the operating system (surviving a crash of the
   * process, not of the machine) under {@link Sync#NONE}.
   *
   * @param key the record's key, for example {@code "cart:user-123"}
   * @param type the name of the key's CRDT type, for example {@code "ORSet"}
   * @param payload the encoded delta
   * @throws InterruptedException if the thread is interrupted while waiting for the fsync
   */
  void append(String key, String type, byte[] payload) throws InterruptedException;

  /**
   * Reads back, decoded, every record the log held when it was opened, in append order. Call it at
   * most once, right after opening and before any {@link #append}.
   *
   * @return the records, never null
   */
  List<StoredRecord> readAll();

  /** Closes the log and releases its files and native resources. */
  @Override
  void close();
}
