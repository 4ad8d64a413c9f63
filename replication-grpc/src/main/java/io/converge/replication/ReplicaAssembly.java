package io.converge.replication;

import io.converge.clocks.HlcTimestamp;
import io.converge.clocks.HybridLogicalClock;
import io.converge.clocks.PhysicalClock;
import io.converge.clocks.ReplicaId;
import io.converge.replication.store.DurableStore;
import io.converge.replication.store.FsyncPolicy;
import io.converge.replication.store.Recovered;
import io.converge.replication.store.RocksDbStore;
import io.converge.replication.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The settings of a {@link Replica.Builder}, checked as they are set, and the assembly of a running
 * replica from them: the data directory's store opened and recovered, the hybrid logical clock
 * started after what the store says it issued, the scheduler (the replica's own thread unless one
 * is given) on one ticker, then the engine built, restored and started. The builder's public
 * methods document each setting; this class holds and checks them, so that the builder is its
 * javadoc and a call here. {@link #start()} reads the settings and changes none of them. Not
 * thread-safe, as the builder is not.
 */
final class ReplicaAssembly {

  private ReplicaId replicaId;
  private Transport transport;
  private HybridLogicalClock clock;
  private EngineScheduler scheduler;
  private Ticker ticker;
  private Executor listenerExecutor;
  private MeterRegistry meterRegistry;
  private Duration antiEntropyInterval = Replica.Builder.DEFAULT_ANTI_ENTROPY_INTERVAL;
  private Duration resendInterval = Replica.Builder.DEFAULT_RESEND_INTERVAL;
  private int maxLogEntries = Replica.Builder.DEFAULT_MAX_LOG_ENTRIES;
  private Duration drainTimeout = Replica.Builder.DEFAULT_DRAIN_TIMEOUT;
  private Path dataDirectory;
  private FsyncPolicy fsyncPolicy = FsyncPolicy.always();
  private UnaryOperator<DurableStore> storeWrapper = UnaryOperator.identity();
  private PhysicalClock physicalClock;
  private Duration maxClockOffset;
  private ClockSkewPolicy clockSkewPolicy = ClockSkewPolicy.FENCE;
  private Consistency defaultConsistency = Consistency.LOCAL;
  private final Map<String, Consistency> consistencyByPrefix = new LinkedHashMap<>();
  private Duration writeTimeout = Replica.Builder.DEFAULT_WRITE_TIMEOUT;
  private long maxKeyBytes = Replica.Builder.DEFAULT_MAX_KEY_BYTES;
  private Duration batchLinger = Duration.ZERO;
  private long fullStateBudgetBytes = FullStateExchange.FULL_STATE_BUDGET_BYTES;
  private int fullStateChunkBytes = FullStateExchange.FULL_STATE_CHUNK_BYTES;
  private final Map<String, Key<?>> keys = new LinkedHashMap<>();
  private final Map<String, Function<String, Key<?>>> families = new LinkedHashMap<>();

  void consistency(Consistency consistency) {
    this.defaultConsistency = Objects.requireNonNull(consistency, "consistency");
  }

  void consistency(String keyPrefix, Consistency consistency) {
    Objects.requireNonNull(keyPrefix, "keyPrefix");
    Objects.requireNonNull(consistency, "consistency");
    if (keyPrefix.isEmpty()) {
      throw new IllegalArgumentException(
          "keyPrefix is empty: set the default with consistency(" + consistency + ")");
    }
    consistencyByPrefix.put(keyPrefix, consistency);
  }

  void writeTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("must be > 0: writeTimeout=" + timeout);
    }
    this.writeTimeout = timeout;
  }

  void replicaId(ReplicaId id) {
    this.replicaId = Objects.requireNonNull(id, "id");
  }

  void transport(Transport transport) {
    this.transport = Objects.requireNonNull(transport, "transport");
  }

  void clock(HybridLogicalClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  void scheduler(EngineScheduler scheduler) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
  }

  void ticker(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  void listenerExecutor(Executor executor) {
    this.listenerExecutor = Objects.requireNonNull(executor, "executor");
  }

  void meterRegistry(MeterRegistry registry) {
    this.meterRegistry = Objects.requireNonNull(registry, "registry");
  }

  void key(Key<?> key) {
    Objects.requireNonNull(key, "key");
    Key<?> previous = keys.putIfAbsent(key.name(), key);
    if (previous != null && !previous.equals(key)) {
      throw new IllegalArgumentException(
          "key " + key.name() + " is already declared as " + previous.typeName());
    }
  }

  void keyFamily(String prefix, Function<String, Key<?>> keyOfName) {
    families.put(Objects.requireNonNull(prefix, "prefix"), Objects.requireNonNull(keyOfName));
  }

  void antiEntropyInterval(Duration interval) {
    this.antiEntropyInterval = positive("antiEntropyInterval", interval);
  }

  void resendInterval(Duration interval) {
    this.resendInterval = positive("resendInterval", interval);
  }

  void maxLogEntries(int entries) {
    if (entries < 1) {
      throw new IllegalArgumentException("maxLogEntries must be >= 1: entries=" + entries);
    }
    this.maxLogEntries = entries;
  }

  void batchLinger(Duration linger) {
    Objects.requireNonNull(linger, "linger");
    if (linger.isNegative() || linger.compareTo(Replica.Builder.MAX_BATCH_LINGER) > 0) {
      throw new IllegalArgumentException(
          "batchLinger must be between 0 and " + Replica.Builder.MAX_BATCH_LINGER + ": " + linger);
    }
    this.batchLinger = linger;
  }

  void maxKeyBytes(long bytes) {
    this.maxKeyBytes = FullStateExchange.checkMaxKeyBytes(bytes);
  }

  /** Unchecked here: the engine refuses values below 1 when the replica starts. */
  void fullStateBudget(long budgetBytes, int chunkBytes) {
    this.fullStateBudgetBytes = budgetBytes;
    this.fullStateChunkBytes = chunkBytes;
  }

  void drainTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("must be >= 0: drainTimeout=" + timeout);
    }
    this.drainTimeout = timeout;
  }

  void dataDirectory(Path directory) {
    this.dataDirectory = Objects.requireNonNull(directory, "directory");
  }

  void fsyncPolicy(FsyncPolicy policy) {
    this.fsyncPolicy = Objects.requireNonNull(policy, "policy");
  }

  void storeWrapper(UnaryOperator<DurableStore> wrapper) {
    this.storeWrapper = Objects.requireNonNull(wrapper, "wrapper");
  }

  void physicalClock(PhysicalClock physicalClock) {
    this.physicalClock = Objects.requireNonNull(physicalClock, "physicalClock");
  }

  void maxClockOffset(Duration maxOffset) {
    // Validated by the clock's own builder, which names the bad value.
    HybridLogicalClock.builder().maxOffset(maxOffset);
    this.maxClockOffset = maxOffset;
  }

  void clockSkewPolicy(ClockSkewPolicy policy) {
    this.clockSkewPolicy = Objects.requireNonNull(policy, "policy");
  }

  private static Duration positive(String name, Duration interval) {
    Objects.requireNonNull(interval, name);
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException(name + " must be > 0: " + name + "=" + interval);
    }
    return interval;
  }

  /**
   * Starts a replica from these settings, as {@link Replica.Builder#start()} documents: the only
   * place the builder does I/O. A store opened here is closed again if the start fails.
   */
  Replica start() {
    if (replicaId == null) {
      throw new IllegalStateException("replicaId is required");
    }
    if (transport == null) {
      throw new IllegalStateException("transport is required");
    }
    if (clock != null && maxClockOffset != null) {
      throw new IllegalStateException(
          "maxClockOffset "
              + maxClockOffset
              + " applies to the clock the replica makes, but a clock was given ("
              + clock
              + "): set the offset on that clock's builder");
    }
    DurableStore store =
        dataDirectory == null
            ? null
            : storeWrapper.apply(RocksDbStore.open(dataDirectory, replicaId, fsyncPolicy));
    try {
      return start(store);
    } catch (RuntimeException e) {
      if (store != null) {
        store.close();
      }
      throw e;
    }
  }

  private Replica start(DurableStore store) {
    Recovered recovered = store == null ? null : store.recover();
    HybridLogicalClock hlc = clockAfter(recovered);
    if (ticker != null
        && scheduler != null
        && scheduler.ticker() != Ticker.system()
        && scheduler.ticker() != ticker) {
      throw new IllegalStateException(
          "ticker "
              + ticker
              + " conflicts with the scheduler's own ticker "
              + scheduler.ticker()
              + ": every wait and timer must read one clock; set one of them");
    }
    ScheduledExecutorService owned = null;
    EngineScheduler timers = scheduler;
    if (timers == null) {
      owned =
          Executors.newSingleThreadScheduledExecutor(
              task -> {
                Thread thread = new Thread(task, "converge-replica-" + replicaId.name());
                thread.setDaemon(true);
                return thread;
              });
      timers = EngineScheduler.of(owned);
    }
    if (ticker != null) {
      timers = timers.withTicker(ticker);
    }
    ReplicationEngine engine =
        new ReplicationEngine(
            replicaId,
            transport,
            hlc,
            timers,
            antiEntropyInterval,
            resendInterval,
            maxLogEntries,
            hlc.now().packed(),
            keys,
            families,
            meterRegistry != null ? meterRegistry : new SimpleMeterRegistry(),
            store,
            clockSkewPolicy,
            listenerExecutor);
    engine.maxKeyBytes(maxKeyBytes);
    engine.batchLinger(batchLinger);
    engine.fullStateBudget(fullStateBudgetBytes, fullStateChunkBytes);
    if (recovered != null) {
      engine.restore(recovered);
    }
    engine.start();
    return new Replica(
        engine,
        owned,
        drainTimeout,
        new ConsistencyRules(defaultConsistency, consistencyByPrefix),
        writeTimeout);
  }

  /**
   * Returns the replica's clock: the given one, refused if it is not past what a recovered replica
   * issued before, or else one made here to start after that.
   */
  private HybridLogicalClock clockAfter(Recovered recovered) {
    HlcTimestamp issued =
        recovered == null ? HlcTimestamp.ZERO : HlcTimestamp.fromPacked(recovered.hlcBound());
    if (clock == null) {
      HybridLogicalClock.Builder b = HybridLogicalClock.builder().startAfter(issued);
      if (physicalClock != null) {
        b.physicalClock(physicalClock);
      }
      if (maxClockOffset != null) {
        b.maxOffset(maxClockOffset);
      }
      return b.build();
    }
    if (recovered != null && !recovered.created() && clock.current().compareTo(issued) <= 0) {
      throw new IllegalStateException(
          "the given clock is at "
              + clock.current()
              + ", not after "
              + issued
              + ", the last timestamp replica "
              + replicaId
              + " issued before it restarted (data directory "
              + dataDirectory
              + "): build it with HybridLogicalClock.builder().startAfter(...), or let the"
              + " replica make its clock");
    }
    return clock;
  }
}
