package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.replication.antientropy.Divergence;
import io.converge.replication.antientropy.KeyDigestTree;
import io.converge.replication.antientropy.Reconciler;
import io.converge.replication.antientropy.ReconciliationSession;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DigestRequest;
import io.converge.replication.wire.v1.DigestResponse;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The anti-entropy rounds of a {@link ReplicationEngine}: keeps the digest tree of every key (the
 * digests of changed keys recomputed lazily, before the tree is read, from the encodings of recent
 * versions it shares with transfers and checkpoints), starts a digest session with each connected
 * peer every interval, and once a session finds what differs, hands those keys to the {@link
 * FullStateExchange}. The protocol is described in the package javadoc.
 *
 * <p>Its state is guarded by the engine's lock, like the engine's: {@link #refreshDigests}, {@link
 * #onDigestResponse} and the accessors are called under it; {@link #tick} (on the engine's
 * scheduler) and {@link #refreshDigestsOutsideLock} (before a round and before a digest message is
 * handled) take it themselves, and encode and hash states outside it. No method does I/O: what is
 * to be sent joins an {@link Effects}, which runs after the lock is released.
 */
final class AntiEntropyRounds {

  private static final System.Logger LOG = System.getLogger(ReplicationEngine.class.getName());

  private final ReplicationEngine engine;
  private final Object lock;
  private final ReplicaId self;
  private final EngineScheduler scheduler;
  private final Duration interval;
  private final Reconciler reconciler;
  private final FullStateExchange fullStates;

  private final KeyDigestTree tree = new KeyDigestTree();

  /** Keys changed since their digests were last computed. */
  private final Set<String> dirty = new LinkedHashSet<>();

  /** Keys whose current state does not encode: their digest, if any, is of an older state. */
  private final Set<String> unencodable = new HashSet<>();

  /** Encodings of recent versions, shared by digests, transfers and checkpoints. */
  private final EncodedStates encodings = new EncodedStates(EncodedStates.DEFAULT_MAX_BYTES);

  private long digestRounds;

  /** Anti-entropy ticks so far: a session that sent no request for two of them is abandoned. */
  private long antiEntropyTicks;

  AntiEntropyRounds(
      ReplicationEngine engine,
      Object lock,
      ReplicaId self,
      EngineScheduler scheduler,
      Duration interval,
      Reconciler reconciler,
      FullStateExchange fullStates) {
    this.engine = engine;
    this.lock = lock;
    this.self = self;
    this.scheduler = scheduler;
    this.interval = interval;
    this.reconciler = reconciler;
    this.fullStates = fullStates;
  }

  /** Schedules the first round, an interval from now; when the engine starts. */
  void start() {
    scheduler.schedule(interval, this::tick);
  }

  /** The digest tree; under the lock, read just after {@link #refreshDigests}. */
  KeyDigestTree tree() {
    return tree;
  }

  /** Keys whose digests are stale (live; the engine adds those it changes), under the lock. */
  Set<String> dirty() {
    return dirty;
  }

  /** Marks a key's digest stale (its state changed); under the lock. */
  void changed(String name) {
    dirty.add(name);
  }

  /** Encodings of recent versions; under the lock. */
  EncodedStates encodings() {
    return encodings;
  }

  /** Anti-entropy ticks so far, the clock of transfers and encodings; under the lock. */
  long ticks() {
    return antiEntropyTicks;
  }

  /** Whether the key's current state failed to encode (its digest, if any, is of an older one). */
  boolean unencodable(String name) {
    return unencodable.contains(name);
  }

  long digestRounds() {
    return digestRounds;
  }

  /**
   * Recomputes, under the lock, the digests of the keys changed since the last refresh (those
   * changed since {@link #refreshDigestsOutsideLock}), before the tree is read.
   */
  void refreshDigests() {
    if (dirty.isEmpty()) {
      return;
    }
    MessageDigest sha = sha256();
    for (String name : dirty) {
      Slot<?> slot = engine.slot(name);
      if (slot != null) {
        byte[] bytes;
        try {
          bytes = encodedState(slot);
        } catch (RuntimeException e) {
          unencodable(slot, e);
          continue;
        }
        tree.put(name, slot.key.typeName(), sha.digest(bytes));
        unencodable.remove(name);
      }
    }
    dirty.clear();
  }

