/**
 * A replica's durable storage: {@link io.converge.replication.store.DurableStore}, an append-only
 * log of CRDT deltas plus a checkpoint of full states per key, and its RocksDB implementation
 * {@link io.converge.replication.store.RocksDbStore}.
 *
 * <ul>
 *   <li>{@link io.converge.replication.store.StoredRecord}: a key, its CRDT type name and opaque
 *       payload bytes (an encoded delta or full state).
 *   <li>{@link io.converge.replication.store.Recovered}: what a store held when opened.
 *   <li>{@link io.converge.replication.store.FsyncPolicy}: when appends are fsynced.
 *   <li>{@link io.converge.replication.store.StoreException}: why a store cannot be opened or used,
 *       with a {@link io.converge.replication.store.StoreException.Reason}.
 * </ul>
 *
 * <h2>Layout in RocksDB (format version 1)</h2>
 *
 * <p>One database in the data directory, default column family only. The first byte of a key says
 * what it holds:
 *
 * <table class="striped">
 *   <caption>Keys and values</caption>
 *   <thead>
 *     <tr><th>Key</th><th>Value</th></tr>
 *   </thead>
 *   <tbody>
 *     <tr><td>{@code 'M' "format"}</td><td>the store format version, 4-byte big-endian int
 *       ({@code 1}); written with the rest of the metadata in one synced batch on creation</td></tr>
 *     <tr><td>{@code 'M' "replica"}</td><td>the owning replica id, UTF-8</td></tr>
 *     <tr><td>{@code 'M' "hlc"}</td><td>the largest hlc bound ever given, 8-byte big-endian</td></tr>
 *     <tr><td>{@code 'M' "ticket"}</td><td>the last ticket issued, 8-byte big-endian; kept so that
 *       tickets continue after a checkpoint emptied the log and the store is reopened</td></tr>
 *     <tr><td>{@code 'L'} ticket (8 bytes big-endian) index (4 bytes big-endian)</td><td>the
 *       {@code index}-th record of the batch appended with {@code ticket}; big-endian, so RocksDB's
 *       bytewise order is append order</td></tr>
 *     <tr><td>{@code 'S'} key (UTF-8)</td><td>the checkpointed full state of that key</td></tr>
 *   </tbody>
 * </table>
 *
 * <p>A record value is a format byte ({@code 1}) then the key, the type and the payload, each as a
 * 4-byte big-endian length followed by its bytes (UTF-8 for the strings). Every value is decoded
 * and checked when the store is opened (exact lengths, no trailing bytes, valid UTF-8, a state's
 * key equal to the key it is stored under); one that is not is {@code CORRUPT}, and the message
 * names the RocksDB key (for example {@code log/ticket=5/index=0} or {@code state/cart-1}).
 *
 * <p>An append is one {@code WriteBatch}: its records, the ticket and the hlc bound, all or none
 * after a crash. A checkpoint is one {@code WriteBatch}: the new states, a range deletion of the
 * log keys up to the covered ticket, and the hlc bound; it is followed by a sync of the write-ahead
 * log before it returns.
 *
 * <h2>Opening</h2>
 *
 * <p>A missing or empty directory is initialised. A directory that is not empty and holds no
 * RocksDB {@code CURRENT} file, or holds a RocksDB database without the {@code 'M' "format"} key,
 * is refused with {@code NOT_A_STORE}: the store never initialises over files it did not write. A
 * crash while RocksDB was creating the database leaves only RocksDB's own files and no {@code
 * CURRENT}, or an empty database; the next open completes the creation. Another replica id is
 * {@code OTHER_REPLICA}; another format version is {@code INCOMPATIBLE_VERSION}; a checksum failure
 * (the database is opened with paranoid checks and every key is read back, which verifies the
 * checksum of every block read) is {@code CORRUPT}; RocksDB's {@code LOCK} held by another process
 * or another instance in this process is {@code LOCKED}. None of these is ever resolved by a reset.
 *
 * <h2>Durability</h2>
 *
 * <p>Every write goes through RocksDB's write-ahead log and reaches the operating system before
 * {@code append} returns (no {@code manual_wal_flush}); fsyncs are {@code RocksDB.syncWal()},
 * issued per the {@link io.converge.replication.store.FsyncPolicy}:
 *
 * <ul>
 *   <li>{@code always()}: an awaited append is fsynced before {@code awaitDurable} returns; the
 *       first waiter whose batch is not yet synced syncs everything written so far, and the waiters
 *       that arrive meanwhile share the next sync (leader/follower group commit). Survives a
 *       process crash, {@code kill -9}, a kernel panic and a power loss (on a disk that honours
 *       fsync).
 *   <li>{@code group(d)}: a background thread syncs at most {@code d} after the first unsynced
 *       append; awaited appends survive the same as under {@code always()}; unawaited ones may be
 *       lost to a power loss.
 *   <li>{@code none()}: never synced by the store; survives a process crash or {@code kill -9} (the
 *       data is in the kernel's page cache), not a power loss or kernel panic.
 * </ul>
 *
 * <p>Recovery after a crash keeps the write-ahead log up to the last complete record (RocksDB's
 * point-in-time recovery): a torn last batch is dropped whole, an acknowledged one is never. A
 * failed fsync is final for the store instance (a retried fsync can report success for pages the
 * kernel already dropped): every later {@code awaitDurable} of an unsynced batch fails with {@code
 * IO}, and the store must be reopened.
 *
 * <h2>Why RocksDB</h2>
 *
 * <p>It provides what a replica's log needs and is hard to get right by hand: a write-ahead log
 * with a checksum on every record and every block, atomic multi-key write batches, explicit control
 * of when the log is fsynced (per write or {@code syncWal()} for a group of writes), crash recovery
 * to the last complete write, a {@code LOCK} file against two processes opening one directory, and
 * compaction that reclaims the log after checkpoints. It is embedded (no server), ships as one jar
 * with native code for Linux, macOS and Windows, and is widely deployed as the storage engine of
 * Kafka Streams, Apache Flink and TiKV, among many, so its crash behaviour is well exercised.
 */
package io.converge.replication.store;
