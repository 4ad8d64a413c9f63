package io.converge.replication;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The encodings of recent versions of keys, so that one version is encoded once for its digest, the
 * full-state transfers of anti-entropy (to every peer) and the store's checkpoint. An entry belongs
 * to one state instance (states are immutable values, so identity names a version) and is used only
 * while the key still holds that instance.
 *
 * <p>Bounded twice, so that it never holds a second copy of much state for long: entries not used
 * for {@value #EXPIRE_TICKS} anti-entropy rounds are dropped, and beyond {@code maxBytes} the least
 * recently stored go first (the newest entry stays even if it alone is larger, so that a key larger
 * than the bound is still encoded once per round rather than once per use). A transfer under way
 * holds its own reference to the bytes it sends, whatever becomes of the entry.
 *
 * <p>Not thread-safe: used under the engine's lock.
 */
final class EncodedStates {

  /** The default bound on the bytes held: 64 MiB. */
  static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;

  /** Anti-entropy rounds after its last use at which an entry is dropped. */
  static final int EXPIRE_TICKS = 2;

  private record Entry(Object state, byte[] bytes, long tick) {}

  private final long maxBytes;

  /** By key name, least recently stored or used first. */
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

  private long bytes;

  EncodedStates(long maxBytes) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("must be >= 0: maxBytes=" + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Returns the encoding of {@code state} if held, marking it used at {@code tick}; null otherwise
   * (an entry of another state of the key is dropped).
   */
  byte[] get(String key, Object state, long tick) {
    Entry entry = entries.get(key);
    if (entry == null) {
      return null;
    }
    if (entry.state != state) {
      remove(key, entry);
      return null;
    }
    if (entry.tick != tick) {
      entries.put(key, new Entry(state, entry.bytes, tick));
    }
    return entry.bytes;
  }

  /** Holds the encoding of {@code state}, the key's current value, used at {@code tick}. */
  void put(String key, Object state, byte[] encoded, long tick) {
    Entry previous = entries.put(key, new Entry(state, encoded, tick));
    if (previous != null) {
      bytes -= previous.bytes.length;
    }
    bytes += encoded.length;
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator();
        bytes > maxBytes && entries.size() > 1 && it.hasNext(); ) {
      Map.Entry<String, Entry> eldest = it.next();
      if (eldest.getKey().equals(key)) {
        continue; // the newest stays
      }
      it.remove();
      bytes -= eldest.getValue().bytes.length;
    }
  }

  /** Drops the entries not used for {@value #EXPIRE_TICKS} rounds. */
  void expire(long tick) {
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry entry = it.next();
      if (tick - entry.tick >= EXPIRE_TICKS) {
        it.remove();
        bytes -= entry.bytes.length;
      }
    }
  }

  /** The bytes held. */
  long bytes() {
    return bytes;
  }

  /** The entries held. */
  int size() {
    return entries.size();
  }

  private void remove(String key, Entry entry) {
    if (entries.remove(key, entry)) {
      bytes -= entry.bytes.length;
    }
  }
}