  /**
   * The encoding of a slot's current state, from {@link #encodings} or made now and kept there (for
   * the digest, the transfers and the checkpoint of this version). Under the lock.
   */
  private byte[] encodedState(Slot<?> slot) {
    String name = slot.key.name();
    byte[] bytes = encodings.get(name, slot.state, antiEntropyTicks);
    if (bytes == null) {
      bytes = slot.encodeState();
      encodings.put(name, slot.state, bytes, antiEntropyTicks);
    }
    return bytes;
  }

  /**
   * A key whose state its own codec refuses to encode (over the codec's limits, say): it cannot be
   * digested or sent. Reported, and left out of this refresh, rather than end anti-entropy for
   * every key. Under the lock.
   */
  void unencodable(Slot<?> slot, RuntimeException e) {
    String name = slot.key.name();
    unencodable.add(name);
    if (e instanceof WireException w && w.reason() == WireException.Reason.OVERSIZED) {
      fullStates.noteOversized(name);
    }
    LOG.log(
        System.Logger.Level.WARNING,
        "replica "
            + self
            + ": the state of key "
            + name
            + " does not encode, so anti-entropy cannot compare or send it: "
            + e.getMessage(),
        e);
  }

  /**
   * Recomputes the digests of the keys changed since the last refresh without holding the lock
   * while it encodes and hashes them (states are immutable): a snapshot under the lock, the work
   * outside, and the results stored under the lock for the keys that did not change meanwhile (the
   * others stay dirty, for the next refresh). Keeps writers from stalling behind an anti-entropy
   * round of many changed keys. Encodings already held are reused, and those made here are kept (up
   * to the bound of {@link #encodings}) for the transfers and checkpoint of the same versions.
   */
  void refreshDigestsOutsideLock() {
    List<String> names = new ArrayList<>();
    List<Slot<?>> snapshot = new ArrayList<>();
    List<Object> states = new ArrayList<>();
    List<byte[]> held = new ArrayList<>();
    synchronized (lock) {
      for (String name : dirty) {
        Slot<?> slot = engine.slot(name);
        if (slot != null) {
          names.add(name);
          snapshot.add(slot);
          states.add(slot.state);
          held.add(encodings.get(name, slot.state, antiEntropyTicks));
        }
      }
      dirty.clear();
    }
    if (names.isEmpty()) {
      return;
    }
    MessageDigest sha = sha256();
    byte[][] digests = new byte[names.size()][];
    byte[][] keep = new byte[names.size()][];
    RuntimeException[] failures = new RuntimeException[names.size()];
    long kept = 0;
    for (int i = 0; i < digests.length; i++) {
      byte[] bytes = held.get(i);
      if (bytes == null) {
        try {
          bytes = snapshot.get(i).encode(states.get(i));
        } catch (RuntimeException e) {
          failures[i] = e;
          continue;
        }
        if (kept == 0 || kept + bytes.length <= EncodedStates.DEFAULT_MAX_BYTES) {
          // Not all: a round of many changed keys must not hold them all at once.
          keep[i] = bytes;
          kept += bytes.length;
        }
      }
      digests[i] = sha.digest(bytes);
    }
    synchronized (lock) {
      for (int i = 0; i < digests.length; i++) {
        Slot<?> slot = snapshot.get(i);
        if (engine.slot(names.get(i)) != slot || slot.state != states.get(i)) {
          dirty.add(names.get(i));
        } else if (failures[i] != null) {
          unencodable(slot, failures[i]);
        } else {
          tree.put(names.get(i), slot.key.typeName(), digests[i]);
          unencodable.remove(names.get(i));
          if (keep[i] != null) {
            encodings.put(names.get(i), slot.state, keep[i], antiEntropyTicks);
          }
        }
      }
    }
  }

  /**
   * An anti-entropy round, on the scheduler every interval: refreshes the digests (outside the
   * lock, then under it), ages the encodings, takes care of each connected peer's transfers and
   * starts a digest session with it unless one is still running. Takes the lock itself; sends after
   * it.
   */
  void tick() {
    Effects fx = engine.newEffects();
    refreshDigestsOutsideLock();
    synchronized (lock) {
      if (engine.closed()) {
        return;
      }
      refreshDigests();
      antiEntropyTicks++;
      encodings.expire(antiEntropyTicks);
      for (Peer peer : engine.knownPeers()) {
        if (!peer.connected) {
          continue;
        }
        fullStates.fullStateRound(peer, fx);
        if (peer.session != null && antiEntropyTicks - peer.sessionTick < 2) {
          // A session still running (it sent a request during the last interval): let it finish,
          // or a reconciliation longer than the interval would be restarted forever.
          continue;
        }
        startSession(peer, fx);
      }
    }
    fx.run();
    scheduler.schedule(interval, this::tick);
  }

  /** Starts an anti-entropy session with a peer, on a fresh digest tree; under the lock. */
  private void startSession(Peer peer, Effects fx) {
    peer.session = reconciler.start(tree);
    peer.sessionTick = antiEntropyTicks;
    peer.sessionStamp = engine.proofs().ownWrites();
    digestRounds++;
    peer.meters.digestRounds().increment();
    DigestRequest request = peer.session.nextRequest();
    peer.awaitedRound = request.getRound();
    fx.send(peer.id, request);
  }

  /**
   * Starts an anti-entropy session with a peer now, unless one runs: a peer whose handshake came
   * while some key is doubtful (see {@link WriteProofs}) need not wait for the next round to prove
   * that it holds this replica's writes to it (after a restart, every key recovered is). Runs on
   * the scheduler; takes the lock itself.
   */
  void sessionNow(ReplicaId id) {
    Effects fx = engine.newEffects();
    refreshDigestsOutsideLock();
    synchronized (lock) {
      Peer peer = engine.knownPeer(id);
      if (engine.closed() || peer == null || !peer.connected || peer.session != null) {
        return;
      }
      refreshDigests();
      startSession(peer, fx);
    }
    fx.run();
  }

  /**
   * A peer's answer to a digest request: the session's next request, or, once it is done, the full
   * states of the keys that differ or exist only here. Under the lock.
   */
  void onDigestResponse(Peer peer, DigestResponse response, Effects fx) {
    ReconciliationSession session = peer.session;
    if (session == null
        || !session.isAwaitingResponse()
        || response.getRound() != peer.awaitedRound) {
      return; // a late or duplicated response, or one of an abandoned session
    }
    refreshDigests();
    try {
      session.accept(response);
    } catch (WireException e) {
      peer.session = null;
      throw e;
    }
    if (!session.isDone()) {
      peer.sessionTick = antiEntropyTicks;
      digestRounds++;
      peer.meters.digestRounds().increment();
      DigestRequest request = session.nextRequest();
      peer.awaitedRound = request.getRound();
      fx.send(peer.id, request);
      return;
    }
    peer.session = null;
    Divergence divergence = session.divergence();
    TreeSet<String> push = new TreeSet<>(divergence.onlyLocal());
    push.addAll(divergence.differing());
    engine.proofs().provenByExchange(peer, push, fx);
    boolean toEncode = false;
    for (String name : push) {
      Slot<?> slot = engine.slot(name);
      if (slot != null) {
        toEncode |= fullStates.startTransfer(peer, slot);
      }
    }
    fullStates.pumpFullStates(peer, fx);
    if (toEncode) {
      ReplicaId id = peer.id;
      scheduler.schedule(Duration.ZERO, () -> fullStates.encodeTransfers(id));
    }
  }

  /** A new SHA-256 digest, for one refresh of many keys (not shared between threads). */
  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }
}
